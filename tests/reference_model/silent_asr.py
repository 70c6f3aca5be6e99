"""A transcriber plug-in for the tests: it hears nothing in any reply."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


class SilentTranscriber:
    def transcribe(self, signals: Sequence[np.ndarray], language: str) -> list[str]:
        return ["" for _ in signals]


def make_transcriber() -> SilentTranscriber:
    return SilentTranscriber()
