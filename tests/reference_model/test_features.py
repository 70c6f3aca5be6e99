from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile

from humdial_eval.reference_model.config import FeatureConfig
from humdial_eval.reference_model.features import LogMel, load_audio, make_extractor


def test_log_mel_frames_and_loudness_is_kept() -> None:
    extractor = LogMel(FeatureConfig(n_mels=16, hop_length=160))
    t = np.arange(16000) / 16000
    loud = extractor((0.8 * np.sin(2 * np.pi * 300 * t)).astype(np.float32))
    quiet = extractor((0.1 * np.sin(2 * np.pi * 300 * t)).astype(np.float32))
    assert loud.shape == (101, 16) and loud.dtype == np.float32
    assert loud.max() > quiet.max() + 0.6  # ln(8^2)/6: no per-utterance normalisation


def test_audio_is_read_as_16_khz_mono_and_cut(tmp_path: Path) -> None:
    path = tmp_path / "stereo.wav"
    soundfile.write(path, np.zeros((44100, 2), dtype=np.float32), 44100)
    samples = load_audio(path, max_seconds=0.5)
    assert samples.shape == (8000,) and samples.dtype == np.float32


def test_emotion2vec_frame_features_from_a_local_model_folder(tmp_path: Path) -> None:
    from tests.judges.acoustic.tiny_models import build_emotion2vec

    folder = build_emotion2vec(tmp_path / "e2v")
    extractor = make_extractor(FeatureConfig(kind="emotion2vec", emotion2vec_dir=str(folder)))
    frames = extractor(np.random.default_rng(0).normal(0, 0.1, 32000).astype(np.float32))
    assert extractor.dim == 32 and frames.shape[1] == 32
    assert 80 <= frames.shape[0] <= 110  # about 50 frames a second


def test_emotion2vec_features_keep_the_training_thread_count(tmp_path: Path) -> None:
    """FunASR sets torch to its own ``ncpu`` (4 unless told) on load and before every call; training sets
    ``train.num_threads`` before it prepares features, and that count must hold."""
    import torch

    from tests.judges.acoustic.tiny_models import build_emotion2vec

    folder = build_emotion2vec(tmp_path / "e2v")
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        extractor = make_extractor(FeatureConfig(kind="emotion2vec", emotion2vec_dir=str(folder)))
        extractor(np.zeros(16000, dtype=np.float32))
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)
