"""Metrics of the supplementary classification tasks (T4, T5): accuracy, macro-F1, confusion matrix.

An item without a usable answer (no label, no audio, rule-scored) counts as wrong and appears in the
confusion matrix's ``none`` column. Macro-F1 averages over the emotions present in the gold labels of
the split (sklearn, ``zero_division=0``), so a class absent from the gold does not dilute it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from humdial_eval.benchmark.emotions import EMOTIONS

NONE = "none"


def classification_metrics(gold: Sequence[str], predicted: Sequence[str | None]) -> dict[str, Any]:
    """``n``, ``accuracy``, ``macro_f1``, ``unanswered`` and the gold x predicted ``confusion``."""
    # sklearn takes ~0.9 s to import; every LLM judge loads the task plugins (for their prompt
    # templates), so a module-level import would cost every T1-T3 run that time.
    from sklearn.metrics import accuracy_score, confusion_matrix, f1_score

    if len(gold) != len(predicted):
        raise ValueError("gold and predicted differ in length")
    filled = [label if label is not None else NONE for label in predicted]
    columns = [*EMOTIONS, NONE]
    result: dict[str, Any] = {"n": len(gold), "unanswered": sum(label is None for label in predicted)}
    if not gold:
        result.update(accuracy=None, macro_f1=None)
        matrix = [[0] * len(columns) for _ in EMOTIONS]
    else:
        present = [label for label in EMOTIONS if label in set(gold)]
        result["accuracy"] = round(float(accuracy_score(gold, filled)), 4)
        result["macro_f1"] = round(float(f1_score(gold, filled, labels=present, average="macro", zero_division=0)), 4)
        matrix = confusion_matrix(gold, filled, labels=columns)[: len(EMOTIONS)].tolist()
    result["confusion"] = {
        "rows_are": "gold",
        "columns_are": "predicted",
        "rows": list(EMOTIONS),
        "columns": columns,
        "matrix": matrix,
    }
    return result
