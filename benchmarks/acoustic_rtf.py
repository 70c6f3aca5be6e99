"""Real-time factor of the acoustic judges on a full test set's worth of T3 response audio (300 files).

Run by hand from the repository root::

    .venv/bin/python benchmarks/acoustic_rtf.py [--files 300] [--workers 1,2] [--judges prosody,emotion2vec]
        [--device cuda] [--max-batch-seconds 60] [--threads 1]

The 300 files are copies of the sample submission's T3 replies (espeak-ng speech, 2.5-8 s), cycled.
Each judge scores every file through the same path as ``humdial-eval score`` (the Judge API, batched
into worker processes), timed from the first request to the last answer, worker start-up included.
RTF = wall-clock seconds / seconds of audio (lower is faster; 0.1 = ten times faster than real time).
``steady_rtf`` leaves out the first batch of each worker (which starts the worker and loads the model):
the rate of a long run. ``cpu_rtf`` is the workers' CPU seconds (start-up included) per second of audio:
on a shared machine, where a process gets a fraction of a core, it is the steadier figure.

emotion2vec weights cannot be downloaded here, so the emotion2vec rows use a randomly initialised
model with the architecture of emotion2vec_base / emotion2vec_plus_base (768-dim, 8 blocks, 12 heads,
7 conv layers): the same computation as the real model, meaningless labels. emotion2vec_plus_large is
about 3x bigger and slower. Results go to ``benchmarks/results/acoustic_rtf.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

import soundfile
import torch
import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from humdial_eval.benchmark.items import EvalItem  # noqa: E402
from humdial_eval.judges.acoustic import Emotion2vecJudge, ProsodyJudge  # noqa: E402
from humdial_eval.tasks.empathy import EmpathyTask  # noqa: E402

SOURCES = sorted((REPO / "examples/submission/HD-Track1").glob("*/HD-Track1-T3/*_response.wav"))
RESULTS = REPO / "benchmarks/results/acoustic_rtf.json"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=300)
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--judges", default="prosody,emotion2vec")
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--emotion2vec-files", type=int, help="fewer files for emotion2vec (slow on CPU); default --files")
    parser.add_argument("--name", default="acoustic_rtf", help="result file name (benchmarks/results/NAME.json)")
    parser.add_argument("--device", default="cpu", help="emotion2vec's device (cuda for the GPU figure)")
    parser.add_argument("--max-batch-seconds", type=float, help="emotion2vec's padded passes (default: by device)")
    parser.add_argument("--threads", type=int, help="torch threads per worker (default: the cores shared out)")
    args = parser.parse_args()
    results = RESULTS.with_name(f"{args.name}.json")
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        files = make_files(folder / "audio", args.files)
        model = base_sized_emotion2vec(folder / "e2v-base") if "emotion2vec" in args.judges else None
        runs = []
        for backend in args.judges.split(","):
            for workers in (int(w) for w in args.workers.split(",")):
                settings = {"workers": workers, "batch_size": args.batch_size,
                            **({"threads": args.threads} if args.threads else {})}
                e2v = {"model_dir": str(model), "user_similarity": False, "device": args.device,
                       **({"max_batch_seconds": args.max_batch_seconds} if args.max_batch_seconds is not None else {})}
                judge = (Emotion2vecJudge(backend, {**settings, **e2v})
                         if backend == "emotion2vec" else ProsodyJudge(backend, settings))
                chosen = files[: args.emotion2vec_files] if backend == "emotion2vec" and args.emotion2vec_files else files
                seconds = sum(soundfile.info(str(f)).duration for f in chosen)
                load_before = os.getloadavg()[0]
                children = resource.getrusage(resource.RUSAGE_CHILDREN)
                wall, failed, steady = time_judge(judge, chosen, args.batch_size * max(1, workers))
                after = resource.getrusage(resource.RUSAGE_CHILDREN)  # the workers, reaped by the judge's aclose
                worker_cpu = (after.ru_utime + after.ru_stime) - (children.ru_utime + children.ru_stime)
                steady_audio = sum(soundfile.info(str(f)).duration for f in chosen[args.batch_size * max(1, workers):])
                runs.append({"judge": backend, "workers": workers, "batch_size": args.batch_size, "files": len(chosen),
                             "threads": args.threads, "device": args.device if backend == "emotion2vec" else "cpu",
                             "max_batch_seconds": args.max_batch_seconds,
                             "audio_s": round(seconds, 1), "wall_s": round(wall, 2), "rtf": round(wall / seconds, 4),
                             "steady_rtf": round(steady / steady_audio, 4) if steady and steady_audio else None,
                             "worker_cpu_s": round(worker_cpu, 1), "cpu_rtf": round(worker_cpu / seconds, 4),
                             "failed": failed, "load_average_before": round(load_before, 2),
                             "load_average_after": round(os.getloadavg()[0], 2)})
                print(json.dumps(runs[-1]), flush=True)
    result = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "torch": torch.__version__,
                    "platform": platform.platform()},
        "note": "2 cores shared with other jobs (see load averages); emotion2vec rows: random weights with the emotion2vec_base architecture (same compute as the real model)",
        "runs": runs,
    }
    results.parent.mkdir(parents=True, exist_ok=True)
    results.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {results.relative_to(REPO)}")
    return 0


def make_files(folder: Path, count: int) -> list[Path]:
    folder.mkdir(parents=True)
    files = []
    for index in range(count):
        target = folder / f"bench_{index:03d}_1_response.wav"
        shutil.copyfile(SOURCES[index % len(SOURCES)], target)
        files.append(target)
    return files


def time_judge(judge, files: list[Path], warm: int) -> tuple[float, int, float | None]:  # type: ignore[no-untyped-def]
    """Wall time for all files (worker start-up and model loading included), the failures, and the
    steady-state time of the files after the first ``warm`` (one batch per worker, which start the
    workers and load the models): what a long run costs per second of audio."""
    task = EmpathyTask()
    items = [EvalItem("T3", "en", f.stem, 1, (), "...", "sad", "...", response_audio=f) for f in files]
    semaphore = asyncio.Semaphore(judge.concurrency)

    async def one(item: EvalItem):  # type: ignore[no-untyped-def]
        async with semaphore:
            return await judge.judge(item, task)

    async def run() -> tuple[list, float | None]:
        try:
            first = await asyncio.gather(*(one(i) for i in items[:warm]))
            begin = time.perf_counter()
            rest = await asyncio.gather(*(one(i) for i in items[warm:]))
            return first + rest, (time.perf_counter() - begin) if items[warm:] else None
        finally:
            await judge.aclose()

    start = time.perf_counter()
    results, steady = asyncio.run(run())
    return time.perf_counter() - start, sum(r.status != "ok" for r in results), steady


def base_sized_emotion2vec(folder: Path) -> Path:
    """A randomly initialised model with emotion2vec_base's architecture, saved as a FunASR folder."""
    sys.path.insert(0, str(REPO))
    from funasr.models.emotion2vec.model import Emotion2vec

    from tests.judges.acoustic.tiny_models import _AUDIO, EMOTION2VEC_PLUS_LABELS

    audio = {**_AUDIO, "feature_encoder_spec": "[(512, 10, 5)] + [(512, 3, 2)] * 4 + [(512, 2, 2)] * 2",
             "conv_pos_width": 95, "conv_pos_groups": 16, "conv_pos_depth": 5, "prenet_depth": 4,
             "num_alibi_heads": 12, "model_depth": 8}
    model_conf = dict(loss_beta=0.0, loss_scale=None, depth=8, start_drop_path_rate=0.0, end_drop_path_rate=0.0,
                      num_heads=12, norm_eps=1e-5, norm_affine=True, encoder_dropout=0.0, post_mlp_drop=0.0,
                      attention_dropout=0.0, activation_dropout=0.0, dropout_input=0.0, layerdrop=0.0,
                      embed_dim=768, mlp_ratio=4.0, layer_norm_first=False, average_top_k_layers=8,
                      end_of_block_targets=False, clone_batch=1, normalize=True, modalities={"audio": audio})
    folder.mkdir(parents=True)
    config = {"model": "Emotion2vec", "model_conf": model_conf, "tokenizer": "CharTokenizer",
              "tokenizer_conf": {"unk_symbol": "<unk>", "split_with_space": True}}
    (folder / "config.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    (folder / "tokens.txt").write_text("\n".join(EMOTION2VEC_PLUS_LABELS) + "\n", encoding="utf-8")
    model = Emotion2vec(model_conf=model_conf, vocab_size=len(EMOTION2VEC_PLUS_LABELS))
    print(f"emotion2vec_base-sized model: {sum(p.numel() for p in model.parameters()) / 1e6:.0f}M parameters", flush=True)
    torch.save(model.state_dict(), folder / "model.pt")
    return folder


if __name__ == "__main__":
    sys.exit(main())
