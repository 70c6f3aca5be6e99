"""Fixtures of the reference-model tests: a tiny synthetic data set, config and trained checkpoint.

Everything is built once per session in a temporary folder with tiny dimensions, so the whole
suite runs in about a minute on two CPU cores. Nothing is downloaded.
"""

from __future__ import annotations

import copy
import shutil
from pathlib import Path
from typing import Any

import pytest
import torch

from humdial_eval.reference_model.config import Config, config_from_dict
from humdial_eval.reference_model.synthetic.generate import generate_dataset
from humdial_eval.reference_model.synthetic.voice import NumpyVoice

TINY: dict[str, Any] = {
    "name": "test",
    "seed": 3,
    "data": {"max_tokens": 256, "max_history_turns": 2, "max_cause_chars": 32, "max_reply_seconds": 1.5},
    "features": {"n_mels": 16, "n_fft": 400, "hop_length": 320, "max_seconds": 2.0},
    "units": {"codebook_size": 12, "n_mels": 16, "n_fft": 512, "hop_length": 640, "max_units": 20, "griffin_lim_iters": 4},
    "model": {
        "backbone": {
            "model_type": "qwen2", "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2,
            "num_attention_heads": 2, "num_key_value_heads": 1, "max_position_embeddings": 512,
            "tie_word_embeddings": True,
        },
        "encoder": {"dim": 32, "layers": 1, "heads": 2, "dropout": 0.1},
        "adapter_stack": 2, "speech_head_hidden": 32, "ser_hidden": 16, "ser_steps": 20,
        "speech_branch_layer": 1, "speech_branch_depth": 1, "utterance_summary": True,
    },
    "stages": {
        "stage1": {"steps": 3, "batch_size": 4, "lr": 0.003, "warmup_steps": 1,
                   "trainable": ["audio_encoder", "adapter", "lm"],
                   "losses": {"teacher_ce": 1.0, "student_ce": 1.0, "distill_kl": 0.5, "align": 0.1, "attribute_ce": 0.5}},
        "stage2": {"steps": 2, "batch_size": 4, "lr": 0.002, "warmup_steps": 0, "grad_accum": 2,
                   "trainable": ["audio_encoder", "adapter", "lm", "speech_head"],
                   "losses": {"student_ce": 1.0, "unit_ce": 1.0, "consistency": 0.5}},
    },
    "train": {"log_every": 1, "checkpoint_every": 100, "num_threads": 1, "device": "cpu"},
}


@pytest.fixture(autouse=True, scope="session")
def _threads() -> None:
    torch.set_num_threads(1)


def tiny_dict(**stage_overrides: Any) -> dict[str, Any]:
    data = copy.deepcopy(TINY)
    for key, value in stage_overrides.items():
        stage, field = key.split("__")
        data["stages"][stage][field] = value
    return data


@pytest.fixture(scope="session")
def tiny_config() -> Config:
    return config_from_dict(tiny_dict())


@pytest.fixture(scope="session")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """train/ and test/ splits, both languages, T1-T3: 12 training and 6 held-out dialogues."""
    root = tmp_path_factory.mktemp("synthetic")
    generate_dataset(root, NumpyVoice(max_syllables=5), train_dialogues=2, test_dialogues=1, seed=11)
    return root


@pytest.fixture(scope="session")
def prepared_folder(tmp_path_factory: pytest.TempPathFactory, tiny_config: Config, dataset: Path) -> Path:
    from humdial_eval.reference_model.prepare import prepare

    folder = tmp_path_factory.mktemp("prepared") / "prepared"
    prepare(tiny_config, dataset / "train", folder, log=lambda m: None)
    return folder


def fresh_run(tmp_path: Path, prepared_folder: Path) -> Path:
    """A training output folder that already holds the shared prepared data (reused by fingerprint)."""
    out = tmp_path / "run"
    shutil.copytree(prepared_folder, out / "prepared")
    return out


@pytest.fixture(scope="session")
def trained(tmp_path_factory: pytest.TempPathFactory, tiny_config: Config, dataset: Path, prepared_folder: Path) -> Path:
    """A checkpoint after both (tiny) stages."""
    from humdial_eval.reference_model.training import train

    out = fresh_run(tmp_path_factory.mktemp("trained"), prepared_folder)
    train(tiny_config, dataset / "train", out, log=lambda m: None)
    return out
