"""The models under test and the reference baseline reach an LLM through the core's client layer, never the judges."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def imported_modules(folder: Path) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in sorted(folder.rglob("*.py")):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                names.add(node.module)
            elif isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
        found[str(path.relative_to(ROOT))] = names
    return found


# The one judge module the baseline may use: the ASR transcriber it shares with the asr-consistency judge, to
# measure how much of a written reply its spoken reply says (baseline evaluate --asr). It is no LLM client.
SHARED = {"humdial_eval.judges.acoustic.transcription"}


def test_models_and_the_baseline_do_not_import_the_judges() -> None:
    offenders = {
        file: sorted(n for n in names if n.startswith("humdial_eval.judges") and n not in SHARED)
        for folder in ("models", "reference_model")
        for file, names in imported_modules(ROOT / folder).items()
    }
    assert {f: n for f, n in offenders.items() if n} == {}


def test_the_client_layer_does_not_import_the_judges_either() -> None:
    names = set().union(*imported_modules(ROOT / "humdial_eval" / "llm").values())
    assert not {n for n in names if n.startswith("humdial_eval.judges")}
    assert "humdial_eval.llm.transport" in names  # the walk saw the layer's own imports
