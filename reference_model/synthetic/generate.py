"""Write a synthetic bilingual HumDial-style data set: a training split and a held-out test split.

Both splits use the official test-set layout (``{zh,en}/HD-Track1-T{n}.jsonl`` with the user audio in
``HD-Track1-T{n}/{dialogue_id}_{turn_id}.wav``), so the same loader reads training data, the held-out
split and the real test set, and the held-out split can be scored like a real test set.
"""

from __future__ import annotations

import json
import random
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import soundfile

from humdial_eval.inputs import layout
from humdial_eval.reference_model.synthetic.scripts import draw_dialogue
from humdial_eval.reference_model.synthetic.voice import SAMPLE_RATE, Speaker, Style, Voice

TASKS = ("T1", "T2", "T3")
SPLITS = ("train", "test")


@dataclass
class GenerationSummary:
    root: Path
    dialogues: dict[str, int] = field(default_factory=dict)  # split -> count
    turns: dict[str, int] = field(default_factory=dict)
    audio_seconds: float = 0.0
    written: int = 0  # training turns whose cause and reply an LLM wrote (--writer)
    asked: int = 0


def generate_dataset(
    out: Path,
    voice: Voice,
    *,
    train_dialogues: int = 40,
    test_dialogues: int = 8,
    languages: tuple[str, ...] = layout.LANGUAGES,
    tasks: tuple[str, ...] = TASKS,
    seed: int = 0,
    writer: Any = None,
) -> GenerationSummary:
    """``train_dialogues`` / ``test_dialogues`` are per task and language. With a ``writer``
    (:class:`reference_model.writer.ProfileWriter`), the training split's turns also get the cause and
    reply an LLM wrote for them."""
    summary = GenerationSummary(root=out)
    for split, count in (("train", train_dialogues), ("test", test_dialogues)):
        summary.dialogues[split] = 0
        summary.turns[split] = 0
        for language in languages:
            for task in tasks:
                # One stream per (split, language, task): adding a language never changes the others.
                stream = f"{seed}:{split}:{language}:{task}"
                text_rng = random.Random(stream)
                audio_rng = np.random.default_rng(hash_stream(stream))
                lines = []
                for index in range(count):
                    dialogue_id = f"{language}_{task.lower()}_{split}_{index:04d}"
                    script = draw_dialogue(language, task, text_rng)
                    speaker = Speaker.draw(audio_rng)
                    turns = []
                    for turn_id, turn in enumerate(script, start=1):
                        style = Style.draw(audio_rng)
                        audio = voice.synthesize(turn.text, language, turn.emotion, speaker, audio_rng, style)
                        name = layout.user_audio_name(dialogue_id, turn_id)
                        folder = layout.audio_dir(out / split, language, task)
                        folder.mkdir(parents=True, exist_ok=True)
                        soundfile.write(folder / name, audio, SAMPLE_RATE, subtype="PCM_16")
                        summary.audio_seconds += len(audio) / SAMPLE_RATE
                        turns.append(
                            {
                                "turn_id": turn_id,
                                "text": turn.text,
                                "emotion": turn.emotion,
                                "split_audio_file": f"{folder.name}/{name}",
                                # The voice's known settings: what stage 1 learns to hear (see attributes.py).
                                "speaker": speaker.name, "gender": speaker.gender, "age_range": speaker.age,
                                "speaking_rate": style.rate, "pitch_level": style.pitch, "energy": style.energy,
                            }
                        )
                    lines.append({"dialogue_id": dialogue_id, "turns": turns})
                    summary.dialogues[split] += 1
                    summary.turns[split] += len(turns)
                if writer is not None and split == "train" and lines:
                    from humdial_eval.reference_model.writer import attach

                    summary.written += attach(lines, language, task, writer)
                    summary.asked += sum(len(record["turns"]) for record in lines)
                path = layout.task_file(out / split, language, task)
                path.parent.mkdir(parents=True, exist_ok=True)
                text = "\n".join(json.dumps(record, ensure_ascii=False) for record in lines)
                path.write_text(text + ("\n" if lines else ""), encoding="utf-8")
    return summary


def hash_stream(text: str) -> int:
    """A hash that is the same in every process (Python's ``hash`` of a str is salted)."""
    return zlib.crc32(text.encode("utf-8"))
