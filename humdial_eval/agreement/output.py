"""agreement.json and agreement.csv: the machine-readable results.

JSON keeps every record with its reasons for undefined values; the CSV is the flat table of source
pairs (one row per pair x language x task x dimension) for spreadsheets, with empty cells for
undefined values and the reasons in the last column. Neither contains NaN.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from humdial_eval.outputs import csv_safe
from humdial_eval.outputs.atomic_write import atomic_open, write_atomic
from humdial_eval.agreement.analysis import AgreementResult, PairRecord
from humdial_eval.agreement.estimate import Estimate
from humdial_eval.terminal import printable

SCHEMA = "humdial-eval/agreement/1"
CSV_STATS = (
    "exact", "adjacent", "kappa_quadratic", "alpha_ordinal", "spearman_rho", "kendall_tau_b", "pearson_r",
    "mean_difference", "loa_lower", "loa_upper",
)
WITH_CI = ("kappa_quadratic", "alpha_ordinal", "spearman_rho")


def result_to_json(result: AgreementResult) -> dict[str, Any]:
    options = result.options
    return {
        "schema": SCHEMA,
        "options": {
            "bootstrap_resamples": options.resamples, "confidence": options.confidence, "seed": options.seed,
            "include_rule_scored": options.include_rule_scored, "per_language": options.per_language,
        },
        "sources": [
            {
                "name": s.name, "kind": s.kind, "systems": s.systems(), "items": len(s.items()), "units": len(s.scores),
                "folders": [run.path.as_posix() for run in s.runs],
                "raters": sorted({r for ratings in s.ratings.values() for r in ratings}) if s.kind == "human" else [],
                "excluded_rule_scored": s.excluded_rule_scored,
            }
            for s in result.sources
        ],
        "scales": {
            f"{task}.{dimension}": {"values": list(info.scale.values), "step": info.scale.step(), "origin": info.origin}
            for (task, dimension), info in sorted(result.scales.items())
        },
        "pairs": [record.to_dict() for record in result.pairs],
        "human_reliability": [r.to_dict() for r in result.reliability],
        "self_consistency": [r.to_dict() for r in result.consistency],
        "system_level": [r.to_dict() for r in result.systems],
        "diagnostics": {
            "response_length": result.lengths,
            "language_means": result.language_means,
            "score_distribution": result.distributions,
        },
        "notes": result.notes,
    }


def write_json(path: Path, result: AgreementResult) -> None:
    data = result_to_json(result)
    _assert_finite(data)
    write_atomic(path, json.dumps(data, ensure_ascii=False, indent=1, allow_nan=False) + "\n")


def _assert_finite(value: Any, where: str = "$") -> None:
    """Guard the promise made to readers of the JSON: no NaN or infinity anywhere."""
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"non-finite number at {where}")
    if isinstance(value, dict):
        for key, item in value.items():
            _assert_finite(item, f"{where}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _assert_finite(item, f"{where}[{i}]")


def csv_header() -> list[str]:
    header = ["source_a", "source_b", "language", "task", "dimension", "n", "n_items"]
    for name in CSV_STATS:
        header.append(name)
        if name in WITH_CI:
            header += [f"{name}_ci_low", f"{name}_ci_high"]
    return header + ["undefined"]


def csv_row(record: PairRecord) -> list[str]:
    row = [
        _cell(record.source_a), _cell(record.source_b), record.language, _cell(record.task), _cell(record.dimension),
        str(record.n), str(record.n_items),
    ]
    reasons: list[str] = []
    for name in CSV_STATS:
        value: Estimate = record.stats[name]
        row.append("" if value.value is None else repr(value.value))
        if name in WITH_CI:
            row += ["", ""] if value.ci is None else [repr(value.ci[0]), repr(value.ci[1])]
        if value.undefined:
            reasons.append(f"{name}: {value.undefined}")
    distinct = {reason.split(": ", 1)[1] for reason in reasons}
    if len(reasons) == len(CSV_STATS) and len(distinct) == 1:
        reasons = [f"all statistics: {distinct.pop()}"]
    return row + ["; ".join(reasons)]


def write_csv(path: Path, result: AgreementResult) -> None:
    with atomic_open(path, "w", newline="") as handle:
        writer = csv_safe.writer(handle)
        writer.writerow(csv_header())
        for record in result.pairs:
            writer.writerow(csv_row(record))


def _cell(text: str) -> str:
    """Names come from user files: no formula for a spreadsheet (csv_safe), no raw control character
    (terminal.printable)."""
    return printable(csv_safe.cell(text), None)
