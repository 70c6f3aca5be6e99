"""Model bundles (what inference loads) and training states (what an exact resume loads).

A bundle is a folder: ``model.pt`` (all weights, critic and codebook included), ``lm_config/`` (the
backbone's transformers config, so the network is rebuilt without the original checkpoint),
``config.yaml``, the tokenizer, ``codebook.npy``, ``meter.pkl`` and ``meta.json``. A training state
(``state/latest.pt``) adds the optimiser, scheduler, gradient scaler and every random generator, so
that a resumed run continues exactly as an uninterrupted one would.
"""

from __future__ import annotations

import json
import random
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import yaml

from humdial_eval.reference_model.config import Config, config_from_dict
from humdial_eval.reference_model.meter import ConsistencyMeter
from humdial_eval.reference_model.model import UnifiedSpeechLM
from humdial_eval.reference_model.tokenizer import Tokenizer, load_tokenizer
from humdial_eval.reference_model.units import UnitCodec

MODEL_FILE = "model.pt"
META_FILE = "meta.json"


class CheckpointError(ValueError):
    """A folder that is not a usable model bundle; the message names what is missing."""


@dataclass
class Bundle:
    folder: Path
    model: UnifiedSpeechLM
    config: Config
    tokenizer: Tokenizer
    codec: UnitCodec
    meta: dict[str, Any]

    def meter(self) -> ConsistencyMeter:
        return ConsistencyMeter.load(self.folder)


def save_bundle(
    folder: Path, model: UnifiedSpeechLM, config: Config, tokenizer: Tokenizer, codec: UnitCodec,
    prepared_folder: Path, meta: dict[str, Any],
) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    torch.save(model.state_dict(), folder / MODEL_FILE)
    model.lm.config.save_pretrained(str(folder / "lm_config"))
    (folder / "config.yaml").write_text(yaml.safe_dump(config.to_dict(), sort_keys=False, allow_unicode=True), encoding="utf-8")
    tokenizer.save(folder)
    codec.save(folder)
    shutil.copyfile(prepared_folder / ConsistencyMeter.FILE, folder / ConsistencyMeter.FILE)
    (folder / META_FILE).write_text(json.dumps(meta, indent=2, ensure_ascii=False), encoding="utf-8")


def load_bundle(folder: Path, device: torch.device | str = "cpu") -> Bundle:
    for name in (MODEL_FILE, META_FILE, "config.yaml", "lm_config"):
        if not (folder / name).exists():
            raise CheckpointError(f"{folder}: not a model checkpoint ({name} is missing); pass the --out folder of a finished training run")
    config = config_from_dict(yaml.safe_load((folder / "config.yaml").read_text(encoding="utf-8")), str(folder / "config.yaml"))
    meta = json.loads((folder / META_FILE).read_text(encoding="utf-8"))
    tokenizer = load_tokenizer(folder)
    codec = UnitCodec.load(folder, config.units)
    model = UnifiedSpeechLM(
        config, int(meta["vocab_size"]), int(meta["feature_dim"]), torch.from_numpy(codec.centroids),
        saved_lm_config=folder / "lm_config",
    )
    model.load_state_dict(torch.load(folder / MODEL_FILE, map_location="cpu", weights_only=True))
    model.to(device).eval()
    return Bundle(folder, model, config, tokenizer, codec, meta)


def rng_state() -> dict[str, Any]:
    state: dict[str, Any] = {"python": random.getstate(), "numpy": np.random.get_state(), "torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict[str, Any]) -> None:
    random.setstate(state["python"])
    np.random.set_state(state["numpy"])
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def save_state(path: Path, state: dict[str, Any]) -> None:
    """Write atomically: a crash mid-write leaves the previous state intact."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    torch.save(state, partial)
    partial.replace(path)


def load_state(path: Path) -> dict[str, Any]:
    # Our own file, holding RNG states and optimiser state (not only tensors), hence weights_only=False.
    return torch.load(path, map_location="cpu", weights_only=False)
