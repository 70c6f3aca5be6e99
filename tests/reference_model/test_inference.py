from __future__ import annotations

import json
from pathlib import Path

import soundfile

from humdial_eval.cli.main import main
from humdial_eval.inputs.issues import IssueLog
from humdial_eval.inputs.loading import load_submission, load_testset
from humdial_eval.reference_model.checkpoint import load_bundle
from humdial_eval.reference_model.evaluation import evaluate
from humdial_eval.reference_model.inference import read_testset


def test_infer_writes_a_submission_that_validates_and_scores(tmp_path: Path, trained: Path, dataset: Path, capsys) -> None:
    test = dataset / "test"
    out = tmp_path / "submission"
    args = ["baseline", "infer", "--checkpoint", str(trained), "--testset", str(test), "--out", str(out),
            "--max-new-tokens", "12", "--no-progress"]
    assert main(args) == 0
    assert main(args) == 1  # the submission exists now; no overwrite without --overwrite
    assert "already exists" in capsys.readouterr().err
    assert main(["validate", str(out), "--testset", str(test)]) == 0
    gold = load_testset(test, IssueLog(), tasks=["T1", "T2", "T3"])
    issues = IssueLog()
    submission = load_submission(out, issues, tasks=["T1", "T2", "T3"])
    assert issues.errors == []
    for key, file in gold.files.items():
        for dialogue_id, dialogue in file.dialogues.items():
            answered = submission.get(*key).dialogues[dialogue_id]
            for turn in dialogue.turns:
                response = answered.turn(turn.turn_id)
                assert response.response_text.strip()
                if key[1] == "T3":
                    info = soundfile.info(str(response.response_audio))
                    assert (info.samplerate, info.channels, info.subtype) == (16000, 1, "PCM_16") and info.frames > 1600
                else:
                    assert response.response_audio is None
    scores = tmp_path / "scores"
    assert main(["score", str(out), "--testset", str(test), "--out", str(scores), "--no-cache", "--bootstrap", "100", "--no-progress"]) == 0
    summary = json.loads((scores / "summary.json").read_text())
    assert summary["counts"]["items"] == 6 and summary["counts"]["missing_response"] == 0


def test_evaluate_reports_accuracy_against_chance_and_consistency(trained: Path, dataset: Path) -> None:
    bundle = load_bundle(trained)
    testset = read_testset(dataset / "test", ["T3"], ["en"])
    report = evaluate(bundle, testset)
    emotion = report["emotion_from_audio"]
    turns = sum(len(d.turns) for d in testset.get("en", "T3").dialogues.values())
    assert emotion["n"] == turns and 0 <= emotion["accuracy"] <= 1
    assert emotion["chance_uniform"] == 1 / 7 and emotion["chance_majority"] >= 1 / 7
    assert sum(sum(row.values()) for row in emotion["confusion"].values()) == turns
    consistency = report["consistency"]
    assert consistency["n"] == turns and 0 <= consistency["agreement"] <= 1 and 0 <= consistency["chance"] <= 1
    assert report["checkpoint_stage"] == 2
    assert report["emotion"]["accuracy"] == emotion["accuracy"]
    assert report["emotion"]["chance"] == max(emotion["chance_uniform"], emotion["chance_majority"])
    assert set(report["attributes"]) == {"speaking_rate", "pitch_level", "energy", "gender", "age_range"}
    for name, row in report["attributes"].items():
        assert row["n"] == turns and 0 <= row["accuracy"] <= 1 and 0 < row["chance"] <= 1, name
    assert set(report["heads"]) == {"emotion", *report["attributes"]}  # the test config trains attribute heads
    assert report["heads"]["emotion"]["n"] == turns


def test_heads_accuracy_reads_each_class_index_in_its_own_value_list() -> None:
    from humdial_eval.reference_model.evaluation import heads_accuracy

    # HEARD order: emotion, speaking_rate, pitch_level, energy, gender, age_range
    heard = [[2, 0, 0, 0, 1, 0], [2, 2, 0, 0, 0, 0]]
    gold_attrs = [{"speaking_rate": "slow", "gender": "male"}, {"speaking_rate": "slow", "gender": "male"}]
    report = heads_accuracy(["sad", "happy"], gold_attrs, heard)
    assert report["emotion"]["accuracy"] == 0.5  # class 2 of humdial_eval.benchmark.emotions.EMOTIONS is sad
    assert report["speaking_rate"] == {"accuracy": 0.5, "chance": 1.0, "n": 2}
    assert report["gender"]["accuracy"] == 0.5 and "energy" not in report


def test_attribute_accuracy_counts_unstated_values_as_wrong_and_chance_as_the_majority() -> None:
    from humdial_eval.reference_model.evaluation import attribute_accuracy

    gold = [{"gender": "male"}, {"gender": "male"}, {"gender": "male"}, {"gender": "female"}]
    said = [{"gender": "male"}, {}, {"gender": "female"}, {"gender": "female"}]
    row = attribute_accuracy(gold, said)["gender"]
    assert row == {"accuracy": 0.5, "chance": 0.75, "n": 4, "unstated": 1}


def test_the_cli_evaluate_writes_json(tmp_path: Path, trained: Path, dataset: Path) -> None:
    out = tmp_path / "report.json"
    args = ["baseline", "evaluate", "--checkpoint", str(trained / "stage1"), "--testset", str(dataset / "test"),
            "--tasks", "T1", "--languages", "zh", "--no-consistency", "--max-new-tokens", "8", "--out", str(out), "--no-progress"]
    assert main(args) == 0
    report = json.loads(out.read_text())
    assert report["checkpoint_stage"] == 1 and "consistency" not in report
