from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from humdial_eval.reference_model.checkpoint import load_bundle
from humdial_eval.reference_model.config import config_from_dict
from humdial_eval.reference_model.model import UnifiedSpeechLM
from humdial_eval.reference_model.training import TrainingError, train

from .conftest import fresh_run, tiny_dict


def metrics(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]


def test_training_steps_reduce_the_loss(tmp_path: Path, dataset: Path, prepared_folder: Path) -> None:
    config = config_from_dict(tiny_dict(stage1__steps=12, stage2__steps=0, stage1__lr=0.01))
    out = fresh_run(tmp_path, prepared_folder)
    train(config, dataset / "train", out, log=lambda m: None)
    losses = [m["loss"] for m in metrics(out) if m["stage"] == 1]
    assert len(losses) == 12
    assert sum(losses[-3:]) / 3 < 0.8 * sum(losses[:3]) / 3
    assert set(metrics(out)[0]["losses"]) == {"teacher_ce", "student_ce", "distill_kl", "align", "attribute_ce"}


def test_both_stages_write_bundles_with_the_losses_of_each_stage(trained: Path) -> None:
    records = metrics(trained)
    assert [(m["stage"], m["step"]) for m in records] == [(1, 1), (1, 2), (1, 3), (2, 1), (2, 2)]
    assert set(records[-1]["losses"]) == {"student_ce", "unit_ce", "consistency"}
    assert all(m["world_size"] == 1 and m["samples_per_s"] > 0 for m in records)
    stage1, final = load_bundle(trained / "stage1"), load_bundle(trained)
    assert (stage1.meta["stage"], final.meta["stage"]) == (1, 2)
    # Stage 1 leaves the speech head as initialised (same seed, same construction); stage 2 trains it.
    torch.manual_seed(stage1.config.seed)
    fresh = UnifiedSpeechLM(stage1.config, stage1.meta["vocab_size"], stage1.meta["feature_dim"], stage1.model.codebook)
    assert torch.equal(stage1.model.speech_head.net[0].weight, fresh.speech_head.net[0].weight)
    assert not torch.equal(stage1.model.adapter.net[0].weight, fresh.adapter.net[0].weight)
    assert not torch.equal(stage1.model.speech_head.net[0].weight, final.model.speech_head.net[0].weight)
    # The critic stays frozen throughout.
    assert torch.equal(stage1.model.critic.out.weight, final.model.critic.out.weight)


def test_resume_continues_exactly(tmp_path: Path, dataset: Path, prepared_folder: Path, trained: Path) -> None:
    """Stop after 2 steps, resume: every later step's losses equal the uninterrupted run's."""
    config = config_from_dict(tiny_dict())
    out = fresh_run(tmp_path, prepared_folder)
    first = train(config, dataset / "train", out, stop_after=2, log=lambda m: None)
    assert first.stopped_early and not (out / "model.pt").exists()
    with pytest.raises(TrainingError, match="--resume"):
        train(config, dataset / "train", out, log=lambda m: None)
    second = train(config, dataset / "train", out, resume=True, stop_after=2, log=lambda m: None)  # crosses into stage 2
    assert second.stopped_early
    train(config, dataset / "train", out, resume=True, log=lambda m: None)
    resumed = [(m["stage"], m["step"], m["loss"], m["losses"]) for m in metrics(out)]
    reference = [(m["stage"], m["step"], m["loss"], m["losses"]) for m in metrics(trained)]
    assert resumed == reference
    final, expected = load_bundle(out).model.state_dict(), load_bundle(trained).model.state_dict()
    assert all(torch.equal(final[k], expected[k]) for k in expected)


def test_resume_without_a_state_is_an_error(tmp_path: Path, dataset: Path, tiny_config) -> None:
    with pytest.raises(TrainingError, match="no training state"):
        train(tiny_config, dataset / "train", tmp_path / "empty", resume=True, log=lambda m: None)


def test_two_process_gloo_training_through_torchrun(tmp_path: Path, dataset: Path, prepared_folder: Path) -> None:
    import yaml

    out = fresh_run(tmp_path, prepared_folder)
    data = tiny_dict(stage1__steps=2, stage2__steps=1, stage2__grad_accum=1)
    config_path = tmp_path / "ddp.yaml"
    config_path.write_text(yaml.safe_dump(data))
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MASTER_ADDR": "127.0.0.1"}
    command = [
        sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", "2", "--master-addr", "127.0.0.1",
        "--master-port", str(29500 + os.getpid() % 1000), "-m", "humdial_eval.cli.main", "baseline", "train",
        "--config", str(config_path), "--data", str(dataset / "train"), "--out", str(out), "--no-progress",
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=240, env=env, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    records = metrics(out)
    assert [(m["stage"], m["step"], m["world_size"]) for m in records] == [(1, 1, 2), (1, 2, 2), (2, 1, 2)]
    meta = json.loads((out / "meta.json").read_text())
    assert meta["world_size"] == 2 and meta["ddp_params_in_sync"] is True
    assert all(torch.isfinite(v).all() for v in load_bundle(out).model.state_dict().values() if v.is_floating_point())
