"""The bundled sample in ``examples/``: complete, well formed, and loadable without a single error.

These tests read the committed files only; they need neither espeak-ng nor the generator script.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile as sf

from humdial_eval.inputs import layout
from humdial_eval.benchmark.emotions import EMOTIONS, is_neutral, normalise_emotion
from humdial_eval.inputs.issues import IssueLog
from humdial_eval.inputs.loading import load_submission, load_testset

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
TESTSET = EXAMPLES / "testset" / layout.TESTSET_FOLDER
SUBMISSION = EXAMPLES / "submission" / layout.SUBMISSION_FOLDER
TASKS = ["T1", "T2", "T3"]
LANGUAGES = list(layout.LANGUAGES)
MAX_FOLDER_BYTES = 15_000_000
SAMPLE_RATE = 16_000
CJK = re.compile(r"[\u4e00-\u9fff]")

FILES = [(language, task) for language in LANGUAGES for task in TASKS]


def read_lines(root: Path, language: str, task: str) -> list[dict[str, Any]]:
    path = layout.task_file(root, language, task)
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def user_text(turn: dict[str, Any]) -> str:
    return turn.get("text", turn.get("input_text"))


def user_emotion(turn: dict[str, Any]) -> str:
    return turn.get("emotion", turn.get("input_emotion"))


def assert_speech(path: Path) -> None:
    assert path.is_file(), f"missing audio {path.relative_to(EXAMPLES)}"
    info = sf.info(path)
    assert (info.samplerate, info.channels, info.subtype) == (SAMPLE_RATE, 1, "PCM_16"), path.name
    audio, _ = sf.read(path, dtype="float32")
    assert audio.size >= SAMPLE_RATE // 2, f"{path.name} is shorter than 0.5 s"
    assert np.abs(audio).max() > 0.05 and np.sqrt(np.mean(audio**2)) > 0.005, f"{path.name} is silent"


@pytest.mark.parametrize(("language", "task"), FILES)
def test_every_file_of_both_layouts_is_present_and_parses(language: str, task: str) -> None:
    tests = read_lines(TESTSET, language, task)
    submitted = read_lines(SUBMISSION, language, task)
    assert len(tests) >= 4
    assert [d["dialogue_id"] for d in submitted] == [d["dialogue_id"] for d in tests]
    for gold, answer in zip(tests, submitted):
        assert re.fullmatch(r"[A-Za-z0-9_]+", gold["dialogue_id"])
        assert 3 <= len(gold["turns"]) <= 5, gold["dialogue_id"]
        assert [t["turn_id"] for t in answer["turns"]] == [t["turn_id"] for t in gold["turns"]]
        for turn in gold["turns"]:
            assert user_text(turn) and user_emotion(turn)
        for turn in answer["turns"]:
            assert turn["response_text"].strip(), (answer["dialogue_id"], turn["turn_id"])


@pytest.mark.parametrize("language", LANGUAGES)
def test_all_seven_emotions_appear_in_each_language(language: str) -> None:
    labels = {
        normalise_emotion(user_emotion(turn))
        for task in TASKS
        for dialogue in read_lines(TESTSET, language, task)
        for turn in dialogue["turns"]
    }
    assert labels == set(EMOTIONS)


@pytest.mark.parametrize(("language", "task"), FILES)
def test_every_user_turn_has_speech_at_its_official_path(language: str, task: str) -> None:
    for dialogue in read_lines(TESTSET, language, task):
        for turn in dialogue["turns"]:
            name = layout.user_audio_name(dialogue["dialogue_id"], turn["turn_id"])
            assert turn["split_audio_file"] == f"{layout.audio_dir(Path(), language, task).name}/{name}"
            assert_speech(layout.audio_dir(TESTSET, language, task) / name)


def t3_turns(turns: list[dict[str, Any]]) -> tuple[int, int]:
    """The turns the two T3 selection rules evaluate: second and last non-neutral user turn."""
    emotional = [t["turn_id"] for t in turns if not is_neutral(normalise_emotion(user_emotion(t)))]
    assert len(emotional) >= 2, "a T3 dialogue needs two non-neutral turns for the second-turn rule"
    return emotional[1], emotional[-1]


@pytest.mark.parametrize("language", LANGUAGES)
def test_t3_replies_have_speech_for_the_turns_both_rules_evaluate(language: str) -> None:
    gold = {d["dialogue_id"]: d for d in read_lines(TESTSET, language, "T3")}
    rules_differ = 0
    for answer in read_lines(SUBMISSION, language, "T3"):
        second, last = t3_turns(gold[answer["dialogue_id"]]["turns"])
        rules_differ += second != last
        by_id = {turn["turn_id"]: turn for turn in answer["turns"]}
        for turn_id in {second, last}:
            name = layout.response_audio_name(answer["dialogue_id"], turn_id)
            assert by_id[turn_id]["response_audio"] == f"{layout.audio_dir(Path(), language, 'T3').name}/{name}"
            assert_speech(layout.response_audio_path(SUBMISSION, language, "T3", answer["dialogue_id"], turn_id))
        for turn in answer["turns"]:
            if "response_audio" in turn:
                assert (layout.audio_dir(SUBMISSION, language, "T3").parent / turn["response_audio"]).is_file()
    assert rules_differ >= 1, "no dialogue where the two T3 rules pick different turns"


def test_the_sample_exercises_the_loaders_variant_spellings() -> None:
    turns = [
        (language, task, turn)
        for root in (TESTSET, SUBMISSION)
        for language, task in FILES
        for dialogue in read_lines(root, language, task)
        for turn in dialogue["turns"]
    ]
    assert any("input_text" in turn and "input_emotion" in turn for *_, turn in turns)
    assert any("text" in turn and "emotion" in turn for *_, turn in turns)
    assert any(turn.get("emotion", "") not in EMOTIONS for *_, turn in turns if "emotion" in turn)
    templated = [turn["response_text"] for *_, turn in turns if "response_text" in turn]
    assert any(text.startswith("system\n") and "\nassistant\n" in text for text in templated)


def test_response_quality_manifest_names_real_turns_with_every_grade() -> None:
    manifest = json.loads((EXAMPLES / "response_quality.json").read_text(encoding="utf-8"))
    for language in LANGUAGES:
        grades: list[str] = []
        for task in TASKS:
            submitted = {d["dialogue_id"]: d for d in read_lines(SUBMISSION, language, task)}
            task_grades: set[str] = set()
            for dialogue_id, turns in manifest[language][task].items():
                answer = {turn["turn_id"]: turn for turn in submitted[dialogue_id]["turns"]}
                for turn_id, grade in turns.items():
                    reply = answer[int(turn_id)]["response_text"]
                    if grade == "wrong_language":
                        assert bool(CJK.search(reply)) == (language == "en"), (dialogue_id, turn_id)
                    task_grades.add(grade)
                    grades.append(grade)
            assert {"excellent", "partial", "poor"} <= task_grades, (language, task)
        assert grades.count("wrong_language") == 1, language


def test_examples_folder_stays_small() -> None:
    size = sum(path.stat().st_size for path in EXAMPLES.rglob("*") if path.is_file())
    assert size < MAX_FOLDER_BYTES, f"examples/ holds {size / 1e6:.1f} MB"


def test_loaders_read_the_sample_without_errors() -> None:
    issues = IssueLog(root=EXAMPLES)
    testset = load_testset(TESTSET, issues, tasks=TASKS)
    submission = load_submission(SUBMISSION, issues, tasks=TASKS)
    assert issues.errors == [], "\n".join(issue.format() for issue in issues.errors)
    assert sorted(testset.files) == sorted(submission.files) == sorted(FILES)
    for key, gold_file in testset.files.items():
        answers = submission.files[key].dialogues
        for dialogue in gold_file.dialogues.values():
            for turn in dialogue.turns:
                assert turn.emotion in EMOTIONS and turn.user_audio is not None and turn.text
                reply = answers[dialogue.dialogue_id].turn(turn.turn_id).response_text
                assert reply and not reply.startswith(("system", "user")), (dialogue.dialogue_id, turn.turn_id)
