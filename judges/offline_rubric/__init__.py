"""The offline rubric judge: deterministic, network-free scores for every text dimension."""

from __future__ import annotations

import ast
import dataclasses
import hashlib
from pathlib import Path
from typing import Any

from humdial_eval.benchmark.items import EvalItem
from humdial_eval.benchmark.judgment import Judge, Judgment
from humdial_eval.benchmark.task import Task
from humdial_eval.judges.offline_rubric.dimensions import SCORERS
from humdial_eval.judges.offline_rubric.text_features import MAX_ANALYSED_CHARS

VERSION = "1"


def _logic_fingerprint() -> str:
    """A hash of the judge's own code: editing a word list or a rule must not reuse old cached scores.

    The syntax tree is hashed without import statements and docstrings, so moving a module or
    rewording a comment (which change no score) keeps the cached judgments."""
    digest = hashlib.sha256()
    for name in ("dimensions.py", "lexicon.py", "text_features.py"):
        tree = ast.parse((Path(__file__).parent / name).read_text(encoding="utf-8"))
        digest.update(ast.dump(_without_imports_and_docstrings(tree)).encode())
    return digest.hexdigest()[:16]


def _without_imports_and_docstrings(tree: ast.Module) -> ast.Module:
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if not isinstance(body, list):
            continue
        kept = [child for child in body if not isinstance(child, (ast.Import, ast.ImportFrom))]
        if kept and isinstance(kept[0], ast.Expr) and isinstance(kept[0].value, ast.Constant) \
                and isinstance(kept[0].value.value, str):
            kept = kept[1:]
        node.body = kept or [ast.Pass()]
    return tree


LOGIC = _logic_fingerprint()


class OfflineRubricJudge(Judge):
    """Scores each dimension it has a scorer for; audio dimensions stay unscored (never guessed from text)."""

    concurrency = 1

    def dimensions(self, task: Task) -> tuple[str, ...]:
        return tuple(key for key in task.rubric.keys() if key in SCORERS)

    def identity(self) -> dict[str, Any]:
        return {"backend": "offline-rubric", "version": VERSION, "logic": LOGIC}

    async def judge(self, item: EvalItem, task: Task) -> Judgment:
        scores: dict[str, int] = {}
        reasons: list[str] = []
        if len(item.response_text) > MAX_ANALYSED_CHARS:  # the loader caps at MAX_JUDGED_CHARS; this judge reads less
            item = dataclasses.replace(item, response_text=item.response_text[:MAX_ANALYSED_CHARS])
        for key in self.dimensions(task):
            score, reason = SCORERS[key](item)
            scores[key] = task.rubric.dimension(key).scale.clamp(score)
            reasons.append(f"{key}={scores[key]}: {reason}")
        return Judgment(judge=self.name, status="ok", scores=scores, rationale=" | ".join(reasons), meta=self.identity())
