"""The two-stage training loop.

Stage 1 (speech-text alignment and emotional attribute modelling by self-distillation): the speech
student learns the IEAT thinking and reply from audio, pulled towards the text teacher's
distributions. Stage 2 (end-to-end cross-modal joint optimisation): the same model additionally
learns to speak the reply, with the consistency loss tying the voice's emotion to the text's.
Which modules train and which losses count in each stage is configuration (``stages.stage1/2``).

Per step: ``grad_accum`` micro-batches, mixed precision where the device supports it, gradient
clipping, a warm-up then cosine/linear schedule. Checkpoints hold everything for an exact resume;
metrics go to ``OUT/metrics.jsonl`` (rank 0), with a progress bar on a terminal.
"""

from __future__ import annotations

import contextlib
import json
import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch.nn.parallel import DistributedDataParallel

from humdial_eval.reference_model import checkpoint as ckpt
from humdial_eval.reference_model.config import Config, StageConfig
from humdial_eval.reference_model.dataset import SampleStream, TrainingSet
from humdial_eval.reference_model.distributed import Distributed, setup
from humdial_eval.reference_model.model import UnifiedSpeechLM
from humdial_eval.reference_model.packing import Packer
from humdial_eval.reference_model.prepare import Prepared, load_prepared, prepare

STATE_FILE = Path("state") / "latest.pt"


class TrainingError(RuntimeError):
    """A run that cannot start as asked (e.g. an existing run without --resume)."""


@dataclass
class TrainResult:
    out: Path
    steps: dict[int, int]
    stopped_early: bool
    seconds: float


def train(
    config: Config, data_dir: Path, out: Path, *, resume: bool = False, stop_after: int | None = None,
    progress: bool = False, log: Callable[[str], None] = print,
) -> TrainResult:
    started = time.time()
    env = setup(config.train.device)
    try:
        return _train(config, data_dir, out, env, resume, stop_after, progress, log if env.main else _quiet, started)
    finally:
        env.close()


def _quiet(message: str) -> None:
    del message


def _train(
    config: Config, data_dir: Path, out: Path, env: Distributed, resume: bool, stop_after: int | None,
    progress: bool, log: Callable[[str], None], started: float,
) -> TrainResult:
    state_path = out / STATE_FILE
    if state_path.exists() and not resume:
        raise TrainingError(f"{out} already holds a training run; pass --resume to continue it or choose another --out")
    if resume and not state_path.exists():
        raise TrainingError(f"--resume: no training state in {out} (expected {STATE_FILE})")
    if config.train.num_threads:
        torch.set_num_threads(config.train.num_threads)
    torch.manual_seed(config.seed)
    if env.main:
        prepared = prepare(config, data_dir, out / "prepared", log)
    env.barrier()
    if not env.main:
        prepared = load_prepared(config, out / "prepared")
    feature_dim = int(prepared.features(0).shape[1])
    torch.manual_seed(config.seed)
    model = UnifiedSpeechLM(config, prepared.tokenizer.vocab_size, feature_dim, torch.from_numpy(prepared.codec.centroids))
    model.critic.load_state_dict(prepared.critic_state)
    model.to(env.device)
    packer = Packer(prepared.tokenizer, config.data, model.speech_positions, prepared.features.length)
    dataset = TrainingSet(prepared, packer, model.speech_head.end)
    state = ckpt.load_state(state_path) if resume else None
    if state is not None:
        model.load_state_dict(state["model"])
        log(f"resuming at stage {state['stage']}, step {state['step']}")
    meta = {"feature_dim": feature_dim, "vocab_size": prepared.tokenizer.vocab_size, "world_size": env.world_size}
    steps_done: dict[int, int] = {}
    budget = [stop_after if stop_after is not None else math.inf]
    for stage in (1, 2):
        if state is not None and stage < state["stage"]:
            steps_done[stage] = config.stage(stage).steps
            continue
        stage_state = state if state is not None and state["stage"] == stage else None
        done, finished = _run_stage(stage, config, model, dataset, env, out, stage_state, budget, progress, log)
        steps_done[stage] = done
        if not finished:
            return TrainResult(out, steps_done, True, time.time() - started)
        in_sync = env.params_in_sync(model)
        if env.main:
            stage_meta = {**meta, "stage": stage, "steps": dict(steps_done), "ddp_params_in_sync": in_sync}
            folder = out / "stage1" if stage == 1 else out
            ckpt.save_bundle(folder, model, config, prepared.tokenizer, prepared.codec, prepared.folder, stage_meta)
            ckpt.save_state(out / STATE_FILE, {"stage": stage + 1, "step": 0, "model": model.state_dict(), "rng": ckpt.rng_state()})
            log(f"stage {stage} done: {done} steps; bundle in {folder}")
        env.barrier()
    return TrainResult(out, steps_done, False, time.time() - started)


def _run_stage(
    stage: int, config: Config, model: UnifiedSpeechLM, dataset: TrainingSet, env: Distributed, out: Path,
    state: dict[str, Any] | None, budget: list[float], progress: bool, log: Callable[[str], None],
) -> tuple[int, bool]:
    settings = config.stage(stage)
    model.set_trainable(settings.trainable)
    model.train()
    model.critic.eval()
    params = [p for p in model.parameters() if p.requires_grad]
    optimiser = _optimiser(params, settings)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimiser, _schedule(settings))
    autocast, scaler = _precision(config.train.precision, env.device)
    start = 0
    if state is not None and state.get("optimiser") is not None:
        optimiser.load_state_dict(state["optimiser"])
        scheduler.load_state_dict(state["scheduler"])
        if scaler is not None and state.get("scaler"):
            scaler.load_state_dict(state["scaler"])
    if state is not None:
        start = int(state["step"])
        ckpt.set_rng_state(state["rng"])
    net: torch.nn.Module = model
    if env.active:
        net = DistributedDataParallel(
            model, device_ids=[env.local_rank] if env.device.type == "cuda" else None, find_unused_parameters=True
        )
    stream = SampleStream(len(dataset), config.seed, stage, settings.batch_size, env.world_size, env.rank)
    weights = settings.losses
    teacher = weights.get("teacher_ce", 0) > 0 or weights.get("distill_kl", 0) > 0
    units = weights.get("unit_ce", 0) > 0 or weights.get("consistency", 0) > 0
    metrics_path = out / "metrics.jsonl"
    with _progress_bar(progress and env.main, f"stage {stage}", settings.steps, start) as advance:
        for step in range(start, settings.steps):
            if budget[0] <= 0:
                return step, False
            tick = time.time()
            totals: dict[str, float] = {}
            for micro in range(settings.grad_accum):
                pair = dataset.batch(stream.indices(step * settings.grad_accum + micro), teacher=teacher, units=units)
                pair = pair.to(env.device)
                sync = contextlib.nullcontext() if micro == settings.grad_accum - 1 or not env.active else net.no_sync()  # type: ignore[operator]
                with sync, autocast():
                    losses = net(pair, weights, settings.distill_temperature, settings.unit_dropout, settings.distill_span)
                    loss = losses["loss"] / settings.grad_accum
                if not torch.isfinite(loss):
                    bad = ", ".join(f"{k}={float(v):.4g}" for k, v in losses.items())
                    raise TrainingError(f"stage {stage} step {step + 1}: the loss is not finite ({bad}); lower the lr or check the data")
                (scaler.scale(loss) if scaler else loss).backward()
                for name, value in losses.items():
                    totals[name] = totals.get(name, 0.0) + float(env.mean(value.detach().float())) / settings.grad_accum
            if scaler:
                scaler.unscale_(optimiser)
            grad_norm = torch.nn.utils.clip_grad_norm_(params, settings.max_grad_norm)
            if scaler:
                scaler.step(optimiser)
                scaler.update()
            else:
                optimiser.step()
            optimiser.zero_grad(set_to_none=True)
            scheduler.step()
            budget[0] -= 1
            done = step + 1
            if env.main and (done % config.train.log_every == 0 or done == settings.steps or done == start + 1):
                samples = settings.batch_size * settings.grad_accum * env.world_size
                record = {
                    "stage": stage, "step": done, "loss": totals.pop("loss"), "losses": totals,
                    "lr": scheduler.get_last_lr()[0], "grad_norm": float(grad_norm),
                    "samples_per_s": samples / max(time.time() - tick, 1e-9), "world_size": env.world_size,
                    "time": time.time(),
                }
                with open(metrics_path, "a", encoding="utf-8") as handle:
                    handle.write(json.dumps(record) + "\n")
            if env.main and (done % config.train.checkpoint_every == 0 or budget[0] <= 0) and done < settings.steps:
                ckpt.save_state(out / STATE_FILE, {
                    "stage": stage, "step": done, "model": model.state_dict(), "optimiser": optimiser.state_dict(),
                    "scheduler": scheduler.state_dict(), "scaler": scaler.state_dict() if scaler else None,
                    "rng": ckpt.rng_state(),
                })
            advance()
    return settings.steps, True


def _optimiser(params: list[torch.nn.Parameter], settings: StageConfig) -> torch.optim.Optimizer:
    decay = [p for p in params if p.ndim >= 2]
    rest = [p for p in params if p.ndim < 2]
    groups = [{"params": decay, "weight_decay": settings.weight_decay}, {"params": rest, "weight_decay": 0.0}]
    return torch.optim.AdamW([g for g in groups if g["params"]], lr=settings.lr)


def _schedule(settings: StageConfig) -> Callable[[int], float]:
    def factor(step: int) -> float:
        if settings.warmup_steps and step < settings.warmup_steps:
            return (step + 1) / settings.warmup_steps
        if settings.schedule == "constant":
            return 1.0
        span = max(settings.steps - settings.warmup_steps, 1)
        progress = min(max(step - settings.warmup_steps, 0) / span, 1.0)
        shape = 0.5 * (1 + math.cos(math.pi * progress)) if settings.schedule == "cosine" else 1.0 - progress
        return settings.min_lr_ratio + (1 - settings.min_lr_ratio) * shape

    return factor


def _precision(choice: str, device: torch.device) -> tuple[Callable[[], Any], Any]:
    """bf16 autocast on GPUs that have it (auto); fp16 adds a gradient scaler; fp32 on CPU by default."""
    if choice == "auto":
        choice = "bf16" if device.type == "cuda" and torch.cuda.is_bf16_supported() else "fp32"
    if choice == "fp32":
        return contextlib.nullcontext, None
    dtype = torch.bfloat16 if choice == "bf16" else torch.float16
    scaler = torch.amp.GradScaler(device.type) if choice == "fp16" else None
    return (lambda: torch.autocast(device.type, dtype=dtype)), scaler


@contextlib.contextmanager
def _progress_bar(enabled: bool, label: str, total: int, start: int) -> Iterator[Callable[[], None]]:
    if not enabled:
        yield lambda: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), transient=False) as bar:
        task = bar.add_task(label, total=total, completed=start)
        yield lambda: bar.advance(task)
