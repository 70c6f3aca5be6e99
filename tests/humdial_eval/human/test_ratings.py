"""The long ratings CSV: validation names file, line and column; duplicates; round trip."""

from __future__ import annotations

from pathlib import Path

import pytest

from humdial_eval.human.ratings import HumanRating, drop_duplicates, read_ratings_csv, write_ratings_csv
from humdial_eval.inputs.issues import IssueLog

HEADER = "language,task,dialogue_id,dimension,rater,score"


def _read(tmp_path: Path, body: str, **kw: object) -> tuple[list[HumanRating], IssueLog]:
    path = tmp_path / "r.csv"
    path.write_text(body, encoding="utf-8")
    issues = IssueLog()
    return read_ratings_csv(path, issues, **kw), issues  # type: ignore[arg-type]


def test_valid_file_with_bom_and_optional_columns(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_bytes(("\ufeff" + HEADER + ",system,turn_id\n"
                      "en,T1,en_t1_001,Added_Value,rater a,5,sysA,4\n"
                      "zh,T3,zh_t3_001,audio_quality_naturalness,r2,2,,\n").encode("utf-8"))
    issues = IssueLog()
    ratings = read_ratings_csv(path, issues)
    assert not issues.issues
    assert ratings[0] == HumanRating("en", "T1", "en_t1_001", "Added_Value", "rater a", 5, "sysA", 4,
                                     path.as_posix(), 2)
    assert ratings[1].system is None and ratings[1].turn_id is None and ratings[1].score == 2


@pytest.mark.parametrize(
    ("row", "field", "words"),
    [
        ("fr,T1,en_t1_001,Added_Value,r1,5", "language", "not one of zh, en"),
        ("en,T1,en_t1_001,Added_Value,r1,2", "score", "not on the scale of T1.Added_Value (1, 3, 5)"),
        ("en,T1,en_t1_001,Added_Value,r1,4.5", "score", "not a whole number"),
        ("en,T1,en_t1_001,Added_Value,r1,", "score", "score is empty"),
        ("en,T1,en_t1_001,Empathy,r1,3", "dimension", "T1 has no dimension 'Empathy'"),
        ("en,T1,en_t1_001,Added_Value,,3", "rater", "rater ''"),
        ("en,T1,../etc/passwd,Added_Value,r1,3", "dialogue_id", "characters other than"),
        ("en,T1,en_t1_001,Added_Value,r1,3,extra", "", "more cells than the header"),
    ],
)
def test_each_bad_row_is_named(tmp_path: Path, row: str, field: str, words: str) -> None:
    ratings, issues = _read(tmp_path, f"{HEADER}\nen,T1,en_t1_000,Added_Value,r1,3\n{row}\n")
    assert len(ratings) == 1
    (issue,) = issues.errors
    assert issue.line == 3 and issue.field == field and words in issue.message
    assert issue.file.endswith("r.csv")


def test_missing_column_and_bad_encoding(tmp_path: Path) -> None:
    ratings, issues = _read(tmp_path, "language,task,dialogue_id,rater,score\n")
    assert not ratings and "missing column(s) dimension" in issues.errors[0].message
    path = tmp_path / "latin.csv"
    path.write_bytes((HEADER + "\nen,T1,caf\xe9,Added_Value,r1,3\n").encode("latin-1"))
    issues = IssueLog()
    assert read_ratings_csv(path, issues) == [] and issues.errors[0].code == "invalid_utf8"


def test_blank_scores_can_be_allowed(tmp_path: Path) -> None:
    ratings, issues = _read(tmp_path, f"{HEADER}\nen,T1,en_t1_001,Added_Value,r1,\n", allow_blank=True)
    assert ratings == [] and not issues.issues


def test_duplicates_same_score_warns_conflict_errors(tmp_path: Path) -> None:
    body = (f"{HEADER}\nen,T1,a1,Added_Value,r1,3\nen,T1,a1,Added_Value,r1,3\nen,T1,a1,Added_Value,r1,5\n"
            "en,T1,a1,Added_Value,r2,5\n")
    ratings, issues = _read(tmp_path, body)
    kept = drop_duplicates(ratings, issues)
    assert [(r.rater, r.score) for r in kept] == [("r1", 3), ("r2", 5)]
    assert [i.code for i in issues.warnings] == ["duplicate_rating"]
    (error,) = issues.errors
    assert error.code == "conflicting_rating" and error.line == 4 and "with score 3, here 5" in error.message


def test_write_then_read_round_trip(tmp_path: Path) -> None:
    ratings = [
        HumanRating("en", "T1", "en_t1_001", "Added_Value", "r1", 5, system="=cmd", turn_id=4),
        HumanRating("zh", "T3", "zh_t3_001", "textual_empathy_insight", "r2", 2),
    ]
    path = tmp_path / "out" / "ratings.csv"
    assert write_ratings_csv(path, ratings) == 2
    assert path.read_text(encoding="utf-8").splitlines()[0] == HEADER + ",system,turn_id"
    issues = IssueLog()
    back = read_ratings_csv(path, issues)
    assert not issues.issues
    assert [(r.dialogue_id, r.score, r.system, r.turn_id) for r in back] == [
        ("en_t1_001", 5, "=cmd", 4), ("zh_t3_001", 2, None, None)
    ]
