from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from humdial_eval.cli.main import main


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_data_command_writes_both_splits(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "data"
    code, text = run(capsys, "baseline", "data", "--out", str(out), "--train-dialogues", "1", "--test-dialogues", "1", "--languages", "en")
    assert code == 0 and "train: 3 dialogues" in text
    assert sorted(p.name for p in (out / "train" / "en").glob("*.jsonl")) == [f"HD-Track1-T{n}.jsonl" for n in (1, 2, 3)]
    assert (out / "test" / "en" / "HD-Track1-T3.jsonl").is_file()
    code, text = run(capsys, "baseline", "data", "--out", str(out))
    assert code == 1 and "not empty" in text and "Traceback" not in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["baseline", "data", "--out", "{tmp}/d", "--languages", "fr"], "unknown language(s) fr"),
        (["baseline", "train", "--config", "nope", "--data", "{tmp}", "--out", "{tmp}/o"], "config 'nope' not found"),
        (["baseline", "train", "--config", "tiny", "--data", "{tmp}/missing", "--out", "{tmp}/o"], "training data folder not found"),
        (["baseline", "train", "--config", "tiny", "--data", "{tmp}", "--out", "{tmp}/o", "--set", "stages.stage1.lr=fast"],
         "stages.stage1.lr: expected a number, got 'fast'"),
        (["baseline", "train", "--config", "tiny", "--data", "{tmp}", "--out", "{tmp}/o", "--set", "oops"], "expected KEY=VALUE"),
        (["baseline", "infer", "--checkpoint", "{tmp}", "--testset", "{tmp}", "--out", "{tmp}/s"], "not a model checkpoint"),
    ],
)
def test_user_mistakes_exit_1_with_a_clear_message(tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str) -> None:
    code, text = run(capsys, *[a.replace("{tmp}", str(tmp_path)) for a in args])
    assert code == 1 and message in text and "Traceback" not in text


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "baseline")[0] == 2
    assert run(capsys, "baseline", "train", "--config", "tiny")[0] == 2


def test_problems_in_training_data_are_listed_by_file_line_and_field(
    tmp_path: Path, dataset: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "train"
    shutil.copytree(dataset / "train" / "en", data / "en")
    file = data / "en" / "HD-Track1-T2.jsonl"
    lines = file.read_text().splitlines()
    record = json.loads(lines[1])
    del record["turns"][0]["emotion"]
    (data / "en" / "HD-Track1-T2" / f"{record['dialogue_id']}_2.wav").unlink()
    lines[1] = json.dumps(record)
    file.write_text("\n".join(lines) + "\n")
    code, text = run(capsys, "baseline", "train", "--config", "tiny", "--data", str(data), "--out", str(tmp_path / "o"))
    assert code == 1 and "2 problem(s) in the training data" in text
    assert "en/HD-Track1-T2.jsonl:2" in text and "field emotion" in text and "field split_audio_file" in text
