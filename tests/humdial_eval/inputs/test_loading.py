from __future__ import annotations

from pathlib import Path

import pytest

from humdial_eval.inputs.issues import IssueLog
from humdial_eval.inputs.loading import load_submission, load_testset, strip_chat_template
from tests.conftest import Dataset, write_jsonl


def codes(log: IssueLog) -> list[str]:
    return [issue.code for issue in log.issues]


def test_both_field_spellings_load_with_normalised_emotions(tmp_path: Path) -> None:
    root = tmp_path / "HD-Track1-Test"
    write_jsonl(
        root / "en" / "HD-Track1-T1.jsonl",
        [
            {"dialogue_id": "a", "turns": [{"turn_id": 1, "text": "hi", "emotion": "Angry"}]},
            {"dialogue_id": "b", "turns": [{"turn_id": 1, "input_text": "yo", "input_emotion": "sadness"}]},
        ],
    )
    log = IssueLog()
    testset = load_testset(tmp_path, log, tasks=["T1"], languages=["en"])
    assert codes(log) == []
    dialogues = testset.get("en", "T1").dialogues  # type: ignore[union-attr]
    assert (dialogues["a"].turns[0].text, dialogues["a"].turns[0].emotion) == ("hi", "anger")
    assert (dialogues["b"].turns[0].text, dialogues["b"].turns[0].emotion) == ("yo", "sad")


def test_chat_template_prefix_is_stripped() -> None:
    raw = "system\nYou are a helpful assistant.\nuser\nI failed my exam.\nassistant\nI'm sorry to hear that."
    assert strip_chat_template(raw) == "I'm sorry to hear that."
    assert strip_chat_template("<|im_start|>system\nBe kind.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHello<|im_end|>") == "Hello"
    assert strip_chat_template("Plain reply mentioning an assistant\nnothing else") == (
        "Plain reply mentioning an assistant\nnothing else"
    )


def test_bad_lines_are_reported_with_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "HD-Track1" / "en" / "HD-Track1-T1.jsonl"
    path.parent.mkdir(parents=True)
    good = '{"dialogue_id": "a", "turns": [{"turn_id": 1, "response_text": "ok"}]}'
    path.write_bytes(
        b"\n".join(
            [
                good.encode(),
                b"{not json",
                b'{"dialogue_id": "b", "turns": [{"turn_id": 1, "response_text": "\xff\xfe"}]}',
                b'{"dialogue_id": "c", "turns": [{"turn_id": 1, "score": NaN}]}',
                good.encode(),
                b'{"dialogue_id": "../../etc", "turns": [{"turn_id": 1}]}',
                b'{"turns": [{"turn_id": 1}]}',
                b'{"dialogue_id": "d", "turns": [{"turn_id": "x"}]}',
                b"[1, 2]",
            ]
        )
        + b"\n"
    )
    log = IssueLog(root=tmp_path / "HD-Track1")
    submission = load_submission(tmp_path, log, tasks=["T1"], languages=["en"])
    found = {(issue.code, issue.line) for issue in log.issues}
    assert found == {
        ("invalid_json", 2),
        ("invalid_utf8", 3),
        ("invalid_json", 4),
        ("duplicate_dialogue", 5),
        ("invalid_id", 6),
        ("missing_field", 7),
        ("missing_field", 8),
        ("invalid_json", 9),
    }
    assert all(issue.file == "en/HD-Track1-T1.jsonl" for issue in log.issues)
    assert list(submission.get("en", "T1").dialogues) == ["a"]  # type: ignore[union-attr]


def test_gigantic_line_is_skipped_without_reading_it_whole(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import humdial_eval.inputs.loading as loading

    monkeypatch.setattr(loading, "MAX_LINE_BYTES", 1000)
    path = tmp_path / "en" / "HD-Track1-T1.jsonl"
    path.parent.mkdir(parents=True)
    huge = '{"dialogue_id": "big", "turns": [{"turn_id": 1, "response_text": "' + "x" * 5000 + '"}]}'
    small = '{"dialogue_id": "small", "turns": [{"turn_id": 1, "response_text": "fine"}]}'
    path.write_text(huge + "\n" + small + "\n")
    log = IssueLog()
    submission = load_submission(tmp_path, log, tasks=["T1"], languages=["en"])
    assert [(i.code, i.line) for i in log.issues] == [("line_too_long", 1)]
    assert list(submission.get("en", "T1").dialogues) == ["small"]  # type: ignore[union-attr]


def test_sample_dataset_loads_cleanly(dataset: Dataset) -> None:
    log = IssueLog()
    testset = load_testset(dataset.testset, log, tasks=["T1", "T2", "T3"])
    submission = load_submission(dataset.submission, log, tasks=["T1", "T2", "T3"])
    assert codes(log) == []
    assert testset.languages() == ["en", "zh"]
    turn = submission.get("en", "T3").dialogues["en_t3_a"].turn(3)  # type: ignore[union-attr]
    assert turn is not None and turn.response_audio is not None and turn.response_audio.name == "en_t3_a_3_response.wav"


def test_a_test_set_to_answer_with_errors_stops_with_the_problems(tmp_path: Path) -> None:
    """`generate` and `baseline infer` share this reader: a broken test set is refused, naming file and line."""
    from humdial_eval.inputs.loading import UnusableTestSet, load_testset_strictly

    with pytest.raises(UnusableTestSet, match="not found"):
        load_testset_strictly(tmp_path / "absent", ["T1"], ["en"])
    folder = tmp_path / "HD-Track1-Test" / "en"
    folder.mkdir(parents=True)
    (folder / "HD-Track1-T1.jsonl").write_text("{not json\n", encoding="utf-8")
    with pytest.raises(UnusableTestSet, match=r"HD-Track1-T1\.jsonl:1"):
        load_testset_strictly(tmp_path / "HD-Track1-Test", ["T1"], ["en"])


def test_dialogues_in_order_go_file_by_file_each_in_file_order_limited_per_file(tmp_path: Path) -> None:
    from humdial_eval.benchmark.dialogue import Dialogue, DialogueFile, TestSet

    def file(language: str, task: str, ids: list[str]) -> DialogueFile:
        return DialogueFile(language, task, tmp_path, {i: Dialogue(i, language, task, ()) for i in ids})

    testset = TestSet(tmp_path, {("zh", "T1"): file("zh", "T1", ["z2", "z1"]), ("en", "T3"): file("en", "T3", ["e9", "e1", "e5"])})
    assert [d.dialogue_id for d in testset.in_order()] == ["e9", "e1", "e5", "z2", "z1"]
    assert [d.dialogue_id for d in testset.in_order(2)] == ["e9", "e1", "z2", "z1"]
