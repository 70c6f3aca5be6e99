from __future__ import annotations

import json
from pathlib import Path

import soundfile

from humdial_eval.cli.main import main
from humdial_eval.inputs.issues import IssueLog
from humdial_eval.inputs.loading import load_submission, load_testset
from humdial_eval.reference_model.checkpoint import load_bundle
from humdial_eval.reference_model.decoding import DecodingOptions
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


def test_spoken_replies_follow_their_length_within_the_budget(trained: Path) -> None:
    import dataclasses

    from humdial_eval.reference_model.arrays import ArrayStore
    from humdial_eval.reference_model.decoding import Decoder
    from humdial_eval.reference_model.packing import TurnView
    from humdial_eval.reference_model.speech_budget import SpeechRate

    bundle = load_bundle(trained)
    # measured at preparation; the test config's 20-unit cap is below every reply, so all were cut, none measured
    assert bundle.speech_rate is not None and bundle.speech_rate.cut > 0 and bundle.speech_rate.units_per == {}
    bundle.config = dataclasses.replace(bundle.config, units=dataclasses.replace(bundle.config.units, max_units=100))
    bundle.speech_rate = SpeechRate({"en": 3.0, "zh": 3.0}, {}, 0)
    features = ArrayStore()
    decoder = Decoder(bundle, features, features.length)
    for words in (4, 10, 20):
        reply = " ".join(["word"] * words)
        generated = decoder.respond("en", "T3", [], TurnView("hello there", None), speak=True, seed=words, reply=reply)
        assert generated.reply == reply and generated.budget is not None
        assert generated.budget.expected == 3 * words
        assert generated.budget.min_units <= len(generated.units) <= generated.budget.max_units
        assert generated.ended or len(generated.units) == generated.budget.max_units
        assert generated.budget.capped == (3 * words > 100)


def test_infer_reports_an_invalid_submission_instead_of_writing_it_silently(
    tmp_path: Path, trained: Path, dataset: Path, capsys,
) -> None:
    import shutil

    import yaml

    from humdial_eval.reference_model.speech_budget import SpeechRate, save

    bundle = tmp_path / "bundle"
    shutil.copytree(trained, bundle, ignore=shutil.ignore_patterns("prepared", "state", "stage1"))
    config = yaml.safe_load((bundle / "config.yaml").read_text())
    config["units"]["max_units"] = 3  # every spoken reply cut to three units (0.1 s): far too short for its words
    (bundle / "config.yaml").write_text(yaml.safe_dump(config))
    save(bundle, SpeechRate({"en": 5.0, "zh": 5.0}, {"en": 10, "zh": 10}, 0))
    code = main(["baseline", "infer", "--checkpoint", str(bundle), "--testset", str(dataset / "test"), "--out",
                 str(tmp_path / "sub"), "--tasks", "T3", "--max-new-tokens", "12", "--no-progress"])
    captured = capsys.readouterr()
    assert code == 1
    assert "validation: INVALID" in captured.out
    assert "audio_duration_implausible" in captured.err and "cut there" in captured.err


def test_evaluate_reports_whole_replies_and_t1_trajectories(trained: Path, dataset: Path) -> None:
    from humdial_eval.reference_model.speech_budget import SpeechRate

    bundle = load_bundle(trained)
    bundle.speech_rate = SpeechRate({"en": 2.0}, {"en": 1}, 0)  # the test config's cap leaves none measured
    testset = read_testset(dataset / "test", ["T1", "T3"], ["en"])
    report = evaluate(bundle, testset, options=DecodingOptions(max_thinking_tokens=24, max_reply_tokens=24))
    turns = sum(len(d.turns) for key in (("en", "T1"), ("en", "T3")) for d in testset.get(*key).dialogues.values())
    whole = report["whole_replies"]
    assert whole["n"] == turns == report["consistency"]["n"] and whole["method"] == "units"
    assert whole["measured"] == turns and 0 < whole["coverage_min"] <= whole["coverage_mean"] <= 1
    assert whole["speech_rate"] == bundle.speech_rate.units_per
    trajectory = report["trajectory"]
    assert trajectory["n"] == len(testset.get("en", "T1").dialogues) and trajectory["source"] == "heard"
    assert 0 <= trajectory["exact"] <= 1
    text_only = evaluate(bundle, testset, consistency=False, options=DecodingOptions(max_thinking_tokens=24, max_reply_tokens=24))
    assert "whole_replies" not in text_only and text_only["trajectory"] == trajectory


def test_evaluate_measures_coverage_by_asr_when_a_transcriber_is_given(trained: Path, dataset: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "report.json"
    code = main(["baseline", "evaluate", "--checkpoint", str(trained), "--testset", str(dataset / "test"), "--tasks", "T3",
                 "--languages", "en", "--max-new-tokens", "12", "--no-progress", "--out", str(out),
                 "--asr-transcriber", "tests.reference_model.silent_asr:make_transcriber"])
    assert code == 0, capsys.readouterr().err
    whole = json.loads(out.read_text())["whole_replies"]
    assert whole["method"] == "asr" and whole["coverage_mean"] == 0.0  # the transcriber hears nothing


def test_the_t1_summary_names_what_the_thinking_heard() -> None:
    from humdial_eval.benchmark.dialogue import Dialogue, Turn
    from humdial_eval.reference_model.inference import _heard_trajectory
    from humdial_eval.reference_model.packing import TurnView

    turns = tuple(Turn(turn_id=i, text=t, emotion=e) for i, (t, e) in enumerate(
        [("I won!", "happy"), ("Then I lost it.", "sad"), ("How did my feelings change?", "neutral")], start=1))
    dialogue = Dialogue("d1", "en", "T1", turns)
    history = [TurnView("", None, "User is surprised. Cause: x."), TurnView("", None, "User is angry. Cause: y.")]
    said = _heard_trajectory(dialogue, 2, history, "heard", seed=0)
    assert said is not None and "surprised" in said and "angry" in said and "happy" not in said
    assert _heard_trajectory(dialogue, 2, history, "model", seed=0) is None
    assert _heard_trajectory(dialogue, 1, history[:1], "heard", seed=0) is None  # not the last turn
