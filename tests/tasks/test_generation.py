"""T5: the requested emotion against the one an emotion2vec judge recognises in the spoken reply."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from humdial_eval.cli.main import main
from tests.judges.acoustic.tiny_models import build_emotion2vec

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"


@pytest.fixture(scope="module")
def happy_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An emotion2vec whose classifier always answers 'happy': a recogniser with a known answer."""
    return build_emotion2vec(tmp_path_factory.mktemp("t5") / "happy-e2v", favour="happy")


def requested(language: str) -> list[str]:
    lines = (EXAMPLES / "testset/HD-Track1-Test" / language / "HD-Track1-T5.jsonl").read_text(encoding="utf-8")
    return [json.loads(line)["turns"][-1]["target_emotion"] for line in lines.splitlines()]


def score(out: Path, judge: str, submission: Path = EXAMPLES / "submission") -> dict:
    assert main(["score", str(submission), "--testset", str(EXAMPLES / "testset"), "--tasks", "T5", "--out", str(out),
                 "--judge", judge, "--no-cache", "--no-progress"]) == 0
    return json.loads((out / "summary.json").read_text(encoding="utf-8"))["supplementary"]["T5"]


def test_accuracy_and_confusion_with_a_known_recogniser(tmp_path: Path, happy_model: Path) -> None:
    profile = tmp_path / "e2v.yaml"
    profile.write_text(f"backend: emotion2vec\nmodel_dir: {happy_model}\nworkers: 0\n", encoding="utf-8")
    t5 = score(tmp_path / "out", str(profile))
    assert t5["ranked"] is False
    for language in ("en", "zh"):
        metrics = t5["languages"][language]
        wanted = requested(language)
        assert metrics["n"] == len(wanted) and metrics["unanswered"] == 0 and metrics["recognised_by"] == "e2v"
        assert metrics["accuracy"] == pytest.approx(wanted.count("happy") / len(wanted))
        confusion = metrics["confusion"]
        happy_column = confusion["columns"].index("happy")
        assert sum(row[happy_column] for row in confusion["matrix"]) == len(wanted)
        assert metrics["mean_requested_prob"] == pytest.approx(wanted.count("happy") / len(wanted), abs=0.01)


def test_without_a_recogniser_the_summary_says_so(tmp_path: Path) -> None:
    metrics = score(tmp_path / "out", "offline-rubric")["languages"]["en"]
    assert metrics["accuracy"] is None and "add the emotion2vec judge" in metrics["note"]


def test_missing_audio_counts_as_wrong(tmp_path: Path, happy_model: Path) -> None:
    import shutil

    submission = tmp_path / "submission"
    shutil.copytree(EXAMPLES / "submission", submission)
    first = json.loads((submission / "HD-Track1/en/HD-Track1-T5.jsonl").read_text(encoding="utf-8").splitlines()[0])
    (submission / "HD-Track1/en" / first["turns"][-1]["response_audio"]).unlink()
    profile = tmp_path / "e2v.yaml"
    profile.write_text(f"backend: emotion2vec\nmodel_dir: {happy_model}\nworkers: 0\n", encoding="utf-8")
    metrics = score(tmp_path / "out", str(profile), submission)["languages"]["en"]
    wanted = requested("en")
    assert metrics["unanswered"] == 1
    happy_answered = wanted[1:].count("happy")
    assert metrics["accuracy"] == pytest.approx(happy_answered / len(wanted))
