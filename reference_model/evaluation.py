"""Evidence that the baseline learns, measured on a held-out split with gold emotions.

- Emotion from audio alone: for every user turn, the model hears only that turn's speech (no history,
  no transcript) and thinks; the first emotion its thinking names is compared with the gold label.
  Reported with two chance levels: uniform (1/7) and always guessing the held-out split's most
  frequent emotion (``emotion.chance`` is the higher of the two).
- Attributes from audio alone: from the same thinking, the speaking rate, pitch level, energy,
  gender and age range it states (:mod:`humdial_eval.reference_model.attributes`) against the turn's recorded
  settings, each with its chance level (the higher of uniform and majority guessing).
- What the attribute heads hear (configs that train them): the same turns classified by the heads
  over the adapted speech, under ``heads``. Where the heads are right and the thinking is not, the
  listening modules carry the cue and the LM has not learned to state it.
- Text-speech emotion consistency: every turn is answered in its dialogue as in inference; the
  spoken reply's emotion (speech classifier on the waveform) is compared with the text reply's
  emotion (text classifier), see :mod:`humdial_eval.reference_model.meter`.
- Whole replies, from the same answers: how much of each written reply its spoken reply covers, and
  how many were cut (:mod:`humdial_eval.reference_model.reply_checks`).
- Trajectory: the emotions the T1 summaries name against the gold trajectory (from the same answers;
  without the consistency pass, the T1 dialogues are answered without speech for it).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import numpy as np

from humdial_eval.benchmark.dialogue import TestSet
from humdial_eval.benchmark.emotions import EMOTIONS
from humdial_eval.reference_model import attributes as attrs
from humdial_eval.reference_model.arrays import ArrayStore
from humdial_eval.reference_model.checkpoint import Bundle
from humdial_eval.reference_model.decoding import Decoder, DecodingOptions
from humdial_eval.reference_model.features import load_audio, make_extractor
from humdial_eval.reference_model.inference import InferenceSummary, answer_dialogue
from humdial_eval.reference_model.packing import HEARD, TurnView
from humdial_eval.reference_model.phrasebook import parse_emotion
from humdial_eval.reference_model.reply_checks import trajectory_accuracy, whole_replies
from humdial_eval.reference_model.units import load_vocoder

Transcribe = Callable[[list[np.ndarray], str], list[str]]  # (samples at 16 kHz, language) -> transcripts


def evaluate(
    bundle: Bundle, testset: TestSet, *, limit: int | None = None, consistency: bool = True,
    options: DecodingOptions = DecodingOptions(), on_dialogue: Callable[[], None] = lambda: None,
    transcribe: Transcribe | None = None,
) -> dict[str, Any]:
    """``transcribe``: an ASR function; whole-reply coverage is then measured on transcripts."""
    extractor = make_extractor(bundle.config.features)
    features = ArrayStore()
    decoder = Decoder(bundle, features, features.length, options)
    dialogues = testset.in_order(limit)
    gold, predicted = [], []
    gold_attrs: list[dict[str, str]] = []
    said_attrs: list[dict[str, str]] = []
    heard: list[list[int]] = []
    for dialogue in dialogues:
        for turn in dialogue.turns:
            if turn.user_audio is None or turn.emotion is None:
                continue
            fid = features.add(extractor(load_audio(turn.user_audio, bundle.config.features.max_seconds)))
            generated = decoder.respond(dialogue.language, dialogue.task, [], TurnView("", fid), speak=False, think_only=True)
            gold.append(turn.emotion)
            predicted.append(parse_emotion(generated.thinking))
            gold_attrs.append(attrs.from_fields(turn.extra))
            said_attrs.append(attrs.parse(generated.thinking))
            if bundle.model.attribute_heads is not None:
                heard.append(heads_predict(bundle.model, features(fid)))
        on_dialogue()
    emotion = emotion_accuracy(gold, predicted)
    report: dict[str, Any] = {
        "checkpoint_stage": bundle.meta.get("stage"),
        "emotion": {"accuracy": emotion.get("accuracy"),
                    "chance": max(emotion.get("chance_uniform", 0.0), emotion.get("chance_majority", 0.0)), "n": emotion["n"]},
        "attributes": attribute_accuracy(gold_attrs, said_attrs),
        "emotion_from_audio": emotion,
    }
    if heard:
        report["heads"] = heads_accuracy(gold, gold_attrs, heard)
    report.update(_answers(bundle, decoder, dialogues, extractor, features, on_dialogue, consistency, transcribe))
    return report


def attribute_accuracy(gold: list[dict[str, str]], said: list[dict[str, str]]) -> dict[str, dict[str, Any]]:
    """Per attribute recorded in the held-out data: accuracy of the stated value, and chance."""
    out: dict[str, dict[str, Any]] = {}
    for name, values in attrs.ATTRIBUTES.items():
        pairs = [(g[name], s.get(name)) for g, s in zip(gold, said) if name in g]
        if not pairs:
            continue
        counts = Counter(g for g, _ in pairs)
        out[name] = {
            "accuracy": sum(g == s for g, s in pairs) / len(pairs),
            "chance": max(1 / len(values), counts.most_common(1)[0][1] / len(pairs)),
            "n": len(pairs), "unstated": sum(s is None for _, s in pairs),
        }
    return out


def heads_predict(model: Any, array: np.ndarray) -> list[int]:
    """The attribute heads' class for each of :data:`HEARD` (emotion, then the attributes) of one utterance."""
    import torch

    device = next(model.parameters()).device
    with torch.inference_mode():
        feats = torch.from_numpy(np.array(array, dtype=np.float32))[None].to(device)
        lengths = torch.tensor([len(array)], device=device)
        speech, _ = model.encode_speech(feats, lengths)
        return [int(logits.argmax(-1)[0]) for logits in model.hear(speech, model.frame_lengths(lengths))]


def heads_accuracy(gold: list[str], gold_attrs: list[dict[str, str]], heard: list[list[int]]) -> dict[str, dict[str, Any]]:
    """Accuracy of the attribute heads per emotion and attribute, with the same chance levels as the thinking's."""
    out: dict[str, dict[str, Any]] = {}
    for k, name in enumerate(HEARD):
        values = EMOTIONS if name == "emotion" else attrs.ATTRIBUTES[name]
        pairs = [(g, values[h[k]]) for g, h in zip(gold if name == "emotion" else [a.get(name) for a in gold_attrs], heard)
                 if g is not None]
        if pairs:
            counts = Counter(g for g, _ in pairs)
            out[name] = {"accuracy": sum(g == s for g, s in pairs) / len(pairs),
                         "chance": max(1 / len(values), counts.most_common(1)[0][1] / len(pairs)), "n": len(pairs)}
    return out


def emotion_accuracy(gold: list[str], predicted: list[str | None]) -> dict[str, Any]:
    n = len(gold)
    if n == 0:
        return {"n": 0, "accuracy": None}
    correct = sum(g == p for g, p in zip(gold, predicted))
    counts = Counter(gold)
    majority_label, majority_count = counts.most_common(1)[0]
    recall = {
        label: sum(g == p == label for g, p in zip(gold, predicted)) / counts[label] for label in EMOTIONS if counts[label]
    }
    confusion = {g: dict(Counter(str(p) for gg, p in zip(gold, predicted) if gg == g)) for g in EMOTIONS if counts[g]}
    return {
        "n": n, "accuracy": correct / n, "chance_uniform": 1 / len(EMOTIONS),
        "chance_majority": majority_count / n, "majority_label": majority_label,
        "unparsed": sum(p is None for p in predicted), "recall": recall, "confusion": confusion,
    }


def _answers(
    bundle: Bundle, decoder: Decoder, dialogues: list, extractor: Callable[[np.ndarray], np.ndarray],
    features: ArrayStore, on_dialogue: Callable[[], None], speak: bool, transcribe: Transcribe | None,
) -> dict[str, Any]:
    """Every dialogue answered as in inference (with speech), or only the T1 dialogues (without)."""
    vocoder = load_vocoder(bundle.codec)
    texts: list[str] = []
    waves: list[np.ndarray] = []
    summary = InferenceSummary(root=bundle.folder, keep_audio=transcribe is not None)
    trajectories: list[tuple[list[str | None], str]] = []
    for dialogue in dialogues:
        if not speak and dialogue.task != "T1":
            continue
        responses = answer_dialogue(
            decoder, dialogue, extractor, features, bundle.config.features.max_seconds, speak=speak,
            vocoder=vocoder, summary=summary,
        )
        for response in responses:
            if response.audio is not None and len(response.audio):
                texts.append(response.text)
                waves.append(response.audio)
        if dialogue.task == "T1" and len(dialogue.turns) > 1:
            trajectories.append(([t.emotion for t in dialogue.turns[:-1]], responses[-1].text))
        if speak:
            on_dialogue()
    out: dict[str, Any] = {"trajectory": {**trajectory_accuracy(trajectories), "source": decoder.options.trajectory}}
    if speak:
        out["consistency"] = bundle.meter().measure(texts, waves).to_dict()
        out["whole_replies"] = whole_replies(summary.spoken_replies, bundle.speech_rate, _transcripts(summary, transcribe))
    return out


def _transcripts(summary: InferenceSummary, transcribe: Transcribe | None) -> list[str] | None:
    if transcribe is None:
        return None
    out: list[str] = []
    for reply in summary.spoken_replies:
        out.extend(transcribe([reply.audio if reply.audio is not None else np.zeros(0, np.float32)], reply.language))
    return out
