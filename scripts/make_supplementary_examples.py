"""Regenerate the T4/T5 (supplementary tasks) part of the sample test set and submission under ``examples/``.

Run by hand from the repository root::

    .venv/bin/python scripts/make_supplementary_examples.py

Writes ``HD-Track1-T4.jsonl`` / ``HD-Track1-T5.jsonl`` (+ audio) for zh and en into
``examples/testset/HD-Track1-Test/`` and ``examples/submission/HD-Track1/``, and touches nothing else.
T4: the user's final turn is spoken with the gold emotion; in half of the dialogues the words suggest
another one (``text_emotion``), the conflicting-modalities case. The sample system answers with
``predicted_emotion`` (one answer per language is wrong, one names the emotion only in its text).
T5: the user asks for a sentence in a given emotion (``target_emotion``); the sample system speaks it
with espeak-ng prosody chosen for that emotion. Needs ``espeak-ng``, ``librosa`` and ``soundfile``.
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import librosa
import numpy as np
import soundfile as sf

REPO = Path(__file__).resolve().parent.parent
TESTSET = REPO / "examples" / "testset" / "HD-Track1-Test"
SUBMISSION = REPO / "examples" / "submission" / "HD-Track1"
RATE = 16_000
VOICES = {"en": "en", "zh": "cmn-latn-pinyin"}
# espeak-ng pitch (-p), speed (-s, words/min), amplitude (-a) per emotion: as much as espeak can carry.
PROSODY = {
    "neutral": (50, 165, 100), "happy": (72, 190, 140), "sad": (28, 120, 70), "anger": (42, 205, 190),
    "fear": (78, 215, 90), "surprise": (88, 180, 150), "disgust": (32, 140, 110),
}

# (dialogue id, earlier turns [(text, emotion)], final text, gold emotion, text_emotion, answer)
# answer: ("field", label) -> predicted_emotion; ("text", reply) -> the emotion named only in the reply.
T4 = {
    "en": [
        ("en_t4_001", [("I finally finished the report.", "neutral")], "And my manager loved it, she said it was the best one this year!",
         "happy", "happy", ("field", "happy")),
        ("en_t4_002", [("The train was cancelled again.", "neutral")], "Great. Just great. Another hour on this platform.",
         "anger", "happy", ("field", "anger")),
        ("en_t4_003", [("My sister moved abroad last week.", "neutral")], "It's fine, really. The house is just very quiet now.",
         "sad", "neutral", ("field", "neutral")),
        ("en_t4_004", [("I opened the fridge this morning.", "neutral")], "Something in there has been rotting for weeks, it smells awful.",
         "disgust", "disgust", ("text", "You sound disgusted, and no wonder: that smell must be awful.")),
    ],
    "zh": [
        ("zh_t4_001", [("我今天去面试了。", "neutral")], "他们当场就说要录用我，太开心了！", "happy", "happy", ("field", "开心")),
        ("zh_t4_002", [("快递又送错了地方。", "neutral")], "好啊，真是太好了，又得我自己跑一趟。", "anger", "happy", ("field", "生气")),
        ("zh_t4_003", [("我的猫昨天走丢了。", "neutral")], "没事的，我没事，就是家里有点安静。", "sad", "neutral", ("field", "neutral")),
        ("zh_t4_004", [("我晚上一个人走回家。", "neutral")], "后面好像一直有人跟着我。", "fear", "fear",
         ("text", "听起来你很害怕，先去人多明亮的地方，给家人打个电话。")),
    ],
}

# (dialogue id, request, target emotion, spoken sentence, emotion the sample system actually uses)
T5 = {
    "en": [
        ("en_t5_001", "Please say 'We won the match' in a happy voice.", "happy", "We won the match!", "happy"),
        ("en_t5_002", "Say 'I lost my keys again' sadly.", "sad", "I lost my keys again.", "sad"),
        ("en_t5_003", "Say 'Who moved my chair' as if you were angry.", "anger", "Who moved my chair?", "anger"),
        ("en_t5_004", "Say 'There is someone at the window' in a frightened voice.", "fear",
         "There is someone at the window.", "neutral"),
    ],
    "zh": [
        ("zh_t5_001", "请用开心的语气说：我们赢了比赛。", "happy", "我们赢了比赛！", "happy"),
        ("zh_t5_002", "请用难过的语气说：我又把钥匙弄丢了。", "sad", "我又把钥匙弄丢了。", "sad"),
        ("zh_t5_003", "请用生气的语气说：谁动了我的椅子？", "anger", "谁动了我的椅子？", "anger"),
        ("zh_t5_004", "请用惊讶的语气说：你居然自己做完了！", "surprise", "你居然自己做完了！", "neutral"),
    ],
}


def main() -> int:
    if shutil.which("espeak-ng") is None:
        print("espeak-ng is not on PATH; install it (apt-get install espeak-ng) and run again", file=sys.stderr)
        return 1
    for language in ("en", "zh"):
        write_t4(language)
        write_t5(language)
    print(f"wrote T4/T5 examples under {TESTSET.relative_to(REPO)} and {SUBMISSION.relative_to(REPO)}")
    return 0


def write_t4(language: str) -> None:
    gold_lines, answer_lines = [], []
    for dialogue_id, earlier, final, emotion, text_emotion, (kind, answer) in T4[language]:
        turns = [*earlier, (final, emotion)]
        gold_turns, answer_turns = [], []
        for turn_id, (text, turn_emotion) in enumerate(turns, start=1):
            audio = f"HD-Track1-T4/{dialogue_id}_{turn_id}.wav"
            speak(text, language, turn_emotion, TESTSET / language / audio)
            gold = {"turn_id": turn_id, "text": text, "emotion": turn_emotion, "split_audio_file": audio}
            reply = {**gold, "response_text": "I see. Tell me more." if language == "en" else "嗯，我在听，你慢慢说。"}
            if turn_id == len(turns):
                gold["text_emotion"] = text_emotion
                if kind == "field":
                    reply["predicted_emotion"] = answer
                    reply["response_text"] = ("I hear you." if language == "en" else "我听到了。")
                else:
                    reply["response_text"] = answer
            gold_turns.append(gold)
            answer_turns.append(reply)
        gold_lines.append({"dialogue_id": dialogue_id, "turns": gold_turns})
        answer_lines.append({"dialogue_id": dialogue_id, "turns": answer_turns})
    write_jsonl(TESTSET / language / "HD-Track1-T4.jsonl", gold_lines)
    write_jsonl(SUBMISSION / language / "HD-Track1-T4.jsonl", answer_lines)


def write_t5(language: str) -> None:
    gold_lines, answer_lines = [], []
    for dialogue_id, request, target, sentence, spoken_as in T5[language]:
        audio = f"HD-Track1-T5/{dialogue_id}_1.wav"
        speak(request, language, "neutral", TESTSET / language / audio)
        gold = {"turn_id": 1, "text": request, "emotion": "neutral", "split_audio_file": audio, "target_emotion": target}
        response = f"HD-Track1-T5/{dialogue_id}_1_response.wav"
        speak(sentence, language, spoken_as, SUBMISSION / language / response, system=True)
        gold_lines.append({"dialogue_id": dialogue_id, "turns": [gold]})
        answer_lines.append({"dialogue_id": dialogue_id, "turns": [
            {**gold, "response_text": sentence, "response_audio": response}]})
    write_jsonl(TESTSET / language / "HD-Track1-T5.jsonl", gold_lines)
    write_jsonl(SUBMISSION / language / "HD-Track1-T5.jsonl", answer_lines)


def speak(text: str, language: str, emotion: str, path: Path, system: bool = False) -> None:
    """espeak-ng with the emotion's prosody, stored as 16 kHz mono PCM_16 with 50 ms of silence at each edge."""
    pitch, speed, amplitude = PROSODY[emotion]
    voice = VOICES[language] + ("+m3" if system else "+f2")
    wav = subprocess.run(
        ["espeak-ng", "-v", voice, "-p", str(pitch), "-s", str(speed), "-a", str(amplitude), "--stdout", text],
        check=True, capture_output=True,
    ).stdout
    samples, rate = sf.read(io.BytesIO(wav), dtype="float32")
    samples = librosa.resample(samples, orig_sr=rate, target_sr=RATE)
    samples, _ = librosa.effects.trim(samples, top_db=50)
    pad = np.zeros(int(0.05 * RATE), dtype=np.float32)
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, np.concatenate([pad, samples, pad]), RATE, subtype="PCM_16")


def write_jsonl(path: Path, lines: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines), encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
