"""The padded batch forward of emotion2vec gives FunASR's one-at-a-time numbers, on tiny random models
loaded through the real ``funasr.AutoModel``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from humdial_eval.judges.acoustic.emotion2vec import Emotion2vecSpec, load_automodel
from humdial_eval.judges.acoustic.emotion2vec_batch import (
    BatchLimits,
    check_batching,
    forward_batch,
    plan_batches,
    supports_batching,
)
from humdial_eval.judges.acoustic.pool import Job, inference_only
from tests.judges.acoustic.signals import EXAMPLE_SPEECH, glide, tone, write_wav
from tests.judges.acoustic.tiny_models import build_emotion2vec

# A deeper model than the shared fixture: three stacked positional convolutions (the base model has
# five), a pre-net block and two blocks, so that padding leaking through the positional encoder or the
# attention would show.
DEEP = dict(conv_pos_depth=3, conv_pos_width=15, prenet_depth=1)


@pytest.fixture(scope="module")
def deep_model(tmp_path_factory: pytest.TempPathFactory) -> object:
    folder = build_emotion2vec(tmp_path_factory.mktemp("e2v-deep") / "deep", seed=3, depth=2, audio=DEEP)
    return load_automodel(str(folder))


def signals() -> list[np.ndarray]:
    rng = np.random.default_rng(7)
    noise = [(0.2 * rng.standard_normal(n)).astype(np.float32) for n in (4800, 11_999, 20_001)]
    return [tone(220, 1.3), glide(120, 300, 0.55), *noise, tone(440, 2.1, 0.1)]


def one_at_a_time(automodel: object, signal: np.ndarray) -> dict:
    (result,) = automodel.generate(input=[signal], granularity="utterance", extract_embedding=True,  # type: ignore[attr-defined]
                                   batch_size=1, fs=16000)
    return result


@pytest.mark.parametrize("which", ["deep", "shared"])
def test_padded_batch_equals_funasr_one_at_a_time(which: str, deep_model: object, emotion2vec_dir: Path) -> None:
    automodel = deep_model if which == "deep" else load_automodel(str(emotion2vec_dir))
    batch = signals()
    with inference_only():
        batched = forward_batch(automodel, batch)
        single = [one_at_a_time(automodel, s) for s in batch]
    for got, want in zip(batched, single):
        assert got["labels"] == want["labels"]
        np.testing.assert_allclose(got["scores"], want["scores"], atol=1e-5, rtol=0)
        np.testing.assert_allclose(got["feats"], np.asarray(want["feats"]).reshape(-1), atol=1e-5, rtol=1e-5)
        assert sum(got["scores"]) == pytest.approx(1.0, abs=1e-5)


def test_without_the_positional_mask_padding_would_leak(deep_model: object, monkeypatch: pytest.MonkeyPatch) -> None:
    """The control: FunASR's own padded forward (no zeroing in the positional encoder) changes the
    padded recording's numbers, so the test above can tell a correct mask from a missing one."""
    import humdial_eval.judges.acoustic.emotion2vec_batch as batch_module

    class Unmasked:
        def __init__(self, encoder: object, sample_padding: object) -> None: ...
        def __enter__(self) -> None: ...
        def __exit__(self, *exc: object) -> None: ...

    short, long = tone(220, 0.5), tone(330, 2.0)
    with inference_only():
        want = one_at_a_time(deep_model, short)
        monkeypatch.setattr(batch_module, "_masked_positional_encoder", Unmasked)
        leaked = forward_batch(deep_model, [long, short])[1]
    assert not np.allclose(leaked["feats"], np.asarray(want["feats"]).reshape(-1), atol=1e-5, rtol=1e-5)
    assert not check_batching(deep_model)  # the start-up check catches it too


def test_the_model_is_left_as_it_was(deep_model: object) -> None:
    encoder = deep_model.model.modality_encoders["AUDIO"]  # type: ignore[attr-defined]
    positional = encoder.relative_positional_encoder
    with inference_only():
        forward_batch(deep_model, signals())
    assert encoder.relative_positional_encoder is positional
    assert dict(encoder.named_children())["relative_positional_encoder"] is positional


def test_start_up_check_and_structures_it_refuses(deep_model: object, emotion2vec_dir: Path) -> None:
    with inference_only():
        assert check_batching(deep_model)
        assert check_batching(load_automodel(str(emotion2vec_dir)))

    class Odd:
        model = object()

    assert not supports_batching(Odd())


def test_analyser_outcomes_are_the_same_batched_or_not(tmp_path: Path, emotion2vec_dir: Path) -> None:
    folder = build_emotion2vec(tmp_path / "deep", seed=5, depth=2, audio=DEEP)
    files = [write_wav(tmp_path / f"{i}.wav", s) for i, s in enumerate(signals())]
    jobs = [Job(f"k{i}", f, "en", user_audio=files[-1 - i]) for i, f in enumerate(files)]
    jobs.append(Job("speech", EXAMPLE_SPEECH, "en", user_audio=files[0]))
    outcomes = {}
    for seconds in (0.0, 60.0, 2.0):  # FunASR one at a time; batched; a small cap (several passes)
        analyser = Emotion2vecSpec(model=str(folder), max_seconds=300, max_batch_seconds=seconds).build()
        assert (analyser.limits is not None) == (seconds > 0)
        with inference_only():
            outcomes[seconds] = analyser.analyse(jobs)
    for seconds in (60.0, 2.0):
        for got, want in zip(outcomes[seconds], outcomes[0.0]):
            assert got.error is None and want.error is None
            assert got.meta["model_label"] == want.meta["model_label"]
            for label, p in want.meta["emotion_distribution"].items():
                assert got.meta["emotion_distribution"][label] == pytest.approx(p, abs=2e-6)
            assert got.measures["user_similarity"] == pytest.approx(want.measures["user_similarity"], abs=2e-6)


@pytest.mark.parametrize("seed", range(5))
def test_plan_keeps_every_recording_once_within_the_limits(seed: int) -> None:
    rng = np.random.default_rng(seed)
    lengths = [int(x) for x in rng.integers(1600, 16000 * 12, size=int(rng.integers(1, 40)))]
    limits = BatchLimits(max_batch_seconds=20.0, max_padding=0.25)
    batches = plan_batches(lengths, limits)
    assert sorted(i for b in batches for i in b) == list(range(len(lengths)))
    for batch in batches:
        longest = max(lengths[i] for i in batch)
        padded = longest * len(batch)
        if len(batch) > 1:
            assert padded <= 20.0 * 16000
            assert padded - sum(lengths[i] for i in batch) <= 0.25 * padded


def test_plan_groups_similar_lengths_and_runs_long_ones_alone() -> None:
    second = 16000
    lengths = [3 * second, 30 * second, 3 * second, 80 * second, int(2.9 * second)]
    batches = plan_batches(lengths, BatchLimits(max_batch_seconds=60.0))
    assert [3] in batches and [1] in batches  # 80 s is over the cap; 30 s with any 3 s file is mostly padding
    assert sorted(next(b for b in batches if 0 in b)) == [0, 2, 4]
