"""Bias diagnostics of single sources: response length, language, and the spread of scores.

LLM judges are known to reward longer answers and to grade one language more leniently than
another; a judge that uses only two points of a five-point scale agrees "exactly" by accident.
These checks show such habits next to the agreement numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from humdial_eval.inputs import layout
from humdial_eval.agreement.estimate import Estimate
from humdial_eval.agreement.pairing import ALL, Group, in_group
from humdial_eval.agreement.pairwise import PairedScores, estimate, spearman_rho
from humdial_eval.agreement.runs import RunFolder, opened_submission
from humdial_eval.agreement.scales import ScaleInfo, nearest_on_scale
from humdial_eval.agreement.sources import ItemKey, Source
from humdial_eval.inputs.archive import UnsafeArchiveError
from humdial_eval.inputs.issues import IssueLog
from humdial_eval.inputs.loading import load_submission

LENGTH_UNITS = {"en": "words", "zh": "characters"}


@dataclass
class ResponseLengths:
    """Length of each evaluated response, keyed by item and turn; ``turn_of`` is the turn a run's
    judge scored (used for human ratings that do not name the turn)."""

    lengths: dict[tuple[ItemKey, int], int] = field(default_factory=dict)
    turn_of: dict[ItemKey, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def of(self, source: Source, key: ItemKey) -> int | None:
        turn = source.turn_ids.get(key)
        if turn is None:
            turn = self.turn_of.get(key)
        return None if turn is None else self.lengths.get((key, turn))


def response_length(text: str, language: str) -> int:
    """Words for English, characters without whitespace for Chinese (which has no spaces)."""
    if language == "zh":
        return sum(1 for ch in text if not ch.isspace())
    return len(text.split())


def read_response_lengths(runs: list[RunFolder]) -> ResponseLengths:
    """Lengths from each run's recorded submission; a run whose submission cannot be read is
    skipped with a note, never guessed."""
    result = ResponseLengths()
    for run in runs:
        for row in run.rows:
            if row.turn_id is not None:
                result.turn_of.setdefault(ItemKey(run.system, row.task, row.language, row.dialogue_id), row.turn_id)
        if run.submission is None:
            result.notes.append(
                f"response-length diagnostic skipped for {run.label}: its summary.json records no 'submission' path"
            )
            continue
        if not (run.submission.is_dir() or run.submission.is_file()):
            result.notes.append(
                f"response-length diagnostic skipped for {run.label}: the recorded submission "
                f"{run.submission.as_posix()!r} cannot be found"
            )
            continue
        issues = IssueLog()
        tasks = sorted({row.task for row in run.rows})
        languages = sorted({row.language for row in run.rows} & set(layout.LANGUAGES))
        try:
            with opened_submission(run.submission) as folder:
                submission = load_submission(folder, issues, tasks=tasks, languages=languages)
        except (UnsafeArchiveError, OSError) as exc:
            result.notes.append(f"response-length diagnostic skipped for {run.label}: {exc}")
            continue
        found = 0
        for (language, task), file in submission.files.items():
            for dialogue in file.dialogues.values():
                for turn in dialogue.turns:
                    if turn.response_text is not None:
                        key = ItemKey(run.system, task, language, dialogue.dialogue_id)
                        result.lengths[(key, turn.turn_id)] = response_length(turn.response_text, language)
                        found += 1
        if not found:
            result.notes.append(f"response-length diagnostic: no response texts found in the submission of {run.label}")
        elif issues.errors:
            result.notes.append(
                f"response-length diagnostic: the submission of {run.label} has {len(issues.errors)} problem(s); "
                "lengths come from the lines that could be read"
            )
    return result


def length_correlations(source: Source, groups: list[Group], lengths: ResponseLengths) -> list[dict[str, Any]]:
    """Spearman rho between a source's score and response length, per language (units differ)."""
    records: list[dict[str, Any]] = []
    for group in groups:
        language, task, dimension = group
        if language == ALL or task == ALL:
            continue
        pairs = [
            (score, length)
            for unit, score in sorted(source.scores.items())
            if in_group(unit, group) and (length := lengths.of(source, unit[0])) is not None
        ]
        if not pairs:
            continue
        x = np.array([s for s, _ in pairs], dtype=float)
        y = np.array([n for _, n in pairs], dtype=float)
        p = PairedScores(x, y, x, y, np.ones_like(x), (1,), np.arange(x.size), source.name, "response length")
        records.append({
            "source": source.name, "language": language, "task": task, "dimension": dimension, "n": int(x.size),
            "length_unit": LENGTH_UNITS.get(language, "words"),
            "mean_length": float(np.mean(y)), "spearman_rho": estimate(spearman_rho, p).to_dict(),
        })
    return records


def language_means(source: Source, groups: list[Group]) -> list[dict[str, Any]]:
    """Mean score per language for each task x dimension (and task pooled)."""
    languages = sorted({key.language for key, _ in source.scores})
    records: list[dict[str, Any]] = []
    for language, task, dimension in groups:
        if language != ALL or task == ALL:
            continue
        record: dict[str, Any] = {"source": source.name, "task": task, "dimension": dimension, "languages": {}}
        for lang in languages:
            values = [s for u, s in source.scores.items() if in_group(u, (lang, task, dimension))]
            record["languages"][lang] = {
                "n": len(values),
                "mean": Estimate.of(float(np.mean(values))).to_dict() if values else Estimate.missing("no scores").to_dict(),
            }
        means = [v["mean"]["value"] for v in record["languages"].values()]
        if len(languages) == 2 and all(m is not None for m in means):
            record["difference"] = {"between": f"{languages[0]} - {languages[1]}", "value": means[0] - means[1]}
        records.append(record)
    return records


def score_distribution(
    source: Source, groups: list[Group], scales: dict[tuple[str, str], ScaleInfo]
) -> list[dict[str, Any]]:
    """How often each scale value was given, per task x dimension (all languages)."""
    records: list[dict[str, Any]] = []
    for language, task, dimension in groups:
        if language != ALL or ALL in (task, dimension):
            continue
        scale = scales[(task, dimension)].scale
        counts = {v: 0 for v in scale.values}
        for unit, score in source.scores.items():
            if in_group(unit, (ALL, task, dimension)):
                counts[nearest_on_scale(score, scale)] += 1
        if sum(counts.values()):
            records.append({
                "source": source.name, "task": task, "dimension": dimension,
                "counts": {str(k): v for k, v in counts.items()}, "n": sum(counts.values()),
            })
    return records
