"""Model bundles (what inference loads) and training states (what an exact resume loads).

A bundle is a folder: ``model.pt`` (all weights, critic and codebook included), ``lm_config/`` (the
backbone's transformers config, so the network is rebuilt without the original checkpoint),
``config.yaml``, the tokenizer, ``codebook.npy``, ``meter.json``, ``speech_rate.json`` and ``meta.json``.
A training state (``state/latest.pt``) adds the optimiser, scheduler, gradient scaler and every random
generator, so that a resumed run continues exactly as an uninterrupted one would.

Checkpoints are untrusted input: a bundle or state may come from anyone. Nothing here unpickles
arbitrary objects: weights and states are read with ``torch.load(weights_only=True)`` (tensors and
plain containers of numbers and strings only), everything else is JSON, YAML (safe loader) or ``.npy``
without pickles. A file that is not what it should be is refused with a :class:`CheckpointError` that
names it, before anything in it can run.
"""

from __future__ import annotations

import json
import pickle
import random
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import yaml

from humdial_eval.reference_model.config import Config, config_from_dict
from humdial_eval.reference_model import speech_budget
from humdial_eval.reference_model.meter import ConsistencyMeter
from humdial_eval.reference_model.model import UnifiedSpeechLM
from humdial_eval.reference_model.tokenizer import Tokenizer, load_tokenizer
from humdial_eval.reference_model.units import UnitCodec

MODEL_FILE = "model.pt"
META_FILE = "meta.json"
MAX_TEXT_BYTES = 4 * 1024 * 1024  # meta.json, config.yaml: small files
# What torch.load may raise on a file that is not a plain-tensor checkpoint (a pickle with code in it
# is refused by the weights-only unpickler with pickle.UnpicklingError).
LOAD_ERRORS = (pickle.UnpicklingError, RuntimeError, EOFError, ValueError, OSError, KeyError, TypeError,
               AttributeError, IndexError, ImportError)


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
    speech_rate: speech_budget.SpeechRate | None = None  # None: a checkpoint from before the unit budget

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
    if (prepared_folder / speech_budget.FILE).is_file():
        shutil.copyfile(prepared_folder / speech_budget.FILE, folder / speech_budget.FILE)
    (folder / META_FILE).write_text(json.dumps(meta, indent=2, ensure_ascii=False), encoding="utf-8")


def load_bundle(folder: Path, device: torch.device | str = "cpu") -> Bundle:
    for name in (MODEL_FILE, META_FILE, "config.yaml", "lm_config"):
        if not (folder / name).exists():
            raise CheckpointError(f"{folder}: not a model checkpoint ({name} is missing); pass the --out folder of a finished training run")
    config_path, meta_path = folder / "config.yaml", folder / META_FILE
    try:
        config = config_from_dict(yaml.safe_load(_read_text(config_path)), str(config_path))
    except (yaml.YAMLError, ValueError) as exc:
        raise CheckpointError(f"{config_path}: not a usable config: {_short(exc)}") from exc
    try:
        meta = json.loads(_read_text(meta_path))
        vocab_size, feature_dim = int(meta["vocab_size"]), int(meta["feature_dim"])
    except (ValueError, KeyError, TypeError) as exc:
        raise CheckpointError(f"{meta_path}: not usable ({_short(exc)}); expected JSON with vocab_size and feature_dim") from exc
    try:
        tokenizer = load_tokenizer(folder)
    except (ValueError, OSError, KeyError, TypeError) as exc:
        raise CheckpointError(f"{folder}: the tokenizer cannot be read: {_short(exc)}") from exc
    try:
        codec = UnitCodec.load(folder, config.units)
    except (ValueError, OSError) as exc:
        raise CheckpointError(f"{folder / UnitCodec.FILE}: not a usable codebook: {_short(exc)}") from exc
    try:
        speech_rate = speech_budget.load(folder)
    except speech_budget.SpeechRateError as exc:
        raise CheckpointError(str(exc)) from exc
    try:
        model = UnifiedSpeechLM(
            config, vocab_size, feature_dim, torch.from_numpy(codec.centroids), saved_lm_config=folder / "lm_config",
        )
    except (ValueError, OSError, KeyError, TypeError) as exc:
        raise CheckpointError(f"{folder / 'lm_config'}: the network cannot be built from it: {_short(exc)}") from exc
    weights = load_tensors(folder / MODEL_FILE)
    try:
        model.load_state_dict(weights)
    except (RuntimeError, TypeError, AttributeError) as exc:
        raise CheckpointError(f"{folder / MODEL_FILE}: the weights do not fit the network of config.yaml: {_short(exc)}") from exc
    model.to(device).eval()
    return Bundle(folder, model, config, tokenizer, codec, meta, speech_rate)


def load_tensors(path: Path) -> dict[str, torch.Tensor]:
    """A state_dict of tensors, read without running anything the file may hold."""
    try:
        data = torch.load(path, map_location="cpu", weights_only=True)
    except LOAD_ERRORS as exc:
        raise CheckpointError(f"{path}: not a plain tensor checkpoint; refused without loading it ({_short(exc)})") from exc
    if not isinstance(data, dict) or not all(isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in data.items()):
        raise CheckpointError(f"{path}: expected a mapping of parameter names to tensors")
    return data


def _read_text(path: Path) -> str:
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_TEXT_BYTES + 1)
    except OSError as exc:
        raise CheckpointError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    if len(raw) > MAX_TEXT_BYTES:
        raise CheckpointError(f"{path}: larger than {MAX_TEXT_BYTES} bytes; refused")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CheckpointError(f"{path}: not UTF-8 text") from exc


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return (text[:240] + "...") if len(text) > 240 else text


def rng_state() -> dict[str, Any]:
    """Every random generator's state as tensors and plain numbers, so a weights-only load reads it back."""
    version, internal, gauss = random.getstate()
    numpy_state = np.random.get_state(legacy=False)
    state: dict[str, Any] = {
        "python": [version, list(internal), gauss],
        "numpy": {"key": torch.from_numpy(numpy_state["state"]["key"].astype(np.int64)),
                  "pos": int(numpy_state["state"]["pos"]), "has_gauss": int(numpy_state["has_gauss"]),
                  "gauss": float(numpy_state["gauss"])},
        "torch": torch.get_rng_state(),
    }
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict[str, Any]) -> None:
    version, internal, gauss = state["python"]
    random.setstate((version, tuple(internal), gauss))
    saved = state["numpy"]
    if isinstance(saved, dict):
        np.random.set_state({
            "bit_generator": "MT19937", "state": {"key": saved["key"].numpy().astype(np.uint32), "pos": saved["pos"]},
            "has_gauss": saved["has_gauss"], "gauss": saved["gauss"],
        })
    else:  # an earlier version's state: numpy's legacy tuple
        np.random.set_state(saved)
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
    """A training state, read weights-only: tensors, numbers, strings and containers of them.

    States written before this version hold numpy's random state as an array; those three numpy
    reconstruction names (which build an array of numbers, nothing else) are allowed for them, and the
    result is checked to be that array."""
    core = getattr(np, "_core", None) or np.core  # numpy 2 renamed numpy.core
    legacy = [core.multiarray._reconstruct, np.ndarray, np.dtype, np.dtypes.UInt32DType]
    try:
        with torch.serialization.safe_globals(legacy):
            state = torch.load(path, map_location="cpu", weights_only=True)
    except LOAD_ERRORS as exc:
        raise CheckpointError(f"{path}: not a training state of this program; refused without loading it ({_short(exc)})") from exc
    problem = _state_problem(state)
    if problem:
        raise CheckpointError(f"{path}: not a usable training state ({problem})")
    return state


def _state_problem(state: Any) -> str:
    if not isinstance(state, dict):
        return "expected a mapping"
    for key, kind in (("stage", int), ("step", int), ("model", dict), ("rng", dict)):
        if not isinstance(state.get(key), kind):
            return f"{key} is missing or of the wrong type"
    if state["stage"] not in (1, 2, 3) or state["step"] < 0:
        return "stage or step out of range"
    if not all(isinstance(v, torch.Tensor) for v in state["model"].values()):
        return "model holds something other than tensors"
    numpy_state = state["rng"].get("numpy")
    if isinstance(numpy_state, tuple):
        if len(numpy_state) != 5 or not isinstance(numpy_state[1], np.ndarray) or numpy_state[1].dtype != np.uint32:
            return "rng.numpy is not a random generator state"
    elif not isinstance(numpy_state, dict) or not isinstance(numpy_state.get("key"), torch.Tensor):
        return "rng.numpy is not a random generator state"
    return ""
