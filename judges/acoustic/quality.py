"""The D3 approximation: an audio-quality score on 1..5 from prosody measures (opt-in only).

A transparent rule, not a model of the human raters: start at 5 and take points off for what makes
speech hard to listen to. It exists so that a fully offline run can fill D3 *when a profile asks for it*
(``score_dimensions: true``); the default profiles report the measures and leave D3 to a judge that
hears the audio. Thresholds are settings so they can be tuned against human ratings.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class QualityRule:
    min_speech_s: float = 0.3
    clip_warn: float = 0.001
    clip_bad: float = 0.01
    snr_warn_db: float = 20.0
    snr_bad_db: float = 10.0
    max_pause_s: float = 2.0
    min_speech_ratio: float = 0.5
    rate_range_sps: tuple[float, float] = (1.5, 8.0)
    min_f0_std_st: float = 1.0
    max_edge_silence_s: float = 2.0


def quality_score(measures: dict[str, float], rule: QualityRule = QualityRule()) -> tuple[float, list[str]]:
    """(score on 1..5, the reasons points were taken off)."""
    if measures.get("speech_s", 0.0) < rule.min_speech_s:
        return 1.0, [f"almost no speech ({measures.get('speech_s', 0.0):.2f} s)"]
    score = 5.0
    reasons: list[str] = []

    def take(points: float, reason: str) -> None:
        nonlocal score
        score -= points
        reasons.append(f"-{points:g} {reason}")

    clipped = measures.get("clipped_fraction", 0.0)
    if clipped >= rule.clip_bad:
        take(2, f"heavy clipping ({clipped:.2%} of samples)")
    elif clipped >= rule.clip_warn:
        take(1, f"clipping ({clipped:.2%} of samples)")
    snr = measures.get("snr_db", 100.0)
    if snr < rule.snr_bad_db:
        take(2, f"noisy (estimated SNR {snr:.0f} dB)")
    elif snr < rule.snr_warn_db:
        take(1, f"some noise (estimated SNR {snr:.0f} dB)")
    if measures.get("longest_pause_s", 0.0) > rule.max_pause_s:
        take(1, f"long pause ({measures['longest_pause_s']:.1f} s)")
    if measures.get("speech_ratio", 1.0) < rule.min_speech_ratio:
        take(1, f"mostly non-speech (speech ratio {measures['speech_ratio']:.2f})")
    rate = measures.get("speaking_rate_sps")
    low, high = rule.rate_range_sps
    if rate is not None and not low <= rate <= high:
        take(1, f"speaking rate {rate:.1f} syllables/s outside {low:g}..{high:g}")
    spread = measures.get("f0_std_st")
    if spread is not None and spread < rule.min_f0_std_st:
        take(1, f"monotone (pitch spread {spread:.2f} semitones)")
    edges = max(measures.get("leading_silence_s", 0.0), measures.get("trailing_silence_s", 0.0))
    if edges > rule.max_edge_silence_s:
        take(0.5, f"{edges:.1f} s of silence at an edge")
    return max(1.0, score), reasons
