"""The per-item result record: one line of ``items.jsonl`` (task x language x dialogue x judge)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields, is_dataclass
from pathlib import Path
from typing import Any

from humdial_eval.terminal import json_line

FLAG_LANGUAGE_RULE = "language_rule"
FLAG_MISSING_RESPONSE = "missing_response"
FLAG_MISSING_AUDIO = "missing_audio"
FLAG_CACHED = "cached"
FLAG_FAILED_MIN = "failed_scored_min"  # a failed judgment scored the minimum (--on-failure min)
# Integrity rules (protocol humdial): the judge refused what the submission put in the request
# (HTTP 400/413/422, audio it cannot take), scored the minimum; a reply over the length cap, scored
# the minimum without being sent.
FLAG_SUBMISSION_FAULT = "submission_fault"
FLAG_REPLY_TOO_LONG = "reply_too_long"
# Left out of the means by the protocol's own rule (official: an answer the published scripts cannot
# read), and dialogues the protocol's turn rule skips (status "skipped").
FLAG_EXCLUDED_BY_PROTOCOL = "excluded_by_protocol"
FLAG_SKIPPED = "skipped_by_protocol"
# The judge name of a record no judge made: an item of a task that no judge of the profile applies to.
NO_JUDGE = "(none)"


@dataclass
class ItemResult:
    task: str
    language: str
    dialogue_id: str
    turn_id: int
    judge: str
    status: str
    scores: dict[str, int] = field(default_factory=dict)
    rationale: str = ""
    error: str | None = None
    flags: list[str] = field(default_factory=list)
    measures: dict[str, float] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def judged(self) -> bool:
        """True when a judge actually scored this item (not a rule, not a failure, not an unjudged task)."""
        rule_flags = {FLAG_LANGUAGE_RULE, FLAG_MISSING_RESPONSE, FLAG_FAILED_MIN, FLAG_SUBMISSION_FAULT,
                      FLAG_REPLY_TOO_LONG}
        return self.status == "ok" and self.judge != NO_JUDGE and not rule_flags.intersection(self.flags)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "ItemResult":
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})


def write_items(path: Path, results: list[ItemResult]) -> None:
    """One JSON line per result, as ``json_line(result.to_dict(), sort_keys=True)`` writes it, without the
    deep copy ``to_dict`` makes of every record (a third of a warm re-score's output time): the fields are
    written as they are, a dataclass among them turned into its dict as ``asdict`` would."""
    names = [f.name for f in fields(ItemResult)]
    with path.open("w", encoding="utf-8") as handle:
        for result in results:
            record = {name: getattr(result, name) for name in names}
            handle.write(json_line(record, sort_keys=True, default=_dataclass_as_dict) + "\n")


def _dataclass_as_dict(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return asdict(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def read_items(path: Path) -> list[ItemResult]:
    with path.open(encoding="utf-8") as handle:
        return [ItemResult.from_dict(json.loads(line)) for line in handle if line.strip()]
