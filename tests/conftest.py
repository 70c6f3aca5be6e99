"""Shared fixtures: a small, valid test set + submission built in tmp_path, to be broken on purpose."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile

DIALOGUES: dict[str, dict[str, list[dict[str, Any]]]] = {
    "en": {
        "T1": [
            {
                "dialogue_id": "en_t1_a",
                "turns": [
                    ("I just got the results of my exam and I passed!", "happy",
                     "Congratulations, that is great news!"),
                    ("But my best friend failed the same exam and won't talk to me.", "sad",
                     "That must be hard, seeing your friend hurt."),
                    ("Can you sum up how my feelings changed today?", "neutral",
                     "You started out happy because you passed the exam, then you felt sad when your friend "
                     "failed and stopped talking to you. It makes sense to feel both; maybe reach out to "
                     "your friend tomorrow."),
                ],
            },
        ],
        "T2": [
            {
                "dialogue_id": "en_t2_a",
                "turns": [
                    ("My manager gave my project to a new colleague.", "anger", "That sounds frustrating."),
                    ("I had worked on it for six months, every weekend.", "sad", "Six months is a lot of effort."),
                    ("Why do I feel this way?", "sad",
                     "You feel this way because the project you built over six months of weekends was handed "
                     "to a new colleague, so your effort seems unseen. Deep down this is about recognition: "
                     "you need your manager to value your work."),
                ],
            },
        ],
        "T3": [
            {
                "dialogue_id": "en_t3_a",
                "turns": [
                    ("Hi, how are you?", "neutral", "Hi! I'm well, thanks."),
                    ("My cat ran away this morning.", "sad", "Oh no, I'm so sorry about your cat."),
                    ("I am scared she got hit by a car.", "fear",
                     "It's understandable to be scared about your cat. You could call local shelters; I'm here with you."),
                    ("She came back! She was hiding in the garage!", "happy", "That's wonderful news!"),
                ],
            },
        ],
    },
    "zh": {
        "T1": [
            {
                "dialogue_id": "zh_t1_a",
                "turns": [
                    ("今天我收到了录取通知书，太开心了！", "happy", "恭喜你！"),
                    ("可是学校离家很远，我有点害怕一个人生活。", "fear", "离家确实会让人紧张。"),
                    ("你能总结一下我今天的情绪变化吗？", "neutral",
                     "你一开始因为收到录取通知书很开心，后来想到学校离家很远，要一个人生活，又有些害怕。"
                     "这很正常，你可以提前去学校看看。"),
                ],
            },
        ],
        "T2": [
            {
                "dialogue_id": "zh_t2_a",
                "turns": [
                    ("同事在会上把我的方案说成是他的。", "anger", "这太过分了。"),
                    ("我熬了好几个晚上才做完这个方案。", "sad", "你付出了很多。"),
                    ("我为什么会这么难受？", "sad",
                     "因为你熬了好几个晚上做的方案被同事说成是他的，所以你觉得付出被抹掉了。"
                     "其实你在乎的是自己的努力能被认可和尊重。"),
                ],
            },
        ],
        "T3": [
            {
                "dialogue_id": "zh_t3_a",
                "turns": [
                    ("你好。", "neutral", "你好！"),
                    ("我的猫今天早上跑丢了。", "sad", "真难过，希望它快点回来。"),
                    ("我好害怕它被车撞了。", "fear", "我理解你的害怕，你可以先去附近找找猫，我在这里陪你。"),
                ],
            },
        ],
    },
}


def write_wav(path: Path, seconds: float = 0.5, rate: int = 16000, subtype: str = "PCM_16", channels: int = 1) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    t = np.arange(int(seconds * rate)) / rate
    tone = (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)
    data = tone if channels == 1 else np.stack([tone] * channels, axis=1)
    soundfile.write(str(path), data, rate, subtype=subtype)
    return path


def write_jsonl(path: Path, records: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@dataclass
class Dataset:
    testset: Path
    submission: Path  # the HD-Track1 folder

    def submission_file(self, language: str, task: str) -> Path:
        return self.submission / language / f"HD-Track1-{task}.jsonl"

    def records(self, language: str, task: str) -> list[dict[str, Any]]:
        return read_jsonl(self.submission_file(language, task))

    def rewrite(self, language: str, task: str, change: Callable[[list[dict[str, Any]]], None]) -> None:
        records = self.records(language, task)
        change(records)
        write_jsonl(self.submission_file(language, task), records)

    def response_wav(self, language: str, dialogue_id: str, turn_id: int) -> Path:
        return self.submission / language / "HD-Track1-T3" / f"{dialogue_id}_{turn_id}_response.wav"


def build_dataset(root: Path, dialogues: dict[str, dict[str, list[dict[str, Any]]]] = DIALOGUES) -> Dataset:
    testset = root / "testset" / "HD-Track1-Test"
    submission = root / "team" / "HD-Track1"
    for language, tasks in dialogues.items():
        for task, items in tasks.items():
            gold_records, sub_records = [], []
            for dialogue in items:
                gold_turns, sub_turns = [], []
                for turn_id, (text, emotion, response) in enumerate(dialogue["turns"], start=1):
                    audio = f"HD-Track1-{task}/{dialogue['dialogue_id']}_{turn_id}.wav"
                    write_wav(testset / language / audio)
                    gold_turns.append({"turn_id": turn_id, "text": text, "emotion": emotion, "split_audio_file": audio})
                    sub_turn: dict[str, Any] = {"turn_id": turn_id, "text": text, "response_text": response}
                    if task == "T3":
                        name = f"HD-Track1-T3/{dialogue['dialogue_id']}_{turn_id}_response.wav"
                        write_wav(submission / language / name, seconds=4.0)  # long enough for its text
                        sub_turn["response_audio"] = name
                    sub_turns.append(sub_turn)
                gold_records.append({"dialogue_id": dialogue["dialogue_id"], "turns": gold_turns})
                sub_records.append({"dialogue_id": dialogue["dialogue_id"], "turns": sub_turns})
            write_jsonl(testset / language / f"HD-Track1-{task}.jsonl", gold_records)
            write_jsonl(submission / language / f"HD-Track1-{task}.jsonl", sub_records)
    write_pdf(submission / "Team_System_Description.pdf", pages=2)  # the rules' mandatory paper
    return Dataset(testset=testset, submission=submission)


def write_pdf(path: Path, pages: int) -> Path:
    """A PDF of ``pages`` blank pages, written by pypdf (what validate reads back)."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    with path.open("wb") as handle:
        writer.write(handle)
    return path


@pytest.fixture
def dataset(tmp_path: Path) -> Dataset:
    return build_dataset(tmp_path)


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test may touch the user's real judgment store; the derived copies follow XDG_CACHE_HOME in tests."""
    monkeypatch.setenv("HUMDIAL_EVAL_CACHE", str(tmp_path / "judgments.sqlite"))
    monkeypatch.delenv("HUMDIAL_EVAL_CACHE_DIR", raising=False)
