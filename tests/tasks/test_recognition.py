"""T4: the stated emotion against gold, split by aligned / conflicting text and voice; validation of answers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sklearn.metrics import f1_score

from humdial_eval.cli.main import main
from humdial_eval.tasks.recognition import mentioned_emotions

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"

# (id, gold emotion, text_emotion, answer turn fields)
CASES = [
    ("en_a", "happy", "happy", {"predicted_emotion": "Happiness", "response_text": "Great!"}),     # right, aligned
    ("en_b", "anger", "happy", {"predicted_emotion": "happy", "response_text": "Great!"}),         # wrong, conflict
    ("en_c", "sad", "neutral", {"response_text": "You sound sad about it."}),                     # right via text
    ("en_d", "fear", "fear", {"predicted_emotion": "cheerful", "response_text": "Okay."}),        # invalid -> none
    ("en_e", "sad", "sad", {"response_text": "Not angry, maybe sad?"}),                          # two named -> none
]


def write(root: Path, testset: bool) -> None:
    folder = root / "en"
    folder.mkdir(parents=True)
    lines = []
    for dialogue_id, gold, text_emotion, answer in CASES:
        turn = {"turn_id": 1, "text": "Something happened.", "emotion": gold}
        if testset:
            turn["text_emotion"] = text_emotion
        else:
            turn.update(answer)
        lines.append(json.dumps({"dialogue_id": dialogue_id, "turns": [turn]}) + "\n")
    (folder / "HD-Track1-T4.jsonl").write_text("".join(lines), encoding="utf-8")


@pytest.fixture
def t4(tmp_path: Path) -> tuple[Path, Path]:
    write(tmp_path / "testset", testset=True)
    write(tmp_path / "submission", testset=False)
    return tmp_path / "testset", tmp_path / "submission"


def test_metrics_overall_and_by_modality(t4: tuple[Path, Path], tmp_path: Path) -> None:
    testset, submission = t4
    out = tmp_path / "out"
    assert main(["score", str(submission), "--testset", str(testset), "--tasks", "T4", "--languages", "en",
                 "--out", str(out), "--no-cache", "--no-progress"]) == 0
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["languages"] == {} and summary["final"] is None  # supplementary: never in the final
    metrics = summary["supplementary"]["T4"]["languages"]["en"]
    assert summary["supplementary"]["T4"]["ranked"] is False
    assert metrics["n"] == 5 and metrics["unanswered"] == 2
    assert metrics["accuracy"] == pytest.approx(2 / 5)
    gold = ["happy", "anger", "sad", "fear", "sad"]
    predicted = ["happy", "happy", "sad", "none", "none"]
    expected_f1 = f1_score(gold, predicted, labels=["happy", "sad", "anger", "fear"], average="macro", zero_division=0)
    assert metrics["macro_f1"] == pytest.approx(expected_f1, abs=1e-4)
    assert metrics["splits"]["aligned"]["n"] == 3 and metrics["splits"]["aligned"]["accuracy"] == pytest.approx(1 / 3, abs=1e-4)
    assert metrics["splits"]["conflict"]["n"] == 2 and metrics["splits"]["conflict"]["accuracy"] == pytest.approx(1 / 2)
    confusion = metrics["confusion"]
    row = confusion["rows"].index("anger")
    assert confusion["matrix"][row][confusion["columns"].index("happy")] == 1
    assert sum(r[confusion["columns"].index("none")] for r in confusion["matrix"]) == 2
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "| T4 Emotion recognition | en | conflict | 2 | 0.50 |" in report


def test_validation_names_the_bad_answer(t4: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    testset, submission = t4
    code = main(["validate", str(submission), "--testset", str(testset), "--tasks", "T4", "--languages", "en", "--json"])
    issues = json.loads(capsys.readouterr().out)["issues"]
    assert code == 1
    invalid = next(i for i in issues if i["code"] == "invalid_emotion")
    assert (invalid["dialogue_id"], invalid["line"], invalid["field"]) == ("en_d", 4, "predicted_emotion")
    warning = next(i for i in issues if i["code"] == "no_prediction")
    assert warning["dialogue_id"] == "en_e" and warning["severity"] == "warning" and "several" in warning["message"]


def test_missing_submission_counts_as_unanswered(t4: tuple[Path, Path], tmp_path: Path) -> None:
    testset, submission = t4
    path = submission / "en" / "HD-Track1-T4.jsonl"
    path.write_text("".join(path.read_text(encoding="utf-8").splitlines(keepends=True)[:2]), encoding="utf-8")
    out = tmp_path / "out"
    assert main(["score", str(submission), "--testset", str(testset), "--tasks", "T4", "--languages", "en",
                 "--out", str(out), "--no-cache", "--no-progress"]) == 0
    metrics = json.loads((out / "summary.json").read_text(encoding="utf-8"))["supplementary"]["T4"]["languages"]["en"]
    assert metrics["n"] == 5 and metrics["unanswered"] == 3 and metrics["accuracy"] == pytest.approx(1 / 5)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("You sound angry.", {"anger"}), ("你听起来很难过。", {"sad"}), ("Not angry but sad", {"anger", "sad"}),
     ("That's a lovely photo.", set())],
)
def test_emotions_named_in_text(text: str, expected: set[str]) -> None:
    assert mentioned_emotions(text) == expected


def test_shipped_t4_sample(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert main(["score", str(EXAMPLES / "submission"), "--testset", str(EXAMPLES / "testset"), "--tasks", "T4",
                 "--out", str(out), "--no-cache", "--no-progress"]) == 0
    supplementary = json.loads((out / "summary.json").read_text(encoding="utf-8"))["supplementary"]["T4"]
    for language in ("en", "zh"):
        metrics = supplementary["languages"][language]
        assert metrics["n"] == 4 and metrics["unanswered"] == 0
        assert metrics["accuracy"] == pytest.approx(0.75)  # one conflicting turn per language is answered wrongly
        assert metrics["splits"]["conflict"]["accuracy"] == pytest.approx(0.5)
