"""Output safety against hostile input: echoed values, the judgment store, the --out folder (issue 12)."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import pytest

from humdial_eval.cli.main import main
from humdial_eval.outputs.output_dir import MARKER
from humdial_eval.terminal import has_unsafe, json_line, printable
from tests.conftest import Dataset

FORGED = "x\x1b[2K\rvalid: 0 error(s), 0 warning(s)\x1b[8m"


def score(dataset: Dataset, out: Path, *extra: str) -> int:
    return main(["score", str(dataset.submission), "--testset", str(dataset.testset), "--out", str(out),
                 "--bootstrap", "100", "--no-progress", *extra])


def add_dialogue(dataset: Dataset, dialogue_id: str) -> None:
    dataset.rewrite("en", "T1", lambda r: r.append({**r[0], "dialogue_id": dialogue_id}))


def raw_controls(text: str) -> list[str]:
    return [c for c in text if (ord(c) < 32 and c not in "\n") or 0x7f <= ord(c) <= 0x9f or 0x202a <= ord(c) <= 0x202e]


# -- echoed values -------------------------------------------------------------------------------------------------
def test_printable_escapes_controls_and_bidi_and_caps_length() -> None:
    assert printable("a\x1b[2K\rb") == "a\\x1b[2K\\x0db"
    assert printable("abc\u202edef\x9b") == "abc\\u202edef\\x9b"
    long = printable("x" * 100_000)
    assert len(long) < 300 and "100000 characters" in long
    assert printable("你好 ok") == "你好 ok"
    assert not has_unsafe(printable(FORGED + "\u2067\u200b\U000e0041"))


def test_every_control_and_format_character_is_escaped() -> None:
    import unicodedata

    hidden = [chr(c) for c in range(0x110000) if unicodedata.category(chr(c)) in ("Cc", "Cf", "Zl", "Zp")]
    assert [c for c in hidden if not has_unsafe(c)] == []
    assert all(printable(c).isascii() and printable(c).isprintable() for c in hidden)


def test_json_line_reads_back_to_the_same_value_without_raw_controls() -> None:
    value = {"id": FORGED + "\u202e\x85\u2028zh 你好"}
    line = json_line(value)
    assert not raw_controls(line) and "\u2028" not in line
    assert json.loads(line) == value and "你好" in line


def test_validate_cannot_forge_a_verdict_line(dataset: Dataset, capsys: pytest.CaptureFixture[str]) -> None:
    add_dialogue(dataset, FORGED)
    assert main(["validate", str(dataset.submission), "--testset", str(dataset.testset)]) == 1
    captured = capsys.readouterr()
    for stream in (captured.out, captured.err):
        assert "\x1b" not in stream and "\r" not in stream
    lines = (captured.out + captured.err).splitlines()
    assert [line for line in lines if "valid:" in line.split(",")[0].lower()] == ["INVALID: 1 error(s), 0 warning(s)"]
    assert "\\x1b[2K\\x0dvalid" in captured.out


def test_validate_json_escapes_c1_and_bidi_but_keeps_the_value(dataset: Dataset, capsys: pytest.CaptureFixture[str]) -> None:
    hostile = "id\x9b2K\u202egnp.exe"
    add_dialogue(dataset, hostile)
    assert main(["validate", str(dataset.submission), "--testset", str(dataset.testset), "--json"]) == 1
    out = capsys.readouterr().out
    assert not raw_controls(out)
    assert {json.loads(line)["dialogue_id"] for line in out.splitlines()} == {hostile}


def test_a_huge_id_is_echoed_cut(dataset: Dataset, capsys: pytest.CaptureFixture[str]) -> None:
    add_dialogue(dataset, "d" * 100_000)
    main(["validate", str(dataset.submission), "--testset", str(dataset.testset)])
    out = capsys.readouterr().out
    assert 0 < len(out) < 2000 * max(1, len(out.splitlines())) and "100000 characters" in out


def test_score_outputs_hold_no_raw_control_character(dataset: Dataset, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    add_dialogue(dataset, FORGED + "\u202e\x9b")
    out = tmp_path / "out"
    assert score(dataset, out, "--system-name", "team\x1b[31m\u202e") in (0, 1)
    captured = capsys.readouterr()
    assert not raw_controls(captured.out + captured.err)
    for name in ("items.jsonl", "summary.json", "validation.jsonl", "report.md", "summary.csv"):
        assert not raw_controls((out / name).read_text(encoding="utf-8")), name
    assert json.loads((out / "validation.jsonl").read_text().splitlines()[0])["dialogue_id"] == FORGED + "\u202e\x9b"


def test_interrupted_validate_does_not_mention_the_store(dataset: Dataset, monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("humdial_eval.cli.validate_cmd.open_inputs", interrupted)
    assert main(["validate", str(dataset.submission), "--testset", str(dataset.testset)]) == 130
    err = capsys.readouterr().err
    assert "interrupted" in err and "store" not in err and "judgment" not in err


def test_interrupted_score_says_the_store_keeps_the_judgments(dataset: Dataset, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("humdial_eval.cli.score_cmd.run_judging", interrupted)
    assert score(dataset, tmp_path / "out") == 130
    assert "saved in the store" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


# -- the judgment store --------------------------------------------------------------------------------------------
def one_error_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err and "internal error" not in err
    return lines[0]


def test_a_store_that_is_not_sqlite_is_one_clear_line(dataset: Dataset, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    bogus = tmp_path / "notes.txt"
    bogus.write_bytes(b"this is not a database, just some text that is long enough" * 20)
    assert score(dataset, tmp_path / "out", "--cache", str(bogus)) == 1
    line = one_error_line(capsys.readouterr().err)
    assert str(bogus) in line and "not a judgment store" in line and "--no-cache" in line and "--cache" in line
    assert bogus.read_bytes().startswith(b"this is not a database")
    assert not (tmp_path / "out").exists()
    for action in (["stats"], ["clear"]):
        assert main(["cache", *action, "--cache", str(bogus)]) == 1
        assert "not a judgment store" in one_error_line(capsys.readouterr().err)


def test_a_store_that_is_a_folder_is_one_clear_line(dataset: Dataset, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "store-folder"
    folder.mkdir()
    assert score(dataset, tmp_path / "out", "--cache", str(folder)) == 1
    line = one_error_line(capsys.readouterr().err)
    assert str(folder) in line and "--no-cache" in line


def test_a_store_where_nothing_can_be_written_is_one_clear_line(dataset: Dataset, tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    # /proc refuses new files even to root, so this holds whoever runs the tests.
    assert score(dataset, tmp_path / "out", "--cache", "/proc/humdial-judgments.sqlite") == 1
    line = one_error_line(capsys.readouterr().err)
    assert "/proc/humdial-judgments.sqlite" in line and "--no-cache" in line


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_store_in_a_read_only_folder_is_one_clear_line(dataset: Dataset, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    sqlite3.connect(folder / "s.sqlite").execute("CREATE TABLE t (x)").connection.close()
    folder.chmod(0o555)
    try:
        for path in (folder / "s.sqlite", folder / "new.sqlite"):
            assert score(dataset, tmp_path / "out", "--cache", str(path)) == 1
            line = one_error_line(capsys.readouterr().err)
            assert str(path) in line and "--no-cache" in line
    finally:
        folder.chmod(0o755)


def test_a_store_that_breaks_mid_run_is_one_clear_line(dataset: Dataset, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    from humdial_eval.engine.store import JudgmentStore

    def broken(self: JudgmentStore, key: str) -> str:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(JudgmentStore, "_get", broken)
    assert score(dataset, tmp_path / "out") == 1
    line = one_error_line(capsys.readouterr().err)
    assert "disk is full" in line and "--no-cache" in line


# -- the --out folder ----------------------------------------------------------------------------------------------
def test_an_existing_file_as_out_is_refused_before_any_judging(dataset: Dataset, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "results.txt"
    target.write_text("keep me")

    def no_judging(*args: object, **kwargs: object) -> None:
        raise AssertionError("judging started before --out was checked")

    monkeypatch.setattr("humdial_eval.cli.score_cmd.run_judging", no_judging)
    monkeypatch.setattr("humdial_eval.cli.score_cmd.open_inputs", no_judging)
    assert score(dataset, target, "--no-cache") == 1
    line = one_error_line(capsys.readouterr().err)
    assert str(target) in line and "not a folder" in line
    assert target.read_text() == "keep me"


def test_a_foreign_non_empty_folder_is_refused_and_left_alone(dataset: Dataset, tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "thesis.tex").write_text("years of work")
    assert score(dataset, out) == 1
    assert "non-empty folder" in one_error_line(capsys.readouterr().err)
    assert sorted(p.name for p in out.iterdir()) == ["thesis.tex"]


def test_a_previous_result_is_replaced_whole_and_an_empty_folder_is_used(dataset: Dataset, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    assert score(dataset, out) == 0
    assert (out / MARKER).is_file() and json.loads((out / MARKER).read_text())["command"] == "score"
    (out / "stale-from-an-older-version.txt").write_text("old")
    assert score(dataset, out, "--tasks", "T1") == 0
    assert not (out / "stale-from-an-older-version.txt").exists()
    assert {json.loads(line)["task"] for line in (out / "items.jsonl").read_text().splitlines()} == {"T1"}
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_out_inside_or_around_the_inputs_is_refused(dataset: Dataset, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    before = sorted(str(p) for p in tmp_path.rglob("*"))
    for out in (dataset.submission / "results", dataset.testset / "en" / "out", dataset.submission):
        assert score(dataset, out) == 1
        assert "inside" in one_error_line(capsys.readouterr().err)
    around = tmp_path / "out"
    (dataset.submission.parent).rename(around)
    moved = around / "HD-Track1"
    (around / MARKER).write_text("{}")  # even a result folder is not replaced when it holds an input
    assert main(["score", str(moved), "--testset", str(dataset.testset), "--out", str(around)]) == 1
    assert "holds the submission" in one_error_line(capsys.readouterr().err)
    assert moved.is_dir()
    assert len(before) == len(list(tmp_path.rglob("*"))) - 1  # only the marker written above is new


def test_a_failed_write_leaves_the_previous_result_whole(dataset: Dataset, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    assert score(dataset, out) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def crash(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("humdial_eval.cli.score_cmd.write_outputs", crash)
    assert score(dataset, out) != 0
    capsys.readouterr()
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


# -- escaping in written files -------------------------------------------------------------------------------------
def test_report_md_escapes_the_system_and_judge_names(dataset: Dataset, tmp_path: Path) -> None:
    out = tmp_path / "out"
    name = "team | x <img src=x onerror=alert(1)> [click](http://evil) `code` *b*\nnew line"
    assert score(dataset, out, "--system-name", name) == 0
    report = (out / "report.md").read_text(encoding="utf-8")
    title = report.splitlines()[0]
    assert title.startswith("# humdial-eval report: team \\| x &lt;img") and "\\[click\\]" in title
    assert "\\`code\\`" in title and "\\*b\\*" in title and "new line" in title
    assert "<img" not in report
    assert json.loads((out / "summary.json").read_text())["system"] == name  # the data keeps the real name


def test_rating_sheet_shows_controls_and_rtl_overrides_as_escapes(dataset: Dataset, tmp_path: Path) -> None:
    from tests.humdial_eval.human.sheets import scored_run

    records = dataset.records("en", "T3")
    records[0]["turns"][2]["response_text"] = "I am here \u202eereh ton ma I\u202c for you\x1b[8m, always\x07."
    dataset.rewrite("en", "T3", lambda rows: rows.__setitem__(0, records[0]))
    run = scored_run(tmp_path / "run", dataset)
    assert main(["human", "export", str(run), "--out", str(tmp_path / "export")]) == 0
    page = (tmp_path / "export" / "sheet" / "rating_sheet.html").read_text(encoding="utf-8")
    assert not raw_controls(page.replace("\t", ""))
    assert "I am here \\u202eereh ton ma I\\u202c for you\\x1b[8m, always\\x07." in page


@pytest.mark.parametrize("name", ["\t=HYPERLINK(\"http://evil\")", "=1+1", "\r+1", "  @SUM(A1)", "-2+3", "\n=1"])
def test_agreement_csv_neutralises_formula_cells(name: str) -> None:
    from humdial_eval.agreement.output import _cell

    cell = _cell(name)
    assert cell.startswith("'") and not raw_controls(cell)


def test_agreement_csv_leaves_plain_names_alone() -> None:
    from humdial_eval.agreement.output import _cell

    assert _cell("offline-rubric") == "offline-rubric" and _cell("T1") == "T1"


def test_unreadable_audio_messages_do_not_leak_the_extraction_folder(dataset: Dataset, tmp_path: Path) -> None:
    import tempfile
    import zipfile

    dataset.response_wav("en", "en_t3_a", 3).write_bytes(b"RIFF\x00\x00\x00\x00WAVEnot really audio" * 4)
    archive = tmp_path / "team.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        for path in sorted(dataset.submission.rglob("*")):
            if path.is_file():
                bundle.write(path, path.relative_to(dataset.submission.parent).as_posix())
    out = tmp_path / "out"
    assert score(dataset.__class__(dataset.testset, archive), out, "--tasks", "T3") == 0
    validation = (out / "validation.jsonl").read_text(encoding="utf-8")
    assert "audio_unreadable" in validation
    for name in ("validation.jsonl", "items.jsonl", "report.md"):
        text = (out / name).read_text(encoding="utf-8")
        assert "humdial-submission" not in text and tempfile.gettempdir() + "/" not in text, name


def test_issue_messages_name_files_relative_to_the_submission(tmp_path: Path) -> None:
    from humdial_eval.inputs.issues import IssueLog

    root = tmp_path / "humdial-submission-x" / "HD-Track1"
    log = IssueLog(root=root)
    log.add("audio_unreadable", f"Error opening '{root}/en/HD-Track1-T3/a.wav': bad header; see {root}",
            file=root / "en" / "HD-Track1-T3" / "a.wav")
    (issue,) = log.issues
    assert issue.message == "Error opening 'en/HD-Track1-T3/a.wav': bad header; see ."
    assert issue.file == "en/HD-Track1-T3/a.wav" and str(tmp_path) not in issue.format()
