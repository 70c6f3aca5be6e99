"""Regenerate the bundled sample test set and submission under ``examples/``.

Run by hand from the repository root::

    .venv/bin/python scripts/make_examples.py

The dialogues are data (``scripts/example_dialogues.{en,zh}.yaml``); this script turns them into
the official layouts, ``examples/testset/HD-Track1-Test/`` and ``examples/submission/HD-Track1/``,
synthesising every user turn and every T3 reply marked with a ``tone`` with espeak-ng, with
prosody chosen by emotion. It also writes ``examples/response_quality.json``, the intended quality
of each evaluated reply, so that scorer tests can check that a judge ranks them sensibly.

Needs ``espeak-ng`` on PATH plus ``librosa``, ``soundfile`` and ``pyyaml`` (the ``audio`` extra).
The output is the same on every run, apart from what espeak-ng itself changes between versions.
"""

from __future__ import annotations

import argparse
import io
import json
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import librosa
import numpy as np
import soundfile as sf
import yaml

REPO = Path(__file__).resolve().parent.parent
# Run from a checkout, where the package may not be installed into the environment.
sys.path.insert(0, str(REPO))

from humdial_eval.inputs import layout  # noqa: E402
from humdial_eval.benchmark.emotions import UnknownEmotionError, normalise_emotion  # noqa: E402

DATA_FILES = tuple(REPO / "scripts" / f"example_dialogues.{language}.yaml" for language in layout.LANGUAGES)
TASKS = ("T1", "T2", "T3")
SAMPLE_RATE = 16_000
QUALITIES = ("excellent", "partial", "poor", "wrong_language")
EDGE_SILENCE_S = 0.05

# Chat-template transcript some models leave in front of their reply; the loader must strip it.
CHAT_TEMPLATE = "system\nYou are a helpful assistant.\nuser\n{question}\nassistant\n{reply}"


@dataclass(frozen=True)
class Prosody:
    """espeak-ng settings: pitch (-p, 0..99), speed (-s, words per minute), amplitude (-a, 0..200)
    and the pause between words (-g, in units of 10 ms)."""

    pitch: int
    speed: int
    amplitude: int
    gap: int = 0

    def arguments(self, voices: Voices) -> list[str]:
        speed = round(self.speed * voices.speed_scale)
        amplitude = round(self.amplitude * voices.amplitude_scale)
        return ["-p", str(self.pitch), "-s", str(speed), "-a", str(amplitude), "-g", str(self.gap)]


# User turns: the acoustic cues of each emotion, as far as espeak-ng can carry them.
EMOTION_PROSODY: dict[str, Prosody] = {
    "neutral": Prosody(pitch=50, speed=175, amplitude=70),
    "happy": Prosody(pitch=70, speed=190, amplitude=85),
    "sad": Prosody(pitch=30, speed=145, amplitude=50, gap=1),
    "anger": Prosody(pitch=42, speed=200, amplitude=105),
    "fear": Prosody(pitch=65, speed=205, amplitude=60),
    "surprise": Prosody(pitch=80, speed=185, amplitude=90),
    "disgust": Prosody(pitch=32, speed=155, amplitude=75, gap=1),
}

# T3 replies: the tone the reply means to strike. `cheerful` for a grieving user and `flat` for
# a joyful one are the incongruent voices that the vocal-empathy dimension should punish.
TONE_PROSODY: dict[str, Prosody] = {
    "soothing": Prosody(pitch=38, speed=150, amplitude=60, gap=2),
    "warm": Prosody(pitch=52, speed=165, amplitude=70, gap=1),
    "cheerful": Prosody(pitch=72, speed=190, amplitude=85),
    "flat": Prosody(pitch=50, speed=180, amplitude=70),
}


@dataclass(frozen=True)
class Voices:
    espeak: str  # espeak-ng voice of the language
    users: tuple[str, ...]  # speaker variants, one per dialogue in turn
    system: str
    speed_scale: float  # espeak-ng's Mandarin is slow at a given -s: bring it to a natural rate
    amplitude_scale: float  # and louder at a given -a: keep both languages clear of clipping
    user_chars: int  # how many characters of leading sentences the audio speaks at most
    reply_chars: int


# `cmn-latn-pinyin` reads Chinese characters correctly; `cmn` reads them as English-spelled pinyin.
VOICES: dict[str, Voices] = {
    "en": Voices(
        "en-us", ("f3", "m3", "f2", "m1"), "f5", speed_scale=1.0, amplitude_scale=1.0, user_chars=100, reply_chars=130
    ),
    "zh": Voices(
        "cmn-latn-pinyin", ("f2", "m3", "f4", "m1"), "f5", speed_scale=1.4, amplitude_scale=0.75, user_chars=32,
        reply_chars=40,
    ),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "examples", help="folder to write into (default: examples/)")
    args = parser.parse_args(argv)
    if shutil.which("espeak-ng") is None:
        print("espeak-ng is not on PATH; install it (apt-get install espeak-ng) and run again", file=sys.stderr)
        return 2
    testset_root = args.out / "testset" / layout.TESTSET_FOLDER
    submission_root = args.out / "submission" / layout.SUBMISSION_FOLDER
    for root in (testset_root, submission_root):
        shutil.rmtree(root, ignore_errors=True)

    quality: dict[str, dict[str, dict[str, dict[str, str]]]] = {}
    for data_file in DATA_FILES:
        data = yaml.safe_load(data_file.read_text(encoding="utf-8"))
        language = data["language"]
        input_field_tasks = set(data.get("input_field_tasks") or [])
        speaker = 0
        for task in TASKS:
            test_lines: list[dict[str, Any]] = []
            submission_lines: list[dict[str, Any]] = []
            for dialogue in data["tasks"][task]:
                check_dialogue(dialogue, data_file)
                test_line, submission_line = build_dialogue(
                    dialogue, language, task, task in input_field_tasks, speaker, testset_root, submission_root
                )
                test_lines.append(test_line)
                submission_lines.append(submission_line)
                speaker += 1
                qualities = {str(i): t["quality"] for i, t in enumerate(dialogue["turns"], 1) if "quality" in t}
                quality.setdefault(language, {}).setdefault(task, {})[dialogue["id"]] = qualities
            write_jsonl(layout.task_file(testset_root, language, task), test_lines)
            write_jsonl(layout.task_file(submission_root, language, task), submission_lines)

    (args.out / "response_quality.json").write_text(
        json.dumps(quality, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    for root in (testset_root, submission_root):
        files = [p for p in root.rglob("*") if p.is_file()]
        size = sum(p.stat().st_size for p in files)
        print(f"{root.relative_to(args.out)}: {len(files)} files, {size / 1e6:.2f} MB")
    return 0


def build_dialogue(
    dialogue: dict[str, Any],
    language: str,
    task: str,
    input_fields: bool,
    speaker: int,
    testset_root: Path,
    submission_root: Path,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """One dialogue's test-set line and submission line, writing its audio on the way."""
    voices = VOICES[language]
    user_voice = f"{voices.espeak}+{voices.users[speaker % len(voices.users)]}"
    system_voice = f"{voices.espeak}+{voices.system}"
    dialogue_id = dialogue["id"]
    text_key, emotion_key = ("input_text", "input_emotion") if input_fields else ("text", "emotion")
    test_turns: list[dict[str, Any]] = []
    submission_turns: list[dict[str, Any]] = []
    for turn_id, turn in enumerate(dialogue["turns"], start=1):
        audio = layout.audio_dir(testset_root, language, task) / layout.user_audio_name(dialogue_id, turn_id)
        prosody = EMOTION_PROSODY[normalise_emotion(turn["emotion"])]
        synthesise(leading_sentences(turn["text"], voices.user_chars), user_voice, prosody.arguments(voices), audio)
        test_turn = {
            "turn_id": turn_id,
            text_key: turn["text"],
            emotion_key: turn["emotion"],
            "split_audio_file": audio.relative_to(testset_root / language).as_posix(),
        }
        test_turns.append(test_turn)

        reply = turn["reply"]
        response_text = CHAT_TEMPLATE.format(question=turn["text"], reply=reply) if turn.get("template") else reply
        submission_turn = {**test_turn, "response_text": response_text}
        if "tone" in turn:
            response = layout.response_audio_path(submission_root, language, task, dialogue_id, turn_id)
            tone = TONE_PROSODY[turn["tone"]].arguments(voices)
            synthesise(leading_sentences(reply, voices.reply_chars), system_voice, tone, response)
            submission_turn["response_audio"] = response.relative_to(submission_root / language).as_posix()
        submission_turns.append(submission_turn)
    return (
        {"dialogue_id": dialogue_id, "turns": test_turns},
        {"dialogue_id": dialogue_id, "turns": submission_turns},
    )


_SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s*")


def leading_sentences(text: str, max_chars: int) -> str:
    """The text's first sentences, as many as fit in ``max_chars`` (at least one): keeps clips short."""
    sentences = [s for s in _SENTENCE_END.split(text.strip()) if s]
    spoken = sentences[0]
    for sentence in sentences[1:]:
        candidate = f"{spoken} {sentence}" if sentence[0].isascii() else spoken + sentence
        if len(candidate) > max_chars:
            break
        spoken = candidate
    return spoken


def synthesise(text: str, voice: str, prosody: list[str], path: Path) -> None:
    """Speak ``text`` with espeak-ng and store it as 16 kHz mono PCM_16, edges trimmed to 50 ms of silence."""
    result = subprocess.run(
        ["espeak-ng", "-v", voice, *prosody, "--stdout"],
        input=text.encode("utf-8"),
        capture_output=True,
        check=True,
    )
    audio, rate = sf.read(io.BytesIO(result.stdout), dtype="float32")
    audio, _ = librosa.effects.trim(audio, top_db=40)
    audio = librosa.resample(audio, orig_sr=rate, target_sr=SAMPLE_RATE)
    edge = np.zeros(int(EDGE_SILENCE_S * SAMPLE_RATE), dtype=np.float32)
    audio = np.clip(np.concatenate([edge, audio, edge]), -1.0, 1.0)
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, audio, SAMPLE_RATE, subtype="PCM_16")


def check_dialogue(dialogue: dict[str, Any], source: Path) -> None:
    """Refuse data that would make a misleading sample, naming the dialogue at fault."""
    dialogue_id = dialogue.get("id", "?")
    problems: list[str] = []
    if not re.fullmatch(r"[a-z]{2}_t[1-5]_\d{3}", str(dialogue_id)):
        problems.append("id must look like en_t1_001")
    turns = dialogue.get("turns") or []
    if not 3 <= len(turns) <= 5:
        problems.append(f"has {len(turns)} user turns; the benchmark has 3 to 5")
    for number, turn in enumerate(turns, start=1):
        missing = [key for key in ("emotion", "text", "reply") if not turn.get(key)]
        if missing:
            problems.append(f"turn {number} lacks {', '.join(missing)}")
        try:
            normalise_emotion(str(turn.get("emotion", "")))
        except UnknownEmotionError as exc:
            problems.append(f"turn {number}: {exc}")
        if turn.get("quality", "excellent") not in QUALITIES:
            problems.append(f"turn {number} has unknown quality {turn['quality']!r}")
        if "tone" in turn and turn["tone"] not in TONE_PROSODY:
            problems.append(f"turn {number} has unknown tone {turn['tone']!r}")
    if problems:
        raise SystemExit(f"{source.name}: dialogue {dialogue_id}: " + "; ".join(problems))


def write_jsonl(path: Path, records: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="\n") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    raise SystemExit(main())
