"""The reference baseline's ablation: train variants of one config on prepared data, measure each.

Made to run where audio libraries may be missing (the GPU machine): every variant trains from data
prepared once elsewhere (``OUT/prepared`` of an ordinary ``baseline train`` run) and is measured on
held-out features computed once elsewhere, so this script needs torch, transformers and numpy only.

  # here: held-out features and labels, once
  python benchmarks/baseline_ablation.py heldout --config tiny --testset DATA/test --out H
  # anywhere (cpu or cuda): train and measure one variant; under torchrun for DDP
  python benchmarks/baseline_ablation.py train --prepared CKPT/prepared --heldout H --out RUN \
      --config tiny --set stages.stage1.losses.distill_kl=0

Each ``train`` writes RUN/result.json: the variant's overrides, the seconds it took, the first and
last logged losses of each stage (the distillation gap among them), and emotion and attribute
accuracy from audio alone on the held-out turns (the same measure as ``baseline evaluate``).
Consistency and the offline judge's scores need the audio stack: run ``baseline evaluate`` /
``baseline infer`` / ``humdial-eval score`` on RUN where it is installed.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _config(name: str, overrides: list[str], sections_from: str | None) -> Any:
    from humdial_eval.reference_model.cli import _apply_override, _read_config
    from humdial_eval.reference_model.config import config_from_dict

    raw = _read_config(name)
    if sections_from:
        # e.g. the paper's architecture and schedule over the tiny data/features/units
        source, _, names = sections_from.partition(":")
        other = _read_config(source)
        for section in names.split(","):
            raw[section] = other.get(section, {})
    for assignment in overrides:
        _apply_override(raw, assignment)
    return config_from_dict(raw, source=name)


def heldout(args: argparse.Namespace) -> None:
    from humdial_eval.reference_model import attributes as attrs
    from humdial_eval.reference_model.arrays import ArrayStore
    from humdial_eval.reference_model.features import load_audio, make_extractor
    from humdial_eval.reference_model.inference import read_testset

    config = _config(args.config, [], None)
    extractor = make_extractor(config.features)
    store = ArrayStore()
    turns = []
    testset = read_testset(args.testset, ["T1", "T2", "T3"], ["zh", "en"])
    for key in sorted(testset.files):
        for dialogue in testset.files[key].dialogues.values():
            for turn in dialogue.turns:
                if turn.user_audio is None or turn.emotion is None:
                    continue
                fid = store.add(extractor(load_audio(turn.user_audio, config.features.max_seconds)))
                turns.append({"language": dialogue.language, "task": dialogue.task, "feature_id": fid,
                              "emotion": turn.emotion, "attributes": attrs.from_fields(turn.extra)})
    args.out.mkdir(parents=True, exist_ok=True)
    store.save(args.out / "features")
    (args.out / "turns.json").write_text(json.dumps(turns, ensure_ascii=False))
    print(f"{len(turns)} held-out turns -> {args.out}")


def strip_attributes(args: argparse.Namespace) -> None:
    """A copy of prepared data whose thinking states no attributes (``data.attributes: false``): the
    teacher's cue keeps only the emotion, the attribute heads get no attribute labels; features, units,
    critic, meter and tokenizer stay as they are."""
    from humdial_eval.reference_model.ieat import sounds_like, thinking_text

    shutil.copytree(args.prepared, args.out)
    lines = []
    for line in (args.prepared / "ieat.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        previous = None
        for turn in record["turns"]:
            turn["thinking"] = thinking_text(record["language"], turn["emotion"], turn["cause"],
                                             previous if previous != turn["emotion"] else None)
            turn["attributes"] = {}
            turn["cue"] = sounds_like(record["language"], turn["emotion"], "") if turn.get("cue") else ""
            previous = turn["emotion"]
        lines.append(json.dumps(record, ensure_ascii=False))
    (args.out / "ieat.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")


def half_features(args: argparse.Namespace) -> None:
    """Store a prepared folder's features as float16 (half the bytes to carry; read back as float32)."""
    for name in ("features.data.npy",):
        path = args.prepared / name
        np.save(path, np.load(path).astype(np.float16))


def _stage2_start(config: Any, stage1: Path, out: Path, prepared: Any) -> None:
    """A training state at the start of stage 2 holding another run's stage-1 weights.

    Variants that differ only in stage 2 (consistency loss, speech branch layer) then share one
    stage 1. The speech branch is not trained in stage 1, so it keeps this variant's own
    initialisation (a copy of the freshly built LM's layers above the branch point)."""
    import torch

    from humdial_eval.reference_model import checkpoint as ckpt
    from humdial_eval.reference_model.model import UnifiedSpeechLM

    torch.manual_seed(config.seed)
    model = UnifiedSpeechLM(config, prepared.tokenizer.vocab_size, int(prepared.features(0).shape[1]),
                            torch.from_numpy(prepared.codec.centroids))
    trained = torch.load(stage1 / "model.pt", map_location="cpu", weights_only=True)
    own = model.state_dict()
    kept = {k: v for k, v in trained.items() if not k.startswith("speech_branch.") and k in own and own[k].shape == v.shape}
    model.load_state_dict(kept, strict=False)
    ckpt.save_state(out / training_state_file(), {"stage": 2, "step": 0, "model": model.state_dict(), "rng": ckpt.rng_state()})


def training_state_file() -> Path:
    from humdial_eval.reference_model.training import STATE_FILE

    return STATE_FILE


def train_variant(args: argparse.Namespace) -> None:
    import torch

    from humdial_eval.reference_model import attributes as attrs
    from humdial_eval.reference_model import training
    from humdial_eval.reference_model.arrays import ArrayStore
    from humdial_eval.reference_model.checkpoint import load_bundle
    from humdial_eval.reference_model.decoding import Decoder
    from humdial_eval.reference_model.evaluation import heads_predict, attribute_accuracy, emotion_accuracy, heads_accuracy
    from humdial_eval.reference_model.packing import TurnView
    from humdial_eval.reference_model.phrasebook import parse_emotion
    from humdial_eval.reference_model.prepare import load_prepared

    config = _config(args.config, args.set, args.sections_from)
    config.train.device = args.device
    if args.device == "cpu":
        config.train.num_threads = args.threads
    target = args.out / "prepared"
    if not target.exists():
        shutil.copytree(args.prepared, target)
    # Train from the prepared data as it is (no audio libraries needed).
    training.prepare = lambda config, data_dir, folder, log: load_prepared(config, folder)  # type: ignore[assignment]
    resume = False
    if args.from_stage1:
        _stage2_start(config, args.from_stage1, args.out, load_prepared(config, target))
        resume = True
    started = time.time()
    training.train(config, args.prepared, args.out, resume=resume, log=lambda m: print(m, file=sys.stderr))
    seconds = time.time() - started
    import os

    if int(os.environ.get("RANK", "0")) != 0:
        return
    stages = _stages(args.out / "metrics.jsonl")
    device = "cuda" if args.device == "cuda" and torch.cuda.is_available() else "cpu"
    bundle = load_bundle(args.out, device)
    features = ArrayStore.load(args.heldout / "features")
    turns = json.loads((args.heldout / "turns.json").read_text())[:: args.stride][: args.limit]
    decoder = Decoder(bundle, features, features.length)
    gold, said, gold_a, said_a, heard = [], [], [], [], []
    for turn in turns:
        out = decoder.respond(turn["language"], turn["task"], [], TurnView("", turn["feature_id"]), speak=False, think_only=True)
        gold.append(turn["emotion"])
        said.append(parse_emotion(out.thinking))
        gold_a.append(turn["attributes"])
        said_a.append(attrs.parse(out.thinking))
        if bundle.model.attribute_heads is not None:
            heard.append(heads_predict(bundle.model, features(turn["feature_id"])))
    emotion = emotion_accuracy(gold, said)
    result = {
        "name": args.name or args.out.name, "config": args.config, "sections_from": args.sections_from,
        "set": args.set, "device": device, "world_size": int(os.environ.get("WORLD_SIZE", "1")),
        "train_seconds": seconds, "stages": stages,
        "parameters": sum(p.numel() for p in bundle.model.parameters()),
        "emotion": {"accuracy": emotion["accuracy"], "chance": max(emotion["chance_uniform"], emotion["chance_majority"]),
                    "n": emotion["n"]},
        "attributes": attribute_accuracy(gold_a, said_a),
        "heads": heads_accuracy(gold, gold_a, heard) if heard else None,
        "example_thinking": out.thinking,
    }
    (args.out / "result.json").write_text(json.dumps(result, indent=2, ensure_ascii=False))
    print(json.dumps({k: result[k] for k in ("name", "train_seconds", "emotion")}))


def _score_row(folder: Path) -> dict[str, Any]:
    """T1, T2 averages and T3's text dimension per language, and the partial final, from a score folder."""
    summary = json.loads((folder / "summary.json").read_text())
    row: dict[str, Any] = {"final_partial": summary.get("final_partial")}
    for language, tasks in summary["languages"].items():
        row[language] = {"T1": tasks["T1"]["avg"], "T2": tasks["T2"]["avg"],
                         "T3_text": tasks["T3"]["textual_empathy_insight"]}
    return row


def collect(args: argparse.Namespace) -> None:
    """Gather NAME=FOLDER runs into one JSON file and a table. A run's measures come from its
    ``eval.json`` (``baseline evaluate`` on the whole held-out split) where there is one, else from
    ``result.json``; its training record (overrides, seconds, first and last losses) from
    ``result.json`` or its ``metrics.jsonl``; the offline judge's scores from ``score/``."""
    rows = []
    for item in args.runs:
        name, _, folder_text = item.partition("=")
        folder = Path(folder_text)
        row: dict[str, Any] = {"name": name, "folder": str(folder)}
        if (folder / "result.json").is_file():
            result = json.loads((folder / "result.json").read_text())
            row.update({k: result[k] for k in ("set", "train_seconds", "emotion", "attributes", "heads", "stages") if k in result})
        elif (folder / "metrics.jsonl").is_file():
            row["stages"] = _stages(folder / "metrics.jsonl")
        if (folder / "eval.json").is_file():
            data = json.loads((folder / "eval.json").read_text())
            row.update({"emotion": data.get("emotion"), "attributes": data.get("attributes"), "heads": data.get("heads"),
                        "consistency": data.get("consistency"), "measured_on": "eval.json (whole held-out split)"})
        if (folder / "score" / "summary.json").is_file():
            row["judge"] = _score_row(folder / "score")
        rows.append(row)
    import platform

    record = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "machine": platform.node(),
              "load_average": list(__import__("os").getloadavg()), "note": args.note, "rows": rows}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n")
    print(table(rows))


def _stages(path: Path) -> dict[str, Any]:
    metrics = [json.loads(line) for line in path.read_text().splitlines()]
    stages: dict[str, Any] = {}
    for stage in (1, 2):
        rows = [m for m in metrics if m["stage"] == stage]
        if rows:
            stages[f"stage{stage}"] = {"first": rows[0]["losses"], "last": rows[-1]["losses"],
                                       "samples_per_s_last": rows[-1]["samples_per_s"]}
    return stages


ATTRIBUTE_COLUMNS = ("speaking_rate", "energy", "pitch_level", "gender", "age_range")


def table(rows: list[dict[str, Any]]) -> str:
    """Markdown: emotion and attribute accuracy stated in thinking (heads in brackets), consistency, judge."""

    def pct(value: Any) -> str:
        return "-" if value is None else f"{100 * value:.1f}"

    def cell(row: dict[str, Any], name: str) -> str:
        said = ((row.get("attributes") or {}).get(name) or {}) if name != "emotion" else (row.get("emotion") or {})
        heard = (row.get("heads") or {}).get(name) or {}
        text = pct(said.get("accuracy"))
        return f"{text} ({pct(heard['accuracy'])})" if heard else text

    names = ("emotion", *ATTRIBUTE_COLUMNS)
    lines = ["| run | " + " | ".join(names) + " | consistency (kappa) | judge partial final |",
             "|---" * (len(names) + 3) + "|"]
    for row in rows:
        consistency = row.get("consistency") or {}
        agreement = consistency.get("agreement")
        kappa = consistency.get("kappa")
        text = "-" if agreement is None else f"{pct(agreement)} ({kappa:.2f})" if kappa is not None else pct(agreement)
        final = (row.get("judge") or {}).get("final_partial")
        lines.append(f"| {row['name']} | " + " | ".join(cell(row, n) for n in names)
                     + f" | {text} | {'-' if final is None else f'{final:.2f}'} |")
    chance = rows[0] if rows else {}
    lines.append("| chance | " + " | ".join(
        pct(((chance.get("attributes") or {}).get(n) or {}).get("chance") if n != "emotion"
            else (chance.get("emotion") or {}).get("chance")) for n in names) + " | | |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    h = commands.add_parser("heldout", help="held-out features and labels (needs the audio stack)")
    h.add_argument("--config", default="tiny")
    h.add_argument("--testset", type=Path, required=True)
    h.add_argument("--out", type=Path, required=True)
    h.set_defaults(func=heldout)
    s = commands.add_parser("strip-attributes", help="prepared data without attributes in thinking")
    s.add_argument("--prepared", type=Path, required=True)
    s.add_argument("--out", type=Path, required=True)
    s.set_defaults(func=strip_attributes)
    f = commands.add_parser("half-features", help="prepared features as float16, in place")
    f.add_argument("--prepared", type=Path, required=True)
    f.set_defaults(func=half_features)
    t = commands.add_parser("train", help="train one variant from prepared data and measure it")
    t.add_argument("--config", default="tiny")
    t.add_argument("--sections-from", help="CONFIG:section,... taken from another config (e.g. paper:model,stages,train)")
    t.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    t.add_argument("--prepared", type=Path, required=True)
    t.add_argument("--heldout", type=Path, required=True)
    t.add_argument("--out", type=Path, required=True)
    t.add_argument("--name")
    t.add_argument("--from-stage1", type=Path, metavar="BUNDLE", help="start at stage 2 from this stage-1 bundle")
    t.add_argument("--device", default="cpu", choices=("cpu", "cuda"))
    t.add_argument("--threads", type=int, default=2)
    t.add_argument("--limit", type=int, help="measure on the first N held-out turns only (a smoke test)")
    t.add_argument("--stride", type=int, default=1, help="measure on every N-th held-out turn (1: all)")
    t.set_defaults(func=train_variant)
    c = commands.add_parser("collect", help="gather runs into one JSON file (and print a table)")
    c.add_argument("runs", nargs="+", metavar="NAME=FOLDER")
    c.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "baseline_ablation.json")
    c.add_argument("--note", default="")
    c.set_defaults(func=collect)
    args = parser.parse_args()
    args.func(args)


if __name__ == "__main__":
    main()
