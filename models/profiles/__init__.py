"""Model profiles shipped with humdial-eval (YAML files in this folder)."""

from __future__ import annotations

from pathlib import Path

DIRECTORY = str(Path(__file__).resolve().parent)
