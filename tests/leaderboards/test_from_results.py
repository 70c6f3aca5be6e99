"""`leaderboard build --from-results`: teams from `score` output folders join the board directly."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.leaderboards.helpers import read_board, team, toy_rows, write_definition, write_run

REPO = Path(__file__).resolve().parents[2]

# Item scores per (language, task); per-language finals: zh 0.5 * mean(4, 2) + 0.5 * 4 = 3.5, en 0.5 * 3 + 0.5 * 2.
RUN_SCORES: dict[tuple[str, str], dict[str, list[int | None]]] = {
    ("zh", "TA"): {"x": [5, 3, 5, 3], "y": [1, 3, 1, 3]},
    ("zh", "TB"): {"z": [5, 3, 5, 3]},
    ("en", "TA"): {"x": [3, 3, 3, 3, None], "y": [3, 3, 3, 3, None]},
    ("en", "TB"): {"z": [1, 3, 1, 3]},
}


@pytest.fixture
def definition(tmp_path: Path) -> Path:
    return write_definition(tmp_path / "def", toy_rows("Published", {"zh": (3, 3, 3), "en": (3, 3, 3)}))


def build(cli: Any, definition: Path, out: Path, *extra: str | Path) -> Any:
    return cli("leaderboard", "build", definition, "--out", out, "--no-plots", "--resamples", "500", *extra)


def test_a_run_folder_joins_the_board_under_its_system_name(cli: Any, definition: Path, tmp_path: Path) -> None:
    run = write_run(tmp_path / "run", "new-system", RUN_SCORES)
    result = build(cli, definition, tmp_path / "out", "--from-results", run)
    assert result.code == 0, result.err
    board = read_board(tmp_path / "out")
    new = team(board, "new-system")
    assert new["languages"]["zh"]["final"] == 3.5
    assert new["languages"]["en"]["final"] == 2.5
    assert new["final"] == 3.0 and new["rank"] == 1  # shares rank 1 with Published (3.00)
    assert team(board, "Published")["rank"] == 1
    assert new["source"] == "run"
    low, high = new["final_ci"]
    assert low < 3.0 < high
    assert team(board, "Published")["final_ci"] is None
    assert team(board, "Published")["ci_note"] == "aggregate numbers only"
    assert "new-system" in result.out and "new-system" in (tmp_path / "out" / "leaderboard.md").read_text()


def test_name_overrides_the_system_name_of_the_preceding_run(cli: Any, definition: Path, tmp_path: Path) -> None:
    first = write_run(tmp_path / "a", "same", RUN_SCORES)
    second = write_run(tmp_path / "b", "same", RUN_SCORES)
    clash = build(cli, definition, tmp_path / "out", "--from-results", first, "--from-results", second)
    assert clash.code == 1 and "team 'same' comes from both a and b" in clash.err and "--name" in clash.err
    assert not (tmp_path / "out").exists()
    ok = build(cli, definition, tmp_path / "out", "--from-results", first, "--from-results", second, "--name", "Other")
    assert ok.code == 0, ok.err
    assert {t["team"] for t in read_board(tmp_path / "out")["teams"]} == {"Published", "same", "Other"}


@pytest.mark.parametrize(
    "argv",
    [["--name", "X"], ["--from-results", "r", "--name", "X", "--name", "Y"], ["--substitute-missing", "zero"],
     ["--resamples", "5"], ["--confidence", "1.5"]],
)
def test_usage_errors_exit_2(cli: Any, definition: Path, tmp_path: Path, argv: list[str]) -> None:
    assert cli("leaderboard", "build", definition, "--out", tmp_path / "out", *argv).code == 2


def test_missing_dimensions_show_as_missing_unless_substitution_is_asked(cli: Any, definition: Path,
                                                                          tmp_path: Path) -> None:
    scores = {key: dims for key, dims in RUN_SCORES.items() if key != ("en", "TB")}
    run = write_run(tmp_path / "run", "no-audio", scores)
    assert build(cli, definition, tmp_path / "plain", "--from-results", run).code == 0
    plain = team(read_board(tmp_path / "plain"), "no-audio")
    assert plain["final"] is None and plain["rank"] is None and plain["missing"] == ["en TB.z"]
    assert plain["languages"]["en"]["tasks"]["TB"]["z"] is None
    assert "no final: missing TB D1 (en)" in (tmp_path / "plain" / "leaderboard.md").read_text()

    assert build(cli, definition, tmp_path / "sub", "--from-results", run, "--substitute-missing", "renormalise").code == 0
    board = read_board(tmp_path / "sub")
    sub = team(board, "no-audio")
    assert board["substitute_missing"] == "renormalise"
    assert sub["languages"]["en"]["final"] == 3.0 and sub["final"] == 3.25 and sub["substituted"] is True
    assert sub["languages"]["en"]["weights_used"] == {"TA.x": 0.5, "TA.y": 0.5}
    assert sub["final_ci"] is not None  # the resampling uses the same renormalised weights
    marked = {suffix: (tmp_path / "sub" / f"leaderboard.{suffix}").read_text() for suffix in ("md", "tex", "html", "csv")}
    assert "3.25†" in marked["md"] and "renormalised" in marked["md"]
    assert r"3.25\textsuperscript{\dag}" in marked["tex"]
    assert "3.25†" in marked["html"] and "renormalise" in marked["html"]
    assert ",true," in marked["csv"]


def test_failed_judgments_are_left_out_of_means_and_resampling(cli: Any, definition: Path, tmp_path: Path) -> None:
    run = write_run(tmp_path / "run", "flaky", RUN_SCORES)
    assert build(cli, definition, tmp_path / "out", "--from-results", run).code == 0
    assert team(read_board(tmp_path / "out"), "flaky")["languages"]["en"]["tasks"]["TA"]["x"] == 3.0


def test_primary_judges_of_the_summary_decide_which_item_scores_count(cli: Any, definition: Path,
                                                                      tmp_path: Path) -> None:
    second_judge = [{"task": "TA", "language": "zh", "dialogue_id": f"zh_TA_{i:03d}", "judge": "other",
                     "status": "ok", "scores": {"x": 1, "y": 1}} for i in range(4)]
    owners = {"TA.x": "fake-judge", "TA.y": "fake-judge", "TB.z": "fake-judge"}
    run = write_run(tmp_path / "run", "two-judges", RUN_SCORES, extra_items=second_judge,
                    summary_override=lambda s: s.update(primary_judges=owners))
    result = build(cli, definition, tmp_path / "out", "--from-results", run)
    assert result.code == 0, result.err
    unowned = write_run(tmp_path / "run2", "two-judges", RUN_SCORES, extra_items=second_judge)
    result = build(cli, definition, tmp_path / "out2", "--from-results", unowned)
    assert result.code == 1 and "items_disagree" in result.err


@pytest.mark.parametrize(
    ("breakage", "message"),
    [
        (lambda run: (run / "summary.json").unlink(), "no summary.json in this folder"),
        (lambda run: (run / "summary.json").write_text("{oops"), "summary.json: not valid JSON"),
        (lambda run: _edit_summary(run, lambda s: s.pop("system")), "field system: field 'system' must be"),
        (lambda run: _edit_summary(run, lambda s: s["languages"]["zh"]["TA"].update(x=9)),
         "field languages.zh.TA.x: score 9 lies outside the scale"),
        (lambda run: _edit_summary(run, lambda s: s["languages"]["zh"]["TA"].update(x=4.2)),
         "mean of 4 item scores of zh TA.x is 4.0000 but summary.json says 4.2"),
        (lambda run: _append_item(run, "{not json"), "items.jsonl:18: not valid JSON"),
        (lambda run: _append_item(run, json.dumps({"task": "TA", "language": "zh", "dialogue_id": "d",
                                                   "judge": "j", "status": "maybe"})), "items.jsonl:18, field status"),
        (lambda run: _append_item(run, json.dumps({"task": "TA", "language": "zh", "dialogue_id": "d",
                                                   "judge": "j", "status": "ok", "scores": {"x": True}})),
         "items.jsonl:18, field scores.x: score True is not a finite number"),
        (lambda run: _append_item(run, json.dumps({"task": "TA", "language": "zh", "dialogue_id": "d",
                                                   "status": "ok", "scores": {"x": 3}})),
         "items.jsonl:18, field judge: judge must be a non-empty string"),
    ],
)
def test_broken_run_folders_are_reported_with_file_line_and_field(cli: Any, definition: Path, tmp_path: Path,
                                                                  breakage: Any, message: str) -> None:
    run = write_run(tmp_path / "run", "sys", RUN_SCORES)
    breakage(run)
    result = build(cli, definition, tmp_path / "out", "--from-results", run)
    assert result.code == 1
    assert message in result.err, result.err
    assert "Traceback" not in result.err and not (tmp_path / "out").exists()


def _edit_summary(run: Path, change: Any) -> None:
    summary = json.loads((run / "summary.json").read_text())
    change(summary)
    (run / "summary.json").write_text(json.dumps(summary))


def _append_item(run: Path, line: str) -> None:
    with (run / "items.jsonl").open("a", encoding="utf-8") as handle:
        handle.write(line + "\n")


def test_a_run_of_one_language_is_shown_with_a_warning(cli: Any, definition: Path, tmp_path: Path) -> None:
    run = write_run(tmp_path / "run", "zh-only", {k: v for k, v in RUN_SCORES.items() if k[0] == "zh"})
    result = build(cli, definition, tmp_path / "out", "--from-results", run)
    assert result.code == 0
    assert "warning: [summary_language_absent]" in result.err and "no results for 'en'" in result.err
    board = read_board(tmp_path / "out")
    zh_only = team(board, "zh-only")
    assert zh_only["languages"]["zh"]["final"] == 3.5 and zh_only["final"] is None and zh_only["rank"] is None
    assert board["warnings"] == ["run/summary.json, field languages: no results for 'en': shown as missing"]


def test_a_run_without_items_joins_without_an_interval(cli: Any, definition: Path, tmp_path: Path) -> None:
    run = write_run(tmp_path / "run", "aggregate-only", RUN_SCORES)
    (run / "items.jsonl").unlink()
    assert build(cli, definition, tmp_path / "out", "--from-results", run).code == 0
    entry = team(read_board(tmp_path / "out"), "aggregate-only")
    assert entry["final"] == 3.0 and entry["final_ci"] is None


def test_a_real_score_run_joins_the_official_board(cli: Any, tmp_path: Path) -> None:
    """The contract with `humdial-eval score`: its output folder is read as it is written."""
    examples = REPO / "examples"
    run = tmp_path / "run"
    scored = cli("score", examples / "submission", "--testset", examples / "testset", "--out", run)
    assert scored.code == 0, scored.err
    summary = json.loads((run / "summary.json").read_text())
    result = cli("leaderboard", "build", "icassp2026_track1", "--out", tmp_path / "out", "--no-plots",
                 "--resamples", "500", "--from-results", run, "--name", "sample", "--substitute-missing", "renormalise")
    assert result.code == 0, result.err
    sample = team(read_board(tmp_path / "out"), "sample")
    for language in ("zh", "en"):
        for task in ("T1", "T2"):
            for dimension, value in sample["languages"][language]["tasks"][task].items():
                if dimension != "avg":
                    assert value == round(summary["languages"][language][task][dimension], 2)
    assert sample["substituted"] and sample["final_ci"] is not None
    assert sorted(sample["missing"]) == sorted(f"{lang} {term}" for lang in ("zh", "en")
                                               for term in summary["languages"][lang]["final_missing"])
