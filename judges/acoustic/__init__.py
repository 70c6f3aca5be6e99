"""Acoustic judges: emotion2vec (vocal emotion), prosody (timing, pitch, energy, quality) and
asr-consistency (does the audio say the response text), registered as ``humdial_eval.judges`` entry
points. They report measures beside the rubric dimensions and score a dimension only when a profile
opts in with ``score_dimensions: true``."""

from __future__ import annotations

from humdial_eval.judges.acoustic.consistency_judge import AsrConsistencyJudge
from humdial_eval.judges.acoustic.emotion_judge import Emotion2vecJudge
from humdial_eval.judges.acoustic.prosody_judge import ProsodyJudge

__all__ = ["AsrConsistencyJudge", "Emotion2vecJudge", "ProsodyJudge"]
