"""Every validation error, each provoked by a purpose-built bad submission, through the CLI."""

from __future__ import annotations

import copy
import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from humdial_eval.cli.main import main
from tests.conftest import Dataset, write_wav


def validate(dataset: Dataset, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, list[dict[str, Any]]]:
    code = main(["validate", str(dataset.submission), "--testset", str(dataset.testset), "--json", *extra])
    out = capsys.readouterr().out
    return code, [json.loads(line) for line in out.splitlines() if line.strip()]


def only(issues: list[dict[str, Any]], code: str) -> dict[str, Any]:
    found = [i for i in issues if i["code"] == code]
    assert len(found) == 1, issues
    return found[0]


def test_valid_submission_exits_0(dataset: Dataset, capsys: pytest.CaptureFixture[str]) -> None:
    code, issues = validate(dataset, capsys)
    assert (code, issues) == (0, [])


def test_usage_error_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate"]) == 2
    assert main(["validate", "x", "--testset", "y", "--no-such-flag"]) == 2


def test_missing_testset_folder_is_a_clear_error(dataset: Dataset, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(dataset.submission), "--testset", str(dataset.testset / "nope")]) == 1
    assert "test set folder not found" in capsys.readouterr().err


def test_missing_dialogue(dataset: Dataset, capsys: pytest.CaptureFixture[str]) -> None:
    dataset.rewrite("en", "T1", lambda records: records.clear())
    code, issues = validate(dataset, capsys)
    issue = only(issues, "missing_dialogue")
    assert code == 1
    assert (issue["file"], issue["dialogue_id"]) == ("en/HD-Track1-T1.jsonl", "en_t1_a")


def test_extra_dialogue_is_a_warning_only(dataset: Dataset, capsys: pytest.CaptureFixture[str]) -> None:
    dataset.rewrite("en", "T1", lambda r: r.append({**r[0], "dialogue_id": "en_t1_zz"}))
    code, issues = validate(dataset, capsys)
    issue = only(issues, "extra_dialogue")
    assert (code, issue["severity"], issue["line"]) == (0, "warning", 2)


def test_missing_turn(dataset: Dataset, capsys: pytest.CaptureFixture[str]) -> None:
    dataset.rewrite("en", "T2", lambda r: r[0]["turns"].pop(1))
    code, issues = validate(dataset, capsys)
    issue = only(issues, "missing_turn")
    assert (code, issue["dialogue_id"], issue["turn_id"], issue["line"]) == (1, "en_t2_a", 2, 1)


def test_empty_response_on_the_evaluated_turn_is_an_error(dataset: Dataset, capsys: pytest.CaptureFixture[str]) -> None:
    def blank(records: list[dict[str, Any]]) -> None:
        records[0]["turns"][2]["response_text"] = "   "
        records[0]["turns"][0]["response_text"] = ""

    dataset.rewrite("zh", "T1", blank)
    code, issues = validate(dataset, capsys)
    found = {(i["turn_id"], i["severity"], i["field"]) for i in issues if i["code"] == "empty_response"}
    assert code == 1
    assert found == {(3, "error", "response_text"), (1, "warning", "response_text")}


def test_missing_t3_audio(dataset: Dataset, capsys: pytest.CaptureFixture[str]) -> None:
    dataset.response_wav("en", "en_t3_a", 3).unlink()  # turn 3 = second non-neutral turn
    code, issues = validate(dataset, capsys)
    issue = only(issues, "missing_audio")
    assert (code, issue["dialogue_id"], issue["turn_id"], issue["field"]) == (1, "en_t3_a", 3, "response_audio")


def test_the_rule_decides_which_audio_is_required(dataset: Dataset, capsys: pytest.CaptureFixture[str]) -> None:
    dataset.response_wav("en", "en_t3_a", 4).unlink()  # turn 4 = last non-neutral turn
    assert validate(dataset, capsys)[0] == 0
    code, issues = validate(dataset, capsys, "--t3-turn-rule", "last_non_neutral")
    assert code == 1 and only(issues, "missing_audio")["turn_id"] == 4


def test_unreadable_audio(dataset: Dataset, capsys: pytest.CaptureFixture[str]) -> None:
    dataset.response_wav("en", "en_t3_a", 3).write_bytes(b"RIFF\x00\x00\x00\x00WAVEnot really")
    code, issues = validate(dataset, capsys)
    assert code == 1 and only(issues, "audio_unreadable")["turn_id"] == 3


def test_zero_length_audio(dataset: Dataset, capsys: pytest.CaptureFixture[str]) -> None:
    dataset.response_wav("zh", "zh_t3_a", 3).write_bytes(b"")
    code, issues = validate(dataset, capsys)
    assert code == 1 and only(issues, "audio_unreadable")["dialogue_id"] == "zh_t3_a"


def test_wrong_sample_format(dataset: Dataset, capsys: pytest.CaptureFixture[str]) -> None:
    write_wav(dataset.response_wav("en", "en_t3_a", 3), subtype="ULAW")
    code, issues = validate(dataset, capsys)
    assert code == 1 and "ULAW" in only(issues, "audio_format")["message"]


def test_stereo_and_odd_rate_are_warnings(dataset: Dataset, capsys: pytest.CaptureFixture[str]) -> None:
    write_wav(dataset.response_wav("en", "en_t3_a", 3), rate=11025, channels=2, seconds=4.0)
    code, issues = validate(dataset, capsys)
    assert code == 0
    assert {i["code"] for i in issues} == {"audio_channels", "audio_sample_rate"}


def test_absurdly_long_audio_is_refused(dataset: Dataset, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    import humdial_eval.inputs.audio_check as audio_check

    monkeypatch.setattr(audio_check, "MAX_AUDIO_SECONDS", 0.25)
    code, issues = validate(dataset, capsys)
    assert code == 1 and {i["code"] for i in issues} == {"audio_too_long"}


def test_absurd_audio_size_is_refused(dataset: Dataset, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    import humdial_eval.inputs.audio_check as audio_check

    monkeypatch.setattr(audio_check, "MAX_AUDIO_BYTES", 1000)
    code, issues = validate(dataset, capsys)
    assert code == 1 and {i["code"] for i in issues} == {"audio_too_large"}


def test_absurd_jsonl_size_is_refused(dataset: Dataset, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    import humdial_eval.inputs.loading as loading

    limit = max(p.stat().st_size for p in dataset.testset.rglob("*.jsonl"))
    monkeypatch.setattr(loading, "MAX_JSONL_BYTES", limit)
    path = dataset.submission_file("en", "T1")
    path.write_bytes(path.read_bytes() + b" " * limit + b"\n")
    code, issues = validate(dataset, capsys)
    assert code == 1
    refused = [i for i in issues if i["code"] == "file_too_large"]
    assert refused and all("refused" in i["message"] for i in refused)
    assert "en/HD-Track1-T1.jsonl" in {i["file"] for i in refused}


def test_wrong_audio_name(dataset: Dataset, capsys: pytest.CaptureFixture[str]) -> None:
    wav = dataset.response_wav("en", "en_t3_a", 3)
    wav.rename(wav.with_name("en_t3_a_3.wav"))
    dataset.rewrite("en", "T3", lambda r: r[0]["turns"][2].update(response_audio="HD-Track1-T3/en_t3_a_3.wav"))
    code, issues = validate(dataset, capsys)
    assert code == 1
    assert only(issues, "wrong_audio_name")["turn_id"] == 3
    assert only(issues, "unexpected_audio_file")["severity"] == "warning"


def test_duplicate_ids(dataset: Dataset, capsys: pytest.CaptureFixture[str]) -> None:
    def duplicate(records: list[dict[str, Any]]) -> None:
        records.append(copy.deepcopy(records[0]))
        records[0]["turns"].append(dict(records[0]["turns"][0]))

    dataset.rewrite("en", "T2", duplicate)
    code, issues = validate(dataset, capsys)
    assert code == 1
    assert only(issues, "duplicate_dialogue")["line"] == 2
    assert only(issues, "duplicate_turn")["field"] == "turns[3].turn_id"


def test_invalid_json_line(dataset: Dataset, capsys: pytest.CaptureFixture[str]) -> None:
    path = dataset.submission_file("zh", "T2")
    path.write_text(path.read_text(encoding="utf-8") + '{"dialogue_id": "x", "turns": [\n', encoding="utf-8")
    code, issues = validate(dataset, capsys)
    assert code == 1 and only(issues, "invalid_json")["line"] == 2


@pytest.mark.parametrize("declared", ["../../../etc/passwd", "/etc/passwd", "HD-Track1-T3/../../../../secret.wav"])
def test_audio_path_leaving_the_submission_is_refused(
    dataset: Dataset, capsys: pytest.CaptureFixture[str], declared: str
) -> None:
    dataset.rewrite("en", "T3", lambda r: r[0]["turns"][2].update(response_audio=declared))
    code, issues = validate(dataset, capsys)
    assert code == 1
    issue = only(issues, "path_outside")
    assert (issue["dialogue_id"], issue["turn_id"], issue["field"]) == ("en_t3_a", 3, "turns[2].response_audio")


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_symlinked_audio_pointing_outside_is_refused(dataset: Dataset, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    outside = write_wav(tmp_path / "elsewhere.wav")
    wav = dataset.response_wav("en", "en_t3_a", 3)
    wav.unlink()
    wav.symlink_to(outside)
    code, issues = validate(dataset, capsys)
    assert code == 1 and only(issues, "path_outside")["turn_id"] == 3


def test_missing_task_file(dataset: Dataset, capsys: pytest.CaptureFixture[str]) -> None:
    dataset.submission_file("zh", "T3").unlink()
    shutil.rmtree(dataset.submission / "zh" / "HD-Track1-T3")
    code, issues = validate(dataset, capsys)
    assert code == 1 and only(issues, "missing_file")["file"] == "zh/HD-Track1-T3.jsonl"


def test_unknown_emotion_label_in_the_testset_names_the_field(dataset: Dataset, capsys: pytest.CaptureFixture[str]) -> None:
    path = dataset.testset / "en" / "HD-Track1-T1.jsonl"
    path.write_text(path.read_text().replace('"emotion": "sad"', '"emotion": "meh"'))
    code, issues = validate(dataset, capsys)
    issue = only(issues, "invalid_emotion")
    assert code == 0, "a test set's problem must not make the submission invalid"
    assert (issue["file"], issue["line"], issue["turn_id"], issue["field"], issue["scope"]) == (
        "[test set] en/HD-Track1-T1.jsonl", 1, 2, "turns[1].emotion", "testset"
    )


def test_a_broken_command_plugin_does_not_disable_the_others(
    dataset: Dataset, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from importlib.metadata import EntryPoint

    from humdial_eval.engine import registry

    real = registry.command_registrars()
    broken = EntryPoint(name="broken", value="no_such_module_xyz:register", group=registry.COMMAND_GROUP)
    monkeypatch.setattr(registry, "command_registrars", lambda: {**real, "broken": broken})
    code = main(["validate", str(dataset.submission), "--testset", str(dataset.testset)])
    assert code == 0  # only the command that runs is loaded
    assert main(["broken"]) == 2
    assert "command plugin 'broken' (no_such_module_xyz:register) failed to load" in capsys.readouterr().err
