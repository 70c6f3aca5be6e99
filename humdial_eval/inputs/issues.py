"""Problems found in user input, as values a user can act on.

Every loader and validator reports :class:`ValidationIssue` records instead of raising, so that one
run lists every problem of a submission at once, each with the file, line and field it concerns.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

from humdial_eval.terminal import printable


# A message may quote a few submitted values (each already short); it is cut beyond this.
MESSAGE_LIMIT = 1000


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class ValidationIssue:
    """One problem in a file; ``code`` is a stable identifier that tests and tools can match on."""

    code: str
    message: str
    file: str | None = None
    line: int | None = None
    dialogue_id: str | None = None
    turn_id: int | None = None
    field: str | None = None
    severity: Severity = Severity.ERROR
    # "submission" or "testset": a test set's problems are the organisers' and never make a submission invalid.
    scope: str = "submission"

    def location(self) -> str:
        """Where, as one printable line: submitted ids and names are escaped and capped (see terminal.py)."""
        parts: list[str] = []
        if self.file:
            parts.append(printable(self.file) + (f":{self.line}" if self.line is not None else ""))
        if self.dialogue_id is not None:
            parts.append(f"dialogue {printable(self.dialogue_id)}")
        if self.turn_id is not None:
            parts.append(f"turn {printable(self.turn_id)}")
        if self.field:
            parts.append(f"field {printable(self.field)}")
        return ", ".join(parts)

    def format(self) -> str:
        """The issue as one line for a terminal; messages quote submitted text, so they are escaped and capped too."""
        where = self.location()
        message = printable(self.message, limit=MESSAGE_LIMIT)
        return f"{self.severity.value}: [{printable(self.code)}] {where + ': ' if where else ''}{message}"

    def to_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "severity": self.severity.value,
            "file": self.file,
            "line": self.line,
            "dialogue_id": self.dialogue_id,
            "turn_id": self.turn_id,
            "field": self.field,
            "message": self.message,
            "scope": self.scope,
        }


class BySeverity:
    """The errors and the warnings among ``self.issues`` (an issue log, a validation report)."""

    issues: Sequence[ValidationIssue]

    @property
    def errors(self) -> list[ValidationIssue]:
        return [i for i in self.issues if i.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[ValidationIssue]:
        return [i for i in self.issues if i.severity is Severity.WARNING]


@dataclass
class IssueLog(BySeverity):
    """Collects issues, with paths shown relative to a root so reports never leak host paths."""

    root: Path | None = None
    issues: list[ValidationIssue] = field(default_factory=list)

    def add(
        self,
        code: str,
        message: str,
        *,
        file: Path | str | None = None,
        line: int | None = None,
        dialogue_id: str | None = None,
        turn_id: int | None = None,
        field: str | None = None,
        severity: Severity = Severity.ERROR,
    ) -> None:
        self.issues.append(
            ValidationIssue(
                code=code,
                message=self._scrub(message),
                file=self._display(file),
                line=line,
                dialogue_id=dialogue_id,
                turn_id=turn_id,
                field=field,
                severity=severity,
            )
        )

    def warn(self, code: str, message: str, **where: object) -> None:
        self.add(code, message, severity=Severity.WARNING, **where)  # type: ignore[arg-type]

    def extend(self, other: "IssueLog") -> None:
        self.issues.extend(other.issues)

    def _scrub(self, message: str) -> str:
        """A message that quotes a full path (a library's error text) names it relative to the root too: the root
        of a zip submission is a temporary folder whose name must not reach validation.jsonl."""
        if self.root is None:
            return message
        for root in {str(self.root.resolve()), str(self.root)}:
            if len(root) > 1:
                message = message.replace(root + "/", "").replace(root, ".")
        return message

    def _display(self, file: Path | str | None) -> str | None:
        if file is None:
            return None
        path = Path(file)
        if self.root is not None:
            try:
                return path.resolve().relative_to(self.root.resolve()).as_posix()
            except ValueError:
                pass
        return path.as_posix()
