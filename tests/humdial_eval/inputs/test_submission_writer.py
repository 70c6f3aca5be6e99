from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import soundfile

from humdial_eval.benchmark.dialogue import Dialogue, Turn
from humdial_eval.inputs.issues import IssueLog
from humdial_eval.inputs.loading import load_submission
from humdial_eval.inputs.submission_writer import Response, SubmissionExistsError, SubmissionWriter


def dialogue(task: str, language: str = "en", dialogue_id: str = "d1") -> Dialogue:
    turns = (Turn(1, "I passed!", "happy"), Turn(2, "But my friend failed.", "sad"))
    return Dialogue(dialogue_id, language, task, turns)


def test_writes_the_official_layout_that_loads_back(tmp_path: Path) -> None:
    stereo_22k = np.stack([np.full(22050, 0.25), np.full(22050, 0.75)], axis=1)
    with SubmissionWriter(tmp_path) as writer:
        writer.add(dialogue("T1"), [Response(1, "Congratulations!"), Response(2, "Sorry to hear.")])
        writer.add(dialogue("T3", "zh"), [Response(1, "恭喜！", np.zeros(8000), 16000), Response(2, "别难过。", stereo_22k, 22050)])
    root = tmp_path / "HD-Track1"
    assert writer.root == root
    t3 = json.loads((root / "zh" / "HD-Track1-T3.jsonl").read_text(encoding="utf-8"))
    assert t3["turns"][1] == {
        "turn_id": 2, "text": "But my friend failed.", "emotion": "sad",
        "split_audio_file": "HD-Track1-T3/d1_2.wav", "response_text": "别难过。",
        "response_audio": "HD-Track1-T3/d1_2_response.wav",
    }
    wav = root / "zh" / "HD-Track1-T3" / "d1_2_response.wav"
    info = soundfile.info(str(wav))
    assert (info.samplerate, info.channels, info.subtype, info.frames) == (16000, 1, "PCM_16", 16000)
    assert np.allclose(soundfile.read(str(wav))[0][100:-100], 0.5, atol=2e-3)  # channels averaged
    issues = IssueLog(root=root)
    submission = load_submission(tmp_path, issues, tasks=["T1", "T3"])
    assert issues.issues == []
    loaded = submission.get("zh", "T3").dialogues["d1"]
    assert loaded.turn(2).response_audio == wav and loaded.turn(1).response_text == "恭喜！"
    assert submission.get("en", "T1").dialogues["d1"].turn(1).response_audio is None


def test_an_existing_submission_is_kept_unless_overwriting(tmp_path: Path) -> None:
    with SubmissionWriter(tmp_path / "HD-Track1") as writer:
        writer.add(dialogue("T3"), [Response(1, "a", np.zeros(1600)), Response(2, "b", np.zeros(1600))])
    with pytest.raises(SubmissionExistsError, match="HD-Track1-T3.jsonl already exists"):
        SubmissionWriter(tmp_path).add(dialogue("T3"), [])
    with SubmissionWriter(tmp_path, overwrite=True) as writer:
        writer.add(dialogue("T3", dialogue_id="d2"), [Response(1, "c")])
    folder = tmp_path / "HD-Track1" / "en"
    assert not list((folder / "HD-Track1-T3").glob("*.wav"))
    assert json.loads((folder / "HD-Track1-T3.jsonl").read_text())["dialogue_id"] == "d2"
    assert json.loads((folder / "HD-Track1-T3.jsonl").read_text())["turns"][1]["response_text"] == ""


@pytest.mark.parametrize(
    ("response", "message"),
    [
        (Response(9, "x"), r"responses for turns \[9\]"),
        (Response(1, "x", np.full(10, np.nan)), "NaN"),
        (Response(1, "x", np.zeros((2, 2, 2))), "1-D"),
    ],
)
def test_bad_responses_are_refused(tmp_path: Path, response: Response, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        SubmissionWriter(tmp_path).add(dialogue("T3"), [response])
