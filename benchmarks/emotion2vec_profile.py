"""Where emotion2vec's seconds go on the CPU, and what one recording costs, by inference path.

Run by hand from the repository root::

    .venv/bin/python benchmarks/emotion2vec_profile.py [--threads 1] [--files 10] [--repeats 2]

In one process, on the sample submission's T3 replies (cycled to ``--files``), with the
emotion2vec_base-sized random model of ``acoustic_rtf.py``:

- ``funasr_default_threads``: FunASR's ``generate`` one recording at a time, loaded as the code before
  December 2026 loaded it (no ``ncpu``: FunASR sets torch to 4 threads, whatever the machine has);
- ``generate``: the same with ``ncpu`` = ``--threads`` (what the judge does now when batching is off);
- ``batched``: the judge's padded passes (``judges/acoustic/emotion2vec_batch.py``), all files in one
  analyser batch, at most ``--max-batch-seconds`` of padded audio per pass.

Each is timed ``--repeats`` times after a warm-up (best and median kept), as wall and as this
process's CPU time per second of audio; the load average is recorded around each. The
``stages`` of the ``generate`` path split its wall time by module (forward hooks): the convolutional
feature extractor, the positional convolutions, the pre-net blocks, the main blocks. Results go to
``benchmarks/results/emotion2vec_profile.json`` (``--name`` changes the file name).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import soundfile
import torch

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from acoustic_rtf import SOURCES, base_sized_emotion2vec  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--files", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--max-batch-seconds", type=float, default=60.0)
    parser.add_argument("--paths", default="funasr_default_threads,generate,batched")
    parser.add_argument("--name", default="emotion2vec_profile")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    from funasr import AutoModel

    from humdial_eval.judges.acoustic.emotion2vec import load_automodel
    from humdial_eval.judges.acoustic.emotion2vec_batch import BatchLimits, check_batching, forward_batch, plan_batches

    signals = [soundfile.read(str(SOURCES[i % len(SOURCES)]), dtype="float32")[0] for i in range(args.files)]
    audio_s = sum(len(s) for s in signals) / 16000
    runs: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as scratch:
        torch.manual_seed(0)
        folder = base_sized_emotion2vec(Path(scratch) / "e2v-base")
        for path in args.paths.split(","):
            torch.set_num_threads(args.threads)
            if path == "funasr_default_threads":
                model = AutoModel(model=str(folder), disable_update=True, disable_pbar=True, disable_log=True,
                                  log_level="ERROR", device="cpu")
            else:
                model = load_automodel(str(folder))
            stages: dict[str, float] = {}
            if path == "batched":
                assert check_batching(model), "the batched path does not match FunASR on this model"
                limits = BatchLimits(max_batch_seconds=args.max_batch_seconds)

                def run() -> None:
                    for group in plan_batches([len(s) for s in signals], limits):
                        forward_batch(model, [signals[i] for i in group])
            else:
                if path == "generate":
                    stages = _hook_stages(model.model)

                def run() -> None:
                    with torch.inference_mode():
                        for signal in signals:
                            model.generate(input=[signal], granularity="utterance", extract_embedding=True,
                                           batch_size=1, fs=16000)
            run()  # warm-up
            stages.clear()
            walls, cpus, loads = [], [], [os.getloadavg()[0]]
            for _ in range(args.repeats):
                wall, cpu = time.perf_counter(), time.process_time()
                run()
                walls.append(time.perf_counter() - wall)
                cpus.append(time.process_time() - cpu)
                loads.append(os.getloadavg()[0])
            runs[path] = {
                "torch_threads": torch.get_num_threads(),
                "wall_rtf_best": round(min(walls) / audio_s, 4), "wall_rtf_median": round(statistics.median(walls) / audio_s, 4),
                "cpu_rtf_best": round(min(cpus) / audio_s, 4), "cpu_rtf_median": round(statistics.median(cpus) / audio_s, 4),
                "load_average": [round(x, 2) for x in loads],
            }
            if stages:
                shares = {k: round(v / sum(walls), 3) for k, v in stages.items()}
                shares["everything_else"] = round(1 - sum(shares.values()), 3)  # projections, pooling, FunASR's per-call work
                runs[path]["stage_share_of_wall"] = shares
            print(path, json.dumps(runs[path]), flush=True)
            del model
    result = {"machine": {"cpus": os.cpu_count(), "torch": torch.__version__}, "threads": args.threads,
              "files": args.files, "audio_s": round(audio_s, 1), "max_batch_seconds": args.max_batch_seconds,
              "note": "one process; emotion2vec_base-sized random weights; 2 cores shared with other jobs (see load_average)",
              "runs": runs}
    target = REPO / "benchmarks/results" / f"{args.name}.json"
    target.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {target.relative_to(REPO)}")
    return 0


def _hook_stages(model: torch.nn.Module) -> dict[str, float]:
    """Wall seconds per part of the model, summed over calls (forward pre/post hooks)."""
    encoder = model.modality_encoders["AUDIO"]
    parts = {"conv_feature_extractor": encoder.local_encoder, "positional_convolutions": encoder.relative_positional_encoder,
             "prenet_blocks": encoder.context_encoder}
    stages: dict[str, float] = {}
    for name, module in [*parts.items(), *(("main_blocks", block) for block in model.blocks)]:
        def pre(_module, _args, name=name) -> None:
            stages[f"_{name}"] = time.perf_counter()

        def post(_module, _args, _out, name=name) -> None:
            stages[name] = stages.get(name, 0.0) + time.perf_counter() - stages.pop(f"_{name}")

        module.register_forward_pre_hook(pre)
        module.register_forward_hook(post)
    return stages


if __name__ == "__main__":
    sys.exit(main())
