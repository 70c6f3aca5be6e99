"""Identifiers (rater, system, team) are NFKC-normalised and refused when their letters mix scripts."""

from __future__ import annotations

from pathlib import Path

import pytest

from humdial_eval.cli.main import main
from humdial_eval.human.ratings import read_ratings_csv
from humdial_eval.inputs.identifiers import check_identifier, mixed_script_problem, reveal
from humdial_eval.inputs.issues import IssueLog

HEADER = "language,task,dialogue_id,dimension,rater,score"


@pytest.mark.parametrize(("text", "mixed"), [
    ("anna", False), ("张三", False), ("rater_张三", False), ("たなか tanaka", False), ("Ολγα", False),
    ("\u0430nna", True),  # Cyrillic а + Latin
    ("Team\u0391", True),  # Greek Alpha
])
def test_mixed_scripts_are_found(text: str, mixed: bool) -> None:
    assert (mixed_script_problem(text) is not None) is mixed


def test_nfkc_folds_compatibility_forms_and_reveal_shows_the_odd_letter() -> None:
    assert check_identifier("\uff52\uff11 ") == ("r1", None)  # full-width r1
    assert reveal("\u0430nger") == "\\u0430nger" and reveal("anger") == "anger"
    assert "U+0430 CYRILLIC SMALL LETTER A" in (mixed_script_problem("\u0430nna") or "")


def test_a_ratings_csv_with_look_alike_or_full_width_raters(tmp_path: Path) -> None:
    path = tmp_path / "ratings.csv"
    path.write_text(f"{HEADER},turn_id\n"
                    "en,T3,en_t3_001,vocal_empathy_congruence,anna,4,3\n"
                    "en,T3,en_t3_002,vocal_empathy_congruence,\u0430nna,4,3\n"  # Cyrillic а
                    "en,T3,en_t3_003,vocal_empathy_congruence,\uff41nna,4,3\n"  # full-width a: the same rater
                    "en,T3,en_t3_004,vocal_empathy_congruence,anna,4,\u0663\n"  # Arabic-Indic digit three
                    "en,T3,en_t3_005,vocal_empathy_congruence,anna,4,\u00b2\n",  # superscript two
                    encoding="utf-8")
    issues = IssueLog()
    ratings = read_ratings_csv(path, issues)
    assert [(r.dialogue_id, r.rater) for r in ratings] == [("en_t3_001", "anna"), ("en_t3_003", "anna")]
    messages = {(i.line, i.field): i.message for i in issues.issues}
    assert set(messages) == {(3, "rater"), (5, "turn_id"), (6, "turn_id")}
    assert "\\u0430nna" in messages[(3, "rater")] and "mixes Cyrillic and Latin" in messages[(3, "rater")]


def test_human_import_refuses_a_non_ascii_digit_turn_id_with_a_clear_error(tmp_path: Path,
                                                                           capsys: pytest.CaptureFixture[str]) -> None:
    sheet = tmp_path / "filled.csv"
    sheet.write_text(f"{HEADER},turn_id\nen,T3,en_t3_001,vocal_empathy_congruence,anna,4,\u00b2\n", encoding="utf-8")
    assert main(["human", "import", str(sheet), "--out", str(tmp_path / "ratings.csv")]) == 1
    err = capsys.readouterr().err
    assert "turn_id" in err and "internal error" not in err and not (tmp_path / "ratings.csv").exists()


def test_a_team_name_with_a_look_alike_letter_is_refused() -> None:
    from humdial_eval.leaderboards.entries import team_name_problem

    assert team_name_problem("TeleAI") is None and team_name_problem("NJU-腾讯HY") is None
    assert "mixes Cyrillic and Latin" in (team_name_problem("Tele\u0410I") or "")
