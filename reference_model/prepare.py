"""Data preparation for training: IEAT targets, audio features, reply speech units, tokenizer, critic.

Everything the training loop needs is computed once and written to ``OUT/prepared/``; a second run
with the same data and the same data-related config reuses it (the fingerprint in manifest.json).
The reply's speech targets are synthesised in the reply's emotion with the configured voice, then
turned into units by a codebook fitted on them; the consistency meter used for evaluation is fitted
here too, on the same ground truth.
"""

from __future__ import annotations

import hashlib
import importlib
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch

from humdial_eval.inputs import layout
from humdial_eval.outputs.atomic_write import atomic_open, write_atomic
from humdial_eval.benchmark.emotions import EMOTIONS
from humdial_eval.inputs.issues import IssueLog
from humdial_eval.inputs.loading import load_testset
from humdial_eval.reference_model import phrasebook as pb
from humdial_eval.reference_model.arrays import ArrayStore
from humdial_eval.reference_model.config import Config, DataConfig
from humdial_eval.reference_model.critic import train_critic
from humdial_eval.reference_model.features import load_audio, make_extractor
from humdial_eval.reference_model.ieat import CauseWriter, IEATDialogue, IEATTurn, LLMCauseWriter, TemplateCauseWriter, build_ieat
from humdial_eval.reference_model import speech_budget
from humdial_eval.reference_model.meter import ConsistencyMeter
from humdial_eval.reference_model.synthetic.generate import hash_stream
from humdial_eval.reference_model.synthetic.voice import ASSISTANT, make_voice
from humdial_eval.reference_model.tokenizer import CharTokenizer, PretrainedTokenizer, Tokenizer
from humdial_eval.reference_model.units import GriffinLimVocoder, UnitCodec

TASKS = ["T1", "T2", "T3", "T4", "T5"]
VERSION = 5  # bump when preparation changes, so old prepared data is not reused


class DataError(ValueError):
    """Training data that cannot be used; the message lists the problems with file, line and field."""


@dataclass
class Prepared:
    folder: Path
    dialogues: list[IEATDialogue]
    feature_ids: list[list[int]]  # per dialogue, per turn
    unit_ids: list[list[int]]
    features: ArrayStore
    units: ArrayStore
    tokenizer: Tokenizer
    codec: UnitCodec
    critic_state: dict[str, torch.Tensor]
    speech_rate: speech_budget.SpeechRate | None = None


def prepare(config: Config, data_dir: Path, folder: Path, log: Callable[[str], None] = print) -> Prepared:
    fingerprint = _fingerprint(config, data_dir)
    manifest = folder / "manifest.json"
    if manifest.is_file() and json.loads(manifest.read_text()).get("fingerprint") == fingerprint:
        log(f"reusing prepared data in {folder}")
        return load_prepared(config, folder)
    folder.mkdir(parents=True, exist_ok=True)
    testset = _load(data_dir, config)
    writer = make_cause_writer(config.data)
    log(f"IEAT construction ({writer.name} causes)")
    dialogues = build_ieat(testset, writer, attributes=config.data.attributes, teacher_cue=config.data.teacher_cue)
    if not dialogues:
        raise DataError(f"{data_dir}: no dialogues found (expected {{zh,en}}/HD-Track1-T{{n}}.jsonl)")
    extractor = make_extractor(config.features)
    voice = make_voice(config.data.reply_voice, whole_text=True)
    codec = UnitCodec(config.units)
    features, reply_mels, feature_ids = ArrayStore(), [], []
    reply_cut: list[bool] = []
    max_samples = int(config.data.max_reply_seconds * 16000)
    log(f"features and reply speech for {sum(len(d.turns) for d in dialogues)} turns")
    for dialogue in dialogues:
        ids = []
        for turn in dialogue.turns:
            ids.append(features.add(extractor(load_audio(turn.user_audio, config.features.max_seconds))))  # type: ignore[arg-type]
            rng = np.random.default_rng(hash_stream(f"{config.seed}:{dialogue.dialogue_id}:{dialogue.task}:{turn.turn_id}"))
            speech = trim_silence(voice.synthesize(turn.reply, turn.language, turn.reply_emotion, ASSISTANT, rng))
            reply_cut.append(len(speech) > max_samples)
            reply_mels.append(codec.mel(speech[:max_samples]))
        feature_ids.append(ids)
    log("fitting the unit codebook")
    codec.fit(reply_mels, seed=config.seed)
    encoded = [codec.encode_mel(m) for m in reply_mels]
    reply_cut = [cut or len(e) > config.units.max_units for cut, e in zip(reply_cut, encoded)]
    units = ArrayStore([e[: config.units.max_units] for e in encoded])
    unit_ids, cursor = [], 0
    for dialogue in dialogues:
        unit_ids.append(list(range(cursor, cursor + len(dialogue.turns))))
        cursor += len(dialogue.turns)
    turns = [turn for d in dialogues for turn in d.turns]
    rate = speech_budget.measure([(t.reply, t.language, units.length(i), c) for i, (t, c) in enumerate(zip(turns, reply_cut))])
    cap = min(config.units.max_units, int(config.data.max_reply_seconds * 16000 / config.units.hop_length))
    log(f"reply speech: {', '.join(f'{k} {v:.2f} units per {_per(k)}' for k, v in rate.units_per.items())}; "
        f"{rate.cut} of {len(turns)} replies longer than the cap ({cap} units) were cut there")
    tokenizer = _tokenizer(config, turns)
    log("training the speech emotion critic")
    labels = [EMOTIONS.index(t.reply_emotion) for t in turns]
    critic_state = train_critic(config, [codec.decode_mel(units(i)) for i in range(len(units))], labels)
    log("fitting the consistency meter")
    _fit_meter(codec, units, turns, config.seed).save(folder)
    speech_budget.save(folder, rate)
    features.save(folder / "features")
    units.save(folder / "units")
    codec.save(folder)
    tokenizer.save(folder)
    torch.save(critic_state, folder / "critic.pt")
    with atomic_open(folder / "ieat.jsonl") as handle:
        for dialogue, f_ids, u_ids in zip(dialogues, feature_ids, unit_ids):
            record = {
                "dialogue_id": dialogue.dialogue_id, "language": dialogue.language, "task": dialogue.task,
                "turns": [
                    {**asdict(t), "user_audio": None, "feature_id": f, "unit_id": u}
                    for t, f, u in zip(dialogue.turns, f_ids, u_ids)
                ],
            }
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    write_atomic(manifest, json.dumps({"fingerprint": fingerprint, "version": VERSION, "data": str(data_dir)}))
    return Prepared(folder, dialogues, feature_ids, unit_ids, features, units, tokenizer, codec, critic_state, rate)


def _per(language: str) -> str:
    return "character" if language == "zh" else "word"


def trim_silence(samples: np.ndarray) -> np.ndarray:
    """Reply targets start with voice, not silence: the first unit then already says how the reply sounds."""
    import librosa

    trimmed, _ = librosa.effects.trim(samples, top_db=35, frame_length=512, hop_length=128)
    return trimmed if len(trimmed) >= 1600 else samples


def load_prepared(config: Config, folder: Path) -> Prepared:
    from humdial_eval.reference_model.tokenizer import load_tokenizer

    dialogues, feature_ids, unit_ids = [], [], []
    for line in (folder / "ieat.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        turns = []
        f_ids, u_ids = [], []
        for raw in record["turns"]:
            f_ids.append(raw.pop("feature_id"))
            u_ids.append(raw.pop("unit_id"))
            turns.append(IEATTurn(**raw))
        dialogues.append(IEATDialogue(record["dialogue_id"], record["language"], record["task"], tuple(turns)))
        feature_ids.append(f_ids)
        unit_ids.append(u_ids)
    return Prepared(
        folder, dialogues, feature_ids, unit_ids, ArrayStore.load(folder / "features"), ArrayStore.load(folder / "units"),
        load_tokenizer(folder), UnitCodec.load(folder, config.units), torch.load(folder / "critic.pt", weights_only=True),
        speech_budget.load(folder),
    )


def make_cause_writer(config: DataConfig) -> CauseWriter:
    if config.cause_source == "template":
        return TemplateCauseWriter(config.max_cause_chars)
    module_name, _, attribute = config.llm.factory.partition(":")
    try:
        factory = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as exc:
        raise DataError(f"data.llm.factory {config.llm.factory!r} cannot be imported: {exc}") from exc
    try:
        backend = factory(**config.llm.settings)
        return LLMCauseWriter(backend, concurrency=config.llm.concurrency, max_chars=config.max_cause_chars)
    except (TypeError, ValueError) as exc:
        raise DataError(f"data.llm: cannot build the backend {config.llm.factory!r}: {exc}") from exc


def _load(data_dir: Path, config: Config):  # noqa: ANN202 - returns a TestSet
    if not data_dir.is_dir():
        raise DataError(f"training data folder not found: {data_dir}")
    issues = IssueLog(root=data_dir)
    testset = load_testset(data_dir, issues, tasks=TASKS)
    for (language, task), file in testset.files.items():
        for dialogue in file.dialogues.values():
            for turn in dialogue.turns:
                where = {"file": file.path, "line": dialogue.line, "dialogue_id": dialogue.dialogue_id, "turn_id": turn.turn_id}
                if turn.user_audio is None:
                    expected = layout.user_audio_name(dialogue.dialogue_id, turn.turn_id)
                    issues.add("missing_audio", f"no user audio (expected HD-Track1-{task}/{expected})", field="split_audio_file", **where)
                if turn.emotion is None:
                    issues.add("missing_field", "training turns need an emotion label", field="emotion", **where)
    if issues.errors:
        shown = "\n".join(issue.format() for issue in issues.errors[:20])
        more = len(issues.errors) - 20
        raise DataError(f"{len(issues.errors)} problem(s) in the training data:\n{shown}" + (f"\n... and {more} more" if more > 0 else ""))
    return testset


def _tokenizer(config: Config, turns: list[IEATTurn]) -> Tokenizer:
    if config.tokenizer.kind == "pretrained":
        return PretrainedTokenizer(Path(config.model.pretrained))
    phrases = [w for words in pb.EMOTION_WORDS.values() for w in words.values()]
    texts = [t for turn in turns for t in (turn.transcript, turn.thinking, turn.reply, f"[{turn.cue}]")] + phrases
    return CharTokenizer.train(texts, max_chars=config.tokenizer.max_chars)


def _fit_meter(codec: UnitCodec, units: ArrayStore, turns: list[IEATTurn], seed: int, per_class: int = 40) -> ConsistencyMeter:
    """Text side on every reply; speech side on up to ``per_class`` codec-resynthesised replies per emotion."""
    rng = np.random.default_rng(seed)
    vocoder = GriffinLimVocoder(codec)
    chosen: list[int] = []
    for emotion in sorted({t.reply_emotion for t in turns}):
        members = [i for i, t in enumerate(turns) if t.reply_emotion == emotion]
        chosen.extend(rng.permutation(members)[:per_class].tolist())
    meter = ConsistencyMeter()
    meter.fit(
        [t.reply for t in turns], [t.reply_emotion for t in turns],
        [vocoder(units(i))[0] for i in chosen], [turns[i].reply_emotion for i in chosen],
    )
    return meter


def _fingerprint(config: Config, data_dir: Path) -> str:
    files = sorted(
        (str(p.relative_to(data_dir)), p.stat().st_size, int(p.stat().st_mtime))
        for p in data_dir.rglob("*") if p.is_file()
    ) if data_dir.is_dir() else []
    relevant = {
        "version": VERSION, "seed": config.seed, "features": asdict(config.features),
        # answer_reserve matters at generation only
        "data": {k: v for k, v in asdict(config.data).items() if k != "answer_reserve"},
        "units": asdict(config.units), "tokenizer": asdict(config.tokenizer), "pretrained": config.model.pretrained,
        "ser": [config.model.ser_hidden, config.model.ser_steps], "files": files,
    }
    return hashlib.sha256(json.dumps(relevant, sort_keys=True, default=str).encode()).hexdigest()
