"""A leaderboard definition: the languages, tasks, weights and rounding that turn dimension means into ranks.

The definition is data (``leaderboard.yaml`` in a folder, next to its ``scores.csv``) so that a board
with other weights or another rounding rule is a new folder, not new code. Reading it never raises on
bad content: every problem becomes a :class:`~humdial_eval.inputs.issues.ValidationIssue` naming the field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from humdial_eval.inputs.inputfiles import read_regular_text
from humdial_eval.inputs.issues import IssueLog

DEFINITION_FILE = "leaderboard.yaml"
SCHEMA = "humdial-eval/leaderboard/1"
SHIPPED_DIR = Path(__file__).resolve().parent

ROUNDING_MODES = {"half_up": ROUND_HALF_UP, "half_even": ROUND_HALF_EVEN}
# Steps whose results may be rounded before the next step uses them.
ROUNDING_STAGES = ("dimension", "task_average", "language_final")
_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")
_WEIGHT_TOLERANCE = Decimal("1e-9")


@dataclass(frozen=True)
class Rounding:
    """How published numbers are rounded; part of the definition because it decides ties and 0.01 gaps."""

    decimals: int
    mode: str
    round_before_use: frozenset[str]

    def apply(self, value: Decimal) -> Decimal:
        return value.quantize(Decimal(1).scaleb(-self.decimals), rounding=ROUNDING_MODES[self.mode])

    def at(self, stage: str, value: Decimal) -> Decimal:
        """Round ``value`` if the definition rounds results of ``stage`` before using them."""
        return self.apply(value) if stage in self.round_before_use else value


@dataclass(frozen=True)
class DimensionSpec:
    task: str
    key: str
    label: str

    @property
    def term(self) -> str:
        return f"{self.task}.{self.key}"


@dataclass(frozen=True)
class TaskSpec:
    key: str
    name: str
    dimensions: tuple[DimensionSpec, ...]


@dataclass(frozen=True)
class LanguageSpec:
    key: str
    name: str
    weight: Decimal


@dataclass(frozen=True)
class Term:
    """One weighted part of a per-language final: a task average (``dimension is None``) or a dimension mean."""

    task: str
    dimension: str | None
    weight: Decimal

    @property
    def key(self) -> str:
        return self.task if self.dimension is None else f"{self.task}.{self.dimension}"


@dataclass(frozen=True)
class LeaderboardDefinition:
    name: str
    title: str
    source: str
    folder: Path
    scores_path: Path | None
    scale_min: Decimal
    scale_max: Decimal
    languages: tuple[LanguageSpec, ...]
    tasks: tuple[TaskSpec, ...]
    terms: tuple[Term, ...]
    rounding: Rounding

    def task(self, key: str) -> TaskSpec:
        for task in self.tasks:
            if task.key == key:
                return task
        raise KeyError(key)

    def dimensions(self) -> list[DimensionSpec]:
        return [dimension for task in self.tasks for dimension in task.dimensions]

    def has_dimension(self, task: str, dimension: str) -> bool:
        return any(d.task == task and d.key == dimension for d in self.dimensions())


def resolve_definition_dir(spec: str) -> Path:
    """A folder path, or the bare name of a definition shipped in this package (e.g. ``icassp2026_track1``)."""
    path = Path(spec)
    if path.is_dir() or not _NAME.match(spec):
        return path
    shipped = SHIPPED_DIR / spec
    return shipped if (shipped / DEFINITION_FILE).is_file() else path


def shipped_definitions() -> list[str]:
    return sorted(p.parent.name for p in SHIPPED_DIR.glob(f"*/{DEFINITION_FILE}"))


def load_definition(folder: Path, issues: IssueLog) -> LeaderboardDefinition | None:
    """Read ``folder/leaderboard.yaml``; ``None`` (with issues logged) when it cannot be used."""
    path = folder / DEFINITION_FILE
    if not path.is_file():
        shipped = ", ".join(shipped_definitions()) or "none"
        issues.add("definition_missing", f"no {DEFINITION_FILE} in this folder (shipped definitions: {shipped})",
                   file=folder)
        return None
    try:
        data = yaml.safe_load(read_regular_text(path, max_bytes=1024 * 1024))
    except OSError as exc:
        issues.add("definition_yaml", f"cannot be read ({exc})", file=path)
        return None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        issues.add("definition_yaml", f"not valid YAML: {exc}", file=path)
        return None
    if not isinstance(data, dict):
        issues.add("definition_yaml", "the definition must be a YAML mapping", file=path)
        return None
    before = len(issues.errors)
    reader = _Reader(path, issues)
    if data.get("schema", SCHEMA) != SCHEMA:
        reader.error("schema", f"unsupported schema {data.get('schema')!r}; expected {SCHEMA!r}")
    languages = reader.languages(data.get("languages"))
    tasks = reader.tasks(data.get("tasks"))
    terms = reader.terms(data.get("weights"), tasks)
    rounding = reader.rounding(data.get("rounding"))
    scale = data.get("scale", {"min": 1, "max": 5})
    scale_min = reader.number(scale.get("min") if isinstance(scale, dict) else None, "scale.min")
    scale_max = reader.number(scale.get("max") if isinstance(scale, dict) else None, "scale.max")
    if scale_min is not None and scale_max is not None and scale_min >= scale_max:
        reader.error("scale", f"min ({scale_min}) must be below max ({scale_max})")
    scores = data.get("scores")
    scores_path: Path | None = None
    if scores is not None:
        if not isinstance(scores, str) or not scores.strip():
            reader.error("scores", "must be the name of a CSV file in the definition folder")
        else:
            scores_path = (folder / scores).resolve()
            if not scores_path.is_relative_to(folder.resolve()):
                reader.error("scores", "must name a file inside the definition folder")
    if len(issues.errors) > before or rounding is None or scale_min is None or scale_max is None:
        return None
    return LeaderboardDefinition(
        name=folder.resolve().name,
        title=str(data.get("title") or folder.resolve().name),
        source=str(data.get("source") or ""),
        folder=folder,
        scores_path=scores_path,
        scale_min=scale_min,
        scale_max=scale_max,
        languages=languages,
        tasks=tasks,
        terms=terms,
        rounding=rounding,
    )


class _Reader:
    """Field-by-field checks of the YAML mapping, each failure logged against ``path`` and a field name."""

    def __init__(self, path: Path, issues: IssueLog) -> None:
        self.path = path
        self.issues = issues

    def error(self, field: str, message: str) -> None:
        self.issues.add("definition_field", message, file=self.path, field=field)

    def number(self, value: Any, field: str) -> Decimal | None:
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            self.error(field, f"must be a number, got {value!r}")
            return None
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            self.error(field, f"must be a number, got {value!r}")
            return None
        if not number.is_finite():
            self.error(field, f"must be a finite number, got {value!r}")
            return None
        return number

    def mapping(self, value: Any, field: str) -> dict[str, Any]:
        if not isinstance(value, dict) or not value:
            self.error(field, "must be a non-empty mapping")
            return {}
        return {str(k): v for k, v in value.items()}

    def languages(self, value: Any) -> tuple[LanguageSpec, ...]:
        languages = []
        for key, spec in self.mapping(value, "languages").items():
            spec = spec if isinstance(spec, dict) else {}
            weight = self.number(spec.get("weight"), f"languages.{key}.weight")
            languages.append(LanguageSpec(key, str(spec.get("name") or key), weight or Decimal(0)))
        if languages:
            self._check_sum([lang.weight for lang in languages], "languages.*.weight")
        return tuple(languages)

    def tasks(self, value: Any) -> tuple[TaskSpec, ...]:
        tasks = []
        for key, spec in self.mapping(value, "tasks").items():
            if "." in key:
                self.error(f"tasks.{key}", "a task id may not contain '.'")
            spec = spec if isinstance(spec, dict) else {}
            dimensions = []
            for index, (dim, dim_spec) in enumerate(self.mapping(spec.get("dimensions"), f"tasks.{key}.dimensions").items(), 1):
                label = dim_spec.get("label") if isinstance(dim_spec, dict) else None
                dimensions.append(DimensionSpec(key, dim, str(label or f"D{index}")))
            tasks.append(TaskSpec(key, str(spec.get("name") or key), tuple(dimensions)))
        return tuple(tasks)

    def terms(self, value: Any, tasks: tuple[TaskSpec, ...]) -> tuple[Term, ...]:
        terms = []
        known = {task.key: {d.key for d in task.dimensions} for task in tasks}
        for key, weight in self.mapping(value, "weights").items():
            task, _, dimension = key.partition(".")
            if task not in known or (dimension and dimension not in known[task]):
                self.error(f"weights.{key}", "names no task (e.g. 'T1') or task dimension (e.g. 'T3.x') defined under tasks")
            number = self.number(weight, f"weights.{key}")
            if number is not None and number < 0:
                self.error(f"weights.{key}", "a weight may not be negative")
            terms.append(Term(task, dimension or None, number or Decimal(0)))
        if terms:
            self._check_sum([term.weight for term in terms], "weights")
        return tuple(terms)

    def rounding(self, value: Any) -> Rounding | None:
        spec = self.mapping(value, "rounding")
        decimals = spec.get("decimals")
        if isinstance(decimals, bool) or not isinstance(decimals, int) or not 0 <= decimals <= 6:
            self.error("rounding.decimals", f"must be an integer from 0 to 6, got {decimals!r}")
            return None
        mode = spec.get("mode")
        if mode not in ROUNDING_MODES:
            self.error("rounding.mode", f"must be one of {', '.join(ROUNDING_MODES)}, got {mode!r}")
            return None
        stages = spec.get("round_before_use", [])
        if not isinstance(stages, list) or any(stage not in ROUNDING_STAGES for stage in stages):
            self.error("rounding.round_before_use", f"must be a list drawn from {', '.join(ROUNDING_STAGES)}")
            return None
        return Rounding(decimals, mode, frozenset(stages))

    def _check_sum(self, weights: list[Decimal], field: str) -> None:
        total = sum(weights, Decimal(0))
        if abs(total - 1) > _WEIGHT_TOLERANCE:
            self.error(field, f"weights must sum to 1, they sum to {total}")
