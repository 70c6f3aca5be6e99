"""Reading leaderboard definitions and their scores.csv: every mistake is named with its file, line and field."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from humdial_eval.inputs.issues import IssueLog
from humdial_eval.leaderboards.definition import load_definition, resolve_definition_dir
from humdial_eval.leaderboards.entries import read_scores_csv
from tests.leaderboards.helpers import toy_rows, write_definition

REPO = Path(__file__).resolve().parents[2]


def test_the_shipped_definition_carries_the_official_formula() -> None:
    issues = IssueLog()
    definition = load_definition(REPO / "leaderboards" / "icassp2026_track1", issues)
    assert definition is not None and not issues.issues
    assert [lang.key for lang in definition.languages] == ["zh", "en"]
    assert {lang.key: lang.weight for lang in definition.languages} == {"zh": Decimal("0.5"), "en": Decimal("0.5")}
    assert {term.key: term.weight for term in definition.terms} == {
        "T1": Decimal("0.2"), "T2": Decimal("0.2"), "T3.textual_empathy_insight": Decimal("0.1"),
        "T3.vocal_empathy_congruence": Decimal("0.25"), "T3.audio_quality_naturalness": Decimal("0.25"),
    }
    assert [len(task.dimensions) for task in definition.tasks] == [3, 3, 3]
    assert definition.rounding.mode == "half_even" and definition.rounding.decimals == 2


def test_a_shipped_definition_is_found_by_its_bare_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert resolve_definition_dir("icassp2026_track1") == REPO / "leaderboards" / "icassp2026_track1"
    assert resolve_definition_dir("../etc") == Path("../etc")  # never a path outside the package


def errors_of(folder: Path) -> list[str]:
    issues = IssueLog()
    assert load_definition(folder, issues) is None
    return [issue.format() for issue in issues.errors]


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"weights": {"TA": 0.5, "TB.z": 0.6}}, "weights", "sum to 1"),
        ({"weights": {"TA": 0.5, "TC": 0.5}}, "weights.TC", "names no task"),
        ({"weights": {"TA": 0.5, "TB.w": 0.5}}, "weights.TB.w", "names no task"),
        ({"weights": {"TA": "lots", "TB.z": 0.5}}, "weights.TA", "must be a number"),
        ({"rounding": {"decimals": 2, "mode": "bankers"}}, "rounding.mode", "half_up, half_even"),
        ({"rounding": {"decimals": -1, "mode": "half_up"}}, "rounding.decimals", "integer"),
        ({"rounding": {"decimals": 2, "mode": "half_up", "round_before_use": ["final"]}},
         "rounding.round_before_use", "task_average"),
        ({"languages": {"zh": {"weight": 0.7}, "en": {"weight": 0.7}}}, "languages.*.weight", "sum to 1"),
        ({"tasks": []}, "tasks", "non-empty mapping"),
        ({"schema": "other/2"}, "schema", "unsupported schema"),
        ({"scale": {"min": 5, "max": 1}}, "scale", "must be below max"),
        ({"scores": "../elsewhere.csv"}, "scores", "inside the definition folder"),
    ],
)
def test_field_errors_name_file_and_field(tmp_path: Path, change: dict[str, Any], field: str, words: str) -> None:
    folder = write_definition(tmp_path / "def", toy_rows("A", {"zh": (3, 3, 3), "en": (3, 3, 3)}))
    data = yaml.safe_load((folder / "leaderboard.yaml").read_text(encoding="utf-8"))
    data.update(change)
    (folder / "leaderboard.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    errors = errors_of(folder)
    assert any(f"field {field}" in e and words in e and "leaderboard.yaml" in e for e in errors), errors


def test_missing_or_broken_yaml_is_reported(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    assert "no leaderboard.yaml" in errors_of(tmp_path / "empty")[0]
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "leaderboard.yaml").write_text("weights: [unclosed\n", encoding="utf-8")
    assert "not valid YAML" in errors_of(tmp_path / "broken")[0]


@pytest.mark.parametrize(
    ("line", "words", "field"),
    [
        ("A,zh,TA,x,high", "must be a number", "score"),
        ("A,zh,TA,x,7", "outside the scale 1..5", "score"),
        ("A,zh,TA,x,NaN", "finite", "score"),
        ("A,fr,TA,x,3", "unknown language 'fr'", "language"),
        ("A,zh,TA,w,3", "TA.w is not a dimension", "dimension"),
        ("A,zh,TA,x", "expected 5 fields", None),
        (" ,zh,TA,x,3", "team name is empty", "team"),
        ('"A\u200bB",zh,TA,x,3', "invisible", "team"),
        ("A,zh,TA,y,3", "already given on line 2", None),
    ],
)
def test_scores_csv_errors_name_the_line(tmp_path: Path, line: str, words: str, field: str | None) -> None:
    folder = write_definition(tmp_path / "def", [])
    (folder / "scores.csv").write_text(f"team,language,task,dimension,score\nA,zh,TA,y,4\n{line}\n", encoding="utf-8")
    issues = IssueLog()
    definition = load_definition(folder, issues)
    assert definition is not None
    read_scores_csv(folder / "scores.csv", definition, issues)
    [error] = [issue for issue in issues.errors]
    assert error.line == 3 and words in error.message and error.field == field and error.file.endswith("scores.csv")


def test_scores_csv_header_is_checked(tmp_path: Path) -> None:
    folder = write_definition(tmp_path / "def", [])
    (folder / "scores.csv").write_text("team,lang,score\nA,zh,3\n", encoding="utf-8")
    issues = IssueLog()
    definition = load_definition(folder, issues)
    assert definition is not None
    assert read_scores_csv(folder / "scores.csv", definition, issues) == []
    assert issues.errors[0].line == 1 and "team,language,task,dimension,score" in issues.errors[0].message
