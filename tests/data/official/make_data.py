"""Write the small bilingual test set and submission of the official-protocol reproduction test.

Run once to (re)write ``testset/`` and ``submission/`` beside this file (JSONL only); the T3 reply WAVs
are written by :func:`write_audio` where a test needs them (the published scripts never read audio
here: their audio loader is stood in, see README.md). Each evaluated reply carries a
``[[judge:KIND]]`` marker that tells ``scripted_judge.answer`` which canned answer to give.
"""

from __future__ import annotations

import json
import math
import struct
import wave
from pathlib import Path

HERE = Path(__file__).parent
EN = {"neutral": "I went to the market this morning.", "sad": "My old friend moved away and I miss her.",
      "anger": "They cancelled my order again without telling me!", "happy": "I finally passed the exam!",
      "fear": "I have to speak in front of everyone tomorrow."}
ZH = {"neutral": "我今天早上去了市场。", "sad": "我的老朋友搬走了，我很想她。", "anger": "他们又一次不告诉我就取消了订单！",
      "happy": "我终于通过考试了！", "fear": "明天我得在所有人面前讲话。"}
REPLY = {"en": "I hear you, that sounds like a lot to carry.", "zh": "我明白，这听起来真不容易。"}
QUESTION = {"T1": {"en": "How did my feelings change over our talk?", "zh": "我们聊天的过程中我的情绪是怎么变化的？"},
            "T2": {"en": "Why do I feel this way?", "zh": "我为什么会有这种感觉？"}}

# (dialogue id suffix, [(label, reply marker or None or "" for an empty reply), ...]); for T1/T2 the last
# turn is the evaluated one; for T3 the published rule picks the second turn whose raw label is not "neutral".
DIALOGUES: dict[tuple[str, str], list[tuple[str, list[tuple[str, str | None]]]]] = {
    ("en", "T1"): [
        ("int", [("neutral", None), ("", None), ("sad", "int")]),
        ("string", [("happy", None), ("sad", None), ("sad", "string")]),
        ("decimal", [("neutral", None), ("anger", None), ("sad", "decimal")]),
        ("missing", [("fear", None), ("neutral", None), ("happy", "missing")]),
        ("null", [("sad", None), ("anger", None), ("neutral", "null")]),
        ("prose", [("neutral", None), ("happy", None), ("sad", "prose")]),
        ("empty", [("anger", None), ("sad", None), ("neutral", "")]),
    ],
    ("zh", "T1"): [
        ("prose_json", [("neutral", None), ("sad", None), ("sad", "prose_json")]),
        ("cut_string", [("happy", None), ("sad", None), ("anger", "cut_string")]),
        ("cut_clean", [("neutral", None), ("fear", None), ("sad", "cut_clean")]),
        ("infinity", [("anger", None), ("sad", None), ("sad", "infinity")]),
        ("no_scores", [("neutral", None), ("happy", None), ("happy", "no_scores")]),
        ("fenced_prose", [("sad", None), ("neutral", None), ("sad", "fenced_prose")]),
        ("bool", [("neutral", None), ("anger", None), ("fear", "bool")]),
    ],
    ("en", "T2"): [
        ("offscale", [("neutral", None), ("sad", None), ("sad", "offscale")]),
        ("scores_null", [("happy", None), ("sad", None), ("sad", "scores_null")]),
        ("decimal", [("neutral", None), ("anger", None), ("anger", "decimal")]),
        ("string", [("fear", None), ("fear", None), ("sad", "string")]),
        ("cut_clean", [("sad", None), ("anger", None), ("sad", "cut_clean")]),
        ("prose_json", [("neutral", None), ("happy", None), ("sad", "prose_json")]),
        ("int", [("neutral", None), ("sad", None), ("anger", "int")]),
    ],
    ("zh", "T2"): [
        ("missing", [("neutral", None), ("sad", None), ("sad", "missing")]),
        ("null", [("happy", None), ("sad", None), ("sad", "null")]),
        ("no_scores", [("neutral", None), ("anger", None), ("anger", "no_scores")]),
        ("infinity", [("fear", None), ("fear", None), ("sad", "infinity")]),
        ("empty", [("sad", None), ("anger", None), ("sad", "")]),
        ("fenced_prose", [("neutral", None), ("happy", None), ("sad", "fenced_prose")]),
        ("offscale", [("neutral", None), ("sad", None), ("anger", "offscale")]),
    ],
    ("en", "T3"): [
        ("int", [("neutral", None), ("sad", None), ("anger", "int")]),
        ("decimal", [("sad", None), ("fear", "decimal"), ("neutral", None)]),
        ("string", [("neutral", None), ("happy", None), ("sad", "string")]),
        ("no_scores", [("anger", None), ("neutral", None), ("sad", "no_scores")]),
        ("infinity", [("neutral", None), ("fear", None), ("fear", "infinity")]),
        ("cut_clean", [("happy", None), ("sad", "cut_clean"), ("neutral", None)]),
        # 中性 is "neutral" in Chinese: the published rule compares raw labels with "neutral" and counts it.
        ("zhongxing", [("sad", None), ("中性", "bool"), ("happy", "offscale")]),
        # one emotional turn only: skipped by the published rule
        ("one_emotional", [("neutral", None), ("sad", "int"), ("neutral", None)]),
    ],
    ("zh", "T3"): [
        ("missing", [("neutral", None), ("sad", None), ("anger", "missing")]),
        ("null", [("sad", None), ("fear", "null"), ("neutral", None)]),
        ("prose", [("neutral", None), ("happy", None), ("sad", "prose")]),
        ("cut_string", [("anger", None), ("neutral", None), ("sad", "cut_string")]),
        ("empty", [("neutral", None), ("fear", None), ("fear", "")]),
        ("scores_null", [("happy", None), ("sad", "scores_null"), ("neutral", None)]),
        # "calm" normalises to neutral in humdial-eval, but is not the string "neutral"
        ("calm", [("sad", None), ("calm", "decimal"), ("happy", "int")]),
    ],
}


# Submitted lines written turn by turn, for what the published scripts read from the line itself (file order,
# ``input_text or text``, replies cut at their last ``assistant\n``, special tokens, whole long replies, a T3
# turn without ``response_text``, labels missing from the submission, a turn_id of 3.0). Each case:
# (suffix, gold turns [(turn_id, label)], submitted turns as dicts). A reply marker spelled with a special
# token inside (``[[judge:<|im_end|>int]]``) is a marker only to a reader that deletes the token.
LONG = "word " * 4500  # 22,500 characters: past the 20,000 the loader keeps of a reply


def _t(turn_id: object, label: str | None, reply: str | None, **more: object) -> dict[str, object]:
    turn: dict[str, object] = {"turn_id": turn_id}
    if label is not None:
        turn["emotion"] = label
    if reply is not None:
        turn["response_text"] = reply
    turn.update(more)
    return turn


RAW_CASES: dict[tuple[str, str], list[tuple[str, list[tuple[int, str]], list[dict[str, object]]]]] = {
    ("en", "T1"): [
        ("cut_anywhere", [(1, "neutral"), (2, "sad"), (3, "sad")],
         [_t(1, "neutral", "ok"), _t(2, "sad", "ok"), _t(3, "sad", "Well [[judge:offscale]] assistant\nFine.")]),
        ("special_tokens", [(1, "neutral"), (2, "sad"), (3, "happy")],
         [_t(1, "neutral", "ok"), _t(2, "sad", "ok<|im_end|>"), _t(3, "happy", "I hear you. [[judge:<|im_end|>int]]")]),
        ("input_text", [(1, "neutral"), (2, "anger"), (3, "sad")],
         [_t(1, "neutral", "ok", text="", input_text="hello [[judge:null]]"), _t(2, "anger", "ok"),
          _t(3, "sad", "", text="", input_text="Why? [[judge:string]]")]),
        ("file_order", [(1, "neutral"), (2, "anger"), (3, "sad")],
         [_t(1, "neutral", "[[judge:null]]"), _t(3, "sad", "[[judge:bool]]"), _t(2, "anger", "ok [[judge:decimal]]")]),
        ("long_reply", [(1, "neutral"), (2, "sad"), (3, "fear")],
         [_t(1, "neutral", "ok"), _t(2, "sad", "ok"), _t(3, "fear", LONG + "[[judge:int]]")]),
        ("turn_id_float", [(1, "neutral"), (2, "sad"), (3, "happy")],
         [_t(1, "neutral", "ok"), _t(2, "sad", "ok"), _t(3.0, "happy", "[[judge:string]]")]),
        ("bigint", [(1, "neutral"), (2, "sad"), (3, "sad")],
         [_t(1, "neutral", "ok"), _t(2, "sad", "ok"), _t(3, "sad", "[[judge:bigint]]")]),
        # no turn_id the loader accepts: the loader keeps no turn, the scripts read the line all the same
        ("all_ids_float", [(1, "neutral"), (2, "sad"), (3, "sad")],
         [_t(1.0, "neutral", "ok"), _t(2.5, "sad", "[[judge:int]]"), _t(None, "sad", "[[judge:decimal]]")]),
    ],
    ("zh", "T2"): [
        ("no_labels", [(1, "neutral"), (2, "sad"), (3, "anger")],
         [_t(1, None, "[[judge:null]]"), _t(2, None, "[[judge:bool]]"), _t(3, None, "")]),
        ("hugeint", [(1, "neutral"), (2, "sad"), (3, "sad")],
         [_t(1, "neutral", "ok"), _t(2, "sad", "ok"), _t(3, "sad", "[[judge:hugeint]]")]),
        ("unicode_digits", [(1, "neutral"), (2, "sad"), (3, "anger")],
         [_t(1, "neutral", "ok"), _t(2, "sad", "ok"), _t(3, "anger", "<|im_start|>assistant\n[[judge:unicode_digits]]")]),
        ("history_cut", [(1, "neutral"), (2, "sad"), (3, "anger")],
         [_t(1, "neutral", "ok"), _t(2, "sad", "A [[judge:int]] assistant\nB"), _t(3, "anger", "")]),
    ],
    ("en", "T3"): [
        ("no_response_key", [(1, "neutral"), (2, "sad"), (3, "anger")],
         [_t(1, "neutral", "ok [[judge:int]]"), _t(2, "sad", "ok"), _t(3, "anger", None)]),
        ("file_order", [(1, "anger"), (2, "neutral"), (3, "sad")],
         [_t(3, "sad", "[[judge:int]]"), _t(1, "anger", "[[judge:string]]"), _t(2, "neutral", "[[judge:decimal]]")]),
        ("special_tokens", [(1, "sad"), (2, "happy"), (3, "neutral")],
         [_t(1, "sad", "[[judge:missing]]"), _t(2, "happy", "ok [[judge:<|endoftext|>int]]"), _t(3, "neutral", "ok")]),
        ("input_text", [(1, "sad"), (2, "fear"), (3, "neutral")],
         [_t(1, "sad", "ok"), _t(2, "fear", "", text="", input_text="help [[judge:bool]]"), _t(3, "neutral", "ok")]),
        ("bigint", [(1, "sad"), (2, "fear"), (3, "neutral")],
         [_t(1, "sad", "ok"), _t(2, "fear", "[[judge:bigint]]"), _t(3, "neutral", "ok")]),
    ],
    ("zh", "T3"): [
        ("no_labels", [(1, "neutral"), (2, "neutral"), (3, "sad"), (4, "happy")],
         [_t(1, None, "ok"), _t(2, None, "[[judge:int]]"), _t(3, None, "ok"), _t(4, None, "[[judge:string]]")]),
        ("hugeint", [(1, "sad"), (2, "fear"), (3, "neutral")],
         [_t(1, "sad", "ok"), _t(2, "fear", "[[judge:hugeint]]"), _t(3, "neutral", "ok")]),
        ("unicode_digits", [(1, "sad"), (2, "fear"), (3, "neutral")],
         [_t(1, "sad", "ok"), _t(2, "fear", "x assistant\n[[judge:unicode_digits]] "), _t(3, "neutral", "ok")]),
        ("history_cut", [(1, "sad"), (2, "fear"), (3, "neutral")],
         [_t(1, "sad", "A [[judge:int]] assistant\nB"), _t(2, "fear", ""), _t(3, "neutral", "ok")]),
    ],
}


def dialogue_id(language: str, task: str, suffix: str) -> str:
    return f"{language}_{task.lower()}_{suffix}"


def build(language: str, task: str) -> tuple[list[dict], list[dict]]:
    """The test set lines and the submission lines of one file."""
    texts = EN if language == "en" else ZH
    gold_lines, submitted_lines = [], []
    for suffix, turns in DIALOGUES[(language, task)]:
        did = dialogue_id(language, task, suffix)
        gold_turns, submitted_turns = [], []
        for index, (label, marker) in enumerate(turns, start=1):
            base = label if label in texts else "neutral"
            text = texts[base]
            if task in QUESTION and index == len(turns):
                text = QUESTION[task][language]
            gold_turns.append({"turn_id": index, "text": text, "emotion": label})
            reply = "" if marker == "" else REPLY[language] + (f" [[judge:{marker}]]" if marker else "")
            turn = {"turn_id": index, "text": text, "emotion": label, "response_text": reply}
            if task == "T3":
                turn["response_audio"] = f"HD-Track1-T3/{did}_{index}_response.wav"
            submitted_turns.append(turn)
        gold_lines.append({"dialogue_id": did, "turns": gold_turns})
        submitted_lines.append({"dialogue_id": did, "turns": submitted_turns})
    for suffix, gold, submitted in RAW_CASES.get((language, task), []):
        did = dialogue_id(language, task, suffix)
        gold_turns = [{"turn_id": turn_id, "text": texts[label if label in texts else "neutral"], "emotion": label}
                      for turn_id, label in gold]
        gold_lines.append({"dialogue_id": did, "turns": gold_turns})
        turns = [{**turn, "response_audio": f"HD-Track1-T3/{did}_{_audio_id(turn, i)}_response.wav"}
                 if task == "T3" else turn for i, turn in enumerate(submitted)]
        submitted_lines.append({"dialogue_id": did, "turns": turns})
    return gold_lines, submitted_lines


def _audio_id(turn: dict[str, object], index: int) -> int:
    value = turn.get("turn_id")
    return int(value) if isinstance(value, (int, float)) else index + 1


def write_jsonl(root: Path = HERE) -> None:
    for (language, task) in DIALOGUES:
        gold, submitted = build(language, task)
        for folder, lines in ((root / "testset" / "HD-Track1-Test", gold), (root / "submission" / "HD-Track1", submitted)):
            path = folder / language / f"HD-Track1-{task}.jsonl"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines), encoding="utf-8")


# Lines Python's json.loads reads but the harness's reader refuses (a key twice, NaN): the scripts score them,
# the harness scores the dialogue the minimum under both protocols (docs/protocols.md). Written apart, in
# refused/, so that the main data's means stay comparable. (suffix, gold labels, the submitted line as text)
REFUSED_LINES: dict[tuple[str, str], list[tuple[str, list[str], str]]] = {
    ("en", "T1"): [
        ("dup_key", ["neutral", "sad", "sad"],
         '{"dialogue_id": "en_t1_dup_key", "turns": [{"turn_id": 1, "text": "a", "emotion": "neutral", '
         '"response_text": "ok"}, {"turn_id": 2, "text": "b", "emotion": "sad", "response_text": "ok"}, '
         '{"turn_id": 3, "text": "c", "emotion": "sad", "emotion": "happy", "response_text": "[[judge:int]]"}]}'),
        ("nan", ["neutral", "sad", "sad"],
         '{"dialogue_id": "en_t1_nan", "turns": [{"turn_id": 1, "text": "a", "emotion": "neutral", '
         '"response_text": "ok"}, {"turn_id": 2, "text": "b", "emotion": "sad", "response_text": "ok"}, '
         '{"turn_id": 3, "text": "c", "emotion": "sad", "confidence": NaN, "response_text": "[[judge:string]]"}]}'),
    ],
    ("en", "T3"): [
        ("dup_key", ["sad", "fear", "neutral"],
         '{"dialogue_id": "en_t3_dup_key", "dialogue_id": "en_t3_dup_key", "turns": [{"turn_id": 1, "text": "a", '
         '"emotion": "sad", "response_text": "ok"}, {"turn_id": 2, "text": "b", "emotion": "fear", '
         '"response_text": "[[judge:int]]", "response_audio": "HD-Track1-T3/en_t3_dup_key_2_response.wav"}, '
         '{"turn_id": 3, "text": "c", "emotion": "neutral", "response_text": "ok"}]}'),
    ],
}


def write_refused(root: Path = HERE / "refused") -> None:
    """The refused/ test set and submission (one file per (language, task) of REFUSED_LINES)."""
    for (language, task), cases in REFUSED_LINES.items():
        gold = [{"dialogue_id": dialogue_id(language, task, suffix),
                 "turns": [{"turn_id": i, "text": t, "emotion": label} for i, (t, label) in enumerate(zip("abc", labels), 1)]}
                for suffix, labels, _ in cases]
        for folder, lines in ((root / "testset" / "HD-Track1-Test", [json.dumps(g) for g in gold]),
                              (root / "submission" / "HD-Track1", [line for _, _, line in cases])):
            path = folder / language / f"HD-Track1-{task}.jsonl"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")


def write_audio(submission_root: Path, seconds: float = 2.5, rate: int = 16000) -> None:
    """A quiet 220 Hz tone as every T3 reply's WAV (the judge is scripted; the audio only has to be valid)."""
    for language in ("en", "zh"):
        folder = submission_root / language / "HD-Track1-T3"
        folder.mkdir(parents=True, exist_ok=True)
        frames = b"".join(
            struct.pack("<h", int(3000 * math.sin(2 * math.pi * 220 * n / rate))) for n in range(int(seconds * rate))
        )
        names = [(dialogue_id(language, "T3", suffix), len(turns)) for suffix, turns in DIALOGUES[(language, "T3")]]
        names += [(dialogue_id(language, "T3", suffix), len(turns)) for suffix, _, turns in RAW_CASES.get((language, "T3"), [])]
        names += [(dialogue_id(language, "T3", suffix), len(labels))
                  for suffix, labels, _ in REFUSED_LINES.get((language, "T3"), [])]
        for did, count in names:
            for index in range(1, count + 1):
                with wave.open(str(folder / f"{did}_{index}_response.wav"), "wb") as w:
                    w.setnchannels(1)
                    w.setsampwidth(2)
                    w.setframerate(rate)
                    w.writeframes(frames)


if __name__ == "__main__":
    write_jsonl()
    write_refused()
