"""``backend: reference-baseline``: the reference IEAT model (reference_model/) as a system under test.

A thin adapter: it calls the reference model's own public inference entry points (``load_bundle``,
``write_submission``) with the defaults of ``humdial-eval baseline infer``, so that
``generate --model`` and ``baseline infer`` write the same submission. The model runs in-process and
deterministically; it has no journal (a rerun with --fresh regenerates everything).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from humdial_eval.benchmark.dialogue import TestSet
from humdial_eval.engine.profiles import ProfileError
from humdial_eval.models.profile import ModelProfile, relative_file

_FIELDS: dict[str, tuple[tuple[type, ...], str]] = {
    "checkpoint": ((str,), "a checkpoint folder (a `baseline train` --out)"),
    "device": ((str,), "cpu or cuda"),
    "max_new_tokens": ((int,), "a positive integer"),
    "unit_temperature": ((int, float), "a number >= 0"),
    "speak_tasks": ((list,), "a list of task ids, e.g. [T3]"),
    "trajectory": ((str,), "heard or model"),
    "description": ((str,), "free text"),
}


class ReferenceBaseline:
    def __init__(self, profile: ModelProfile) -> None:
        where = f"model profile {profile.name!r}"
        settings = dict(profile.settings)
        for key, value in settings.items():
            if key not in _FIELDS:
                raise ProfileError(f"{where}: unknown field {key!r} (known: {', '.join(sorted(_FIELDS))})")
            types, wanted = _FIELDS[key]
            if isinstance(value, bool) or not isinstance(value, types):
                raise ProfileError(f"{where}: field {key!r} must be {wanted}, not {value!r}")
        if "checkpoint" not in settings:
            raise ProfileError(f"{where}: field 'checkpoint' is required")
        self.checkpoint = relative_file(profile, settings["checkpoint"])
        self.device = settings.get("device", "cpu")
        # Only what the profile sets overrides the reference model's own decoding defaults, which are
        # also those of `humdial-eval baseline infer`.
        self.decoding: dict[str, Any] = {}
        if "max_new_tokens" in settings:
            if settings["max_new_tokens"] < 1:
                raise ProfileError(f"{where}: field 'max_new_tokens' must be at least 1")
            self.decoding["max_thinking_tokens"] = self.decoding["max_reply_tokens"] = settings["max_new_tokens"]
        if "unit_temperature" in settings:
            if settings["unit_temperature"] < 0:
                raise ProfileError(f"{where}: field 'unit_temperature' must be at least 0")
            self.decoding["unit_temperature"] = float(settings["unit_temperature"])
        if "trajectory" in settings:
            if settings["trajectory"] not in ("heard", "model"):
                raise ProfileError(f"{where}: field 'trajectory' must be heard or model")
            self.decoding["trajectory"] = settings["trajectory"]
        self.speak_tasks = tuple(str(t) for t in settings.get("speak_tasks", ["T3"]))
        self.concurrency = 1

    def identity(self) -> dict[str, Any]:
        return {"backend": "reference-baseline", "checkpoint": str(self.checkpoint), "decoding": self.decoding,
                "speak_tasks": list(self.speak_tasks)}

    def write(self, testset: TestSet, root: Path, *, overwrite: bool, limit: int | None,
              on_dialogue: Callable[[], None]) -> dict[str, Any]:
        """Answer the test set and write the submission into ``root``; returns the inference counts."""
        import torch

        from humdial_eval.reference_model.checkpoint import CheckpointError, load_bundle
        from humdial_eval.reference_model.decoding import DecodingOptions
        from humdial_eval.reference_model.inference import write_submission

        if self.device.startswith("cuda") and not torch.cuda.is_available():
            raise ProfileError(f"device {self.device!r}: no GPU is available")
        try:
            bundle = load_bundle(self.checkpoint, self.device)
        except CheckpointError as exc:
            raise ProfileError(f"checkpoint {self.checkpoint}: {exc}") from None
        options = DecodingOptions(**self.decoding)
        summary = write_submission(bundle, testset, root, speak_tasks=self.speak_tasks, overwrite=overwrite,
                                   options=options, limit=limit, on_dialogue=on_dialogue)
        return {"dialogues": summary.dialogues, "turns": summary.turns, "spoken": summary.spoken}
