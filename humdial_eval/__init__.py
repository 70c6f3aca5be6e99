"""humdial-eval: the evaluation engine for HumDial Track 1 (Emotional Intelligence).

The engine knows no specific task or judge: those are plugins found through entry points
(see :mod:`humdial_eval.engine.registry`).

The public Python API (:mod:`humdial_eval.api`) is loaded on first use, so that ``import humdial_eval``
stays cheap: ``humdial_eval.inputs.validation``, ``score``, ``generate``, ``load_items``, ``load_summary``.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

_API = ("score", "generate", "load_items", "load_summary", "Summary", "ValidationReport", "UserError")


def __getattr__(name: str) -> Any:
    if name == "validate":
        # The name is also a submodule's; that module is callable and forwards to api.validate.
        import importlib

        return importlib.import_module("humdial_eval.inputs.validation")
    if name in _API:
        from humdial_eval import api

        return getattr(api, name)
    raise AttributeError(f"module 'humdial_eval' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), "validate", *_API])
