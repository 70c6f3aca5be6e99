"""Where speech is: silero-vad, which ships its own model, on 16 kHz float32 samples."""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np

from humdial_eval.judges.acoustic.audio import SAMPLE_RATE


@cache
def _model() -> Any:
    from silero_vad import load_silero_vad

    return load_silero_vad()


def speech_segments(samples: np.ndarray, *, min_silence_ms: int = 100) -> list[tuple[float, float]]:
    """Speech segments as (start, end) seconds. ``min_silence_ms`` is the shortest gap that splits two
    segments: short enough to see the pauses the prosody measures count."""
    import torch
    from silero_vad import get_speech_timestamps

    if len(samples) < 512:
        return []
    stamps = get_speech_timestamps(
        torch.from_numpy(np.ascontiguousarray(samples, dtype=np.float32)),
        _model(),
        sampling_rate=SAMPLE_RATE,
        min_silence_duration_ms=min_silence_ms,
        return_seconds=False,
    )
    return [(stamp["start"] / SAMPLE_RATE, stamp["end"] / SAMPLE_RATE) for stamp in stamps]
