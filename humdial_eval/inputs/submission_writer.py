"""Writing a submission in the official layout, for any system that produces responses.

``HD-Track1/{zh,en}/HD-Track1-T{n}.jsonl`` gets one line per dialogue, each turn carrying the test
set's fields plus ``response_text`` (and ``response_audio`` where a response was spoken); the audio
goes to ``HD-Track1-T{n}/{dialogue_id}_{turn_id}_response.wav`` as 16 kHz mono 16-bit PCM, whatever
rate and channel layout the system produced. What this writes, ``humdial-eval validate`` accepts.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from math import gcd
from pathlib import Path
from types import TracebackType

import numpy as np
import soundfile

from humdial_eval.inputs import layout
from humdial_eval.benchmark.dialogue import Dialogue

SAMPLE_RATE = 16000


@dataclass(frozen=True)
class Response:
    """A system's answer to one user turn; ``audio`` is float samples in [-1, 1], mono or [samples, channels]."""

    turn_id: int
    text: str
    audio: np.ndarray | None = None
    sample_rate: int = SAMPLE_RATE


class SubmissionExistsError(FileExistsError):
    """The target already holds a submission file and overwriting was not asked for."""


class SubmissionWriter:
    """Collects dialogues with their responses and writes the files; use as a context manager.

    ``out`` is the ``HD-Track1`` folder itself or a folder to create it in. Audio is written as each
    dialogue is added; the JSONL files when the writer closes, dialogues in the order they were added.
    """

    def __init__(self, out: Path, *, overwrite: bool = False) -> None:
        self.root = out if out.name == layout.SUBMISSION_FOLDER else out / layout.SUBMISSION_FOLDER
        self.overwrite = overwrite
        self._lines: dict[tuple[str, str], list[str]] = {}

    def __enter__(self) -> "SubmissionWriter":
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if kind is None:
            self.close()

    def add(self, dialogue: Dialogue, responses: Iterable[Response]) -> None:
        key = (dialogue.language, dialogue.task)
        if key not in self._lines:
            self._start_file(*key)
        by_turn = {r.turn_id: r for r in responses}
        unknown = sorted(set(by_turn) - {t.turn_id for t in dialogue.turns})
        if unknown:
            raise ValueError(f"dialogue {dialogue.dialogue_id}: responses for turns {unknown} it does not have")
        turns = []
        for turn in dialogue.turns:
            record: dict[str, object] = {"turn_id": turn.turn_id, "text": turn.text}
            if turn.emotion is not None:
                record["emotion"] = turn.emotion
            record["split_audio_file"] = f"HD-Track1-{dialogue.task}/{layout.user_audio_name(dialogue.dialogue_id, turn.turn_id)}"
            response = by_turn.get(turn.turn_id)
            record["response_text"] = response.text if response else ""
            if response is not None and response.audio is not None:
                path = layout.response_audio_path(self.root, dialogue.language, dialogue.task, dialogue.dialogue_id, turn.turn_id)
                write_wav(path, response.audio, response.sample_rate)
                record["response_audio"] = f"{path.parent.name}/{path.name}"
            turns.append(record)
        self._lines[key].append(json.dumps({"dialogue_id": dialogue.dialogue_id, "turns": turns}, ensure_ascii=False))

    def close(self) -> Path:
        for (language, task), lines in sorted(self._lines.items()):
            path = layout.task_file(self.root, language, task)
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_suffix(".jsonl.partial")
            partial.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
            partial.replace(path)
        return self.root

    def _start_file(self, language: str, task: str) -> None:
        path = layout.task_file(self.root, language, task)
        audio = layout.audio_dir(self.root, language, task)
        if path.exists() or (audio.is_dir() and any(audio.glob("*_response.wav"))):
            if not self.overwrite:
                raise SubmissionExistsError(f"{path} already exists; choose another folder or allow overwriting")
            path.unlink(missing_ok=True)
            for old in audio.glob("*_response.wav"):
                old.unlink()
        self._lines[(language, task)] = []


def write_wav(path: Path, audio: np.ndarray, sample_rate: int) -> None:
    """16 kHz mono PCM_16: channels are averaged, other rates resampled (polyphase), peaks clipped."""
    samples = np.asarray(audio, dtype=np.float64)
    if samples.ndim == 2:
        samples = samples.mean(axis=1)
    if samples.ndim != 1:
        raise ValueError(f"{path.name}: audio must be 1-D or [samples, channels], got shape {samples.shape}")
    if not np.all(np.isfinite(samples)):
        raise ValueError(f"{path.name}: audio holds NaN or infinite samples")
    if sample_rate != SAMPLE_RATE:
        from scipy.signal import resample_poly

        common = gcd(int(sample_rate), SAMPLE_RATE)
        samples = resample_poly(samples, SAMPLE_RATE // common, int(sample_rate) // common)
    path.parent.mkdir(parents=True, exist_ok=True)
    soundfile.write(str(path), np.clip(samples, -1.0, 1.0), SAMPLE_RATE, subtype="PCM_16")
