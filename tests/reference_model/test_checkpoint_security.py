"""Checkpoints are untrusted input: a crafted file is refused with a clear error before it can run code.

Every hostile file here carries a payload that, if unpickled, would write a marker file; each test
proves the marker is never written and that the command names the file (exit 1, no traceback).
"""

from __future__ import annotations

import pickle
import random
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

from humdial_eval.cli.main import main
from humdial_eval.reference_model import checkpoint as ckpt
from humdial_eval.reference_model.checkpoint import CheckpointError, load_bundle
from humdial_eval.reference_model.meter import ConsistencyMeter, MeterError
from humdial_eval.reference_model.training import STATE_FILE


class WritesAFile:
    """Unpickling this calls ``Path.write_text(marker, "pwned")``."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[object, ...]]:
        return (Path.write_text, (self.marker, "pwned"))


def _hostile_torch_file(path: Path, marker: Path) -> None:
    torch.save({"weight": WritesAFile(marker)}, path)


def _hostile_raw_pickle(path: Path, marker: Path) -> None:
    path.write_bytes(pickle.dumps({"weight": WritesAFile(marker)}))


def _copy_bundle(trained: Path, tmp_path: Path) -> Path:
    bundle = tmp_path / "bundle"
    shutil.copytree(trained, bundle, ignore=shutil.ignore_patterns("prepared", "state", "stage1", "metrics.jsonl"))
    return bundle


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_the_payload_works_when_unpickled(tmp_path: Path) -> None:
    """The hostile files are real: an unrestricted load runs the payload (so the tests below can fail)."""
    marker = tmp_path / "marker"
    _hostile_torch_file(tmp_path / "model.pt", marker)
    torch.load(tmp_path / "model.pt", weights_only=False)
    assert marker.read_text() == "pwned"


@pytest.mark.parametrize("craft", [_hostile_torch_file, _hostile_raw_pickle], ids=["torch-zip", "raw-pickle"])
def test_a_crafted_model_file_is_refused_before_it_runs(
    tmp_path: Path, trained: Path, dataset: Path, capsys: pytest.CaptureFixture[str], craft: object,
) -> None:
    bundle = _copy_bundle(trained, tmp_path)
    marker = tmp_path / "marker"
    craft(bundle / "model.pt", marker)  # type: ignore[operator]
    with pytest.raises(CheckpointError, match="model.pt"):
        load_bundle(bundle)
    code, text = _run(capsys, "baseline", "infer", "--checkpoint", str(bundle), "--testset", str(dataset / "test"),
                      "--out", str(tmp_path / "sub"), "--no-progress")
    assert code == 1 and "model.pt" in text and "refused" in text
    assert "internal error" not in text and "Traceback" not in text
    assert not marker.exists()


def test_weights_that_do_not_fit_the_config_name_the_file(tmp_path: Path, trained: Path) -> None:
    bundle = _copy_bundle(trained, tmp_path)
    torch.save({"not_a_parameter": torch.zeros(2)}, bundle / "model.pt")
    with pytest.raises(CheckpointError, match="model.pt: the weights do not fit"):
        load_bundle(bundle)


def test_a_pickled_meter_of_an_earlier_version_is_never_unpickled(
    tmp_path: Path, trained: Path, dataset: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    bundle = _copy_bundle(trained, tmp_path)
    marker = tmp_path / "marker"
    (bundle / ConsistencyMeter.FILE).unlink()
    _hostile_raw_pickle(bundle / ConsistencyMeter.LEGACY_FILE, marker)
    code, text = _run(capsys, "baseline", "evaluate", "--checkpoint", str(bundle), "--testset", str(dataset / "test"),
                      "--tasks", "T3", "--languages", "en", "--limit", "1", "--max-new-tokens", "8", "--no-progress")
    assert code == 1 and "meter.pkl" in text and "Re-train" in text and "Traceback" not in text
    assert not marker.exists()
    # without the meter, --no-consistency still evaluates
    code, text = _run(capsys, "baseline", "evaluate", "--checkpoint", str(bundle), "--testset", str(dataset / "test"),
                      "--tasks", "T3", "--languages", "en", "--limit", "1", "--max-new-tokens", "8", "--no-progress",
                      "--no-consistency")
    assert code == 0 and '"emotion"' in text


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\x80\x04not json", "not a consistency meter"),
        (b'{"format": 1, "text": {"vocabulary": {"a": 0}, "idf": [1.0, 2.0]}}', "text.idf"),
        (b'{"format": 2}', "unknown format"),
        (b"[]", "unknown format"),
    ],
)
def test_a_malformed_meter_names_the_file(tmp_path: Path, content: bytes, message: str) -> None:
    (tmp_path / ConsistencyMeter.FILE).write_bytes(content)
    with pytest.raises(MeterError, match=message) as caught:
        ConsistencyMeter.load(tmp_path)
    assert "meter.json" in str(caught.value)


def test_the_meter_round_trips_through_json(tmp_path: Path, prepared_folder: Path) -> None:
    meter = ConsistencyMeter.load(prepared_folder)
    texts = ["I'm so sorry that your dog died.", "That's wonderful!", "好的，明白了。"]
    waves = [np.sin(np.arange(16000) * f / 16000 * 2 * np.pi).astype(np.float32) * 0.3 for f in (120, 220, 330)]
    meter.save(tmp_path)
    again = ConsistencyMeter.load(tmp_path)
    assert again.text_emotion(texts) == meter.text_emotion(texts)
    assert again.speech_emotion(waves) == meter.speech_emotion(waves)
    assert np.allclose(again.text.predict_proba(texts), meter.text.predict_proba(texts))


def test_a_crafted_training_state_is_refused_on_resume(
    tmp_path: Path, dataset: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "run"
    marker = tmp_path / "marker"
    (out / STATE_FILE).parent.mkdir(parents=True)
    _hostile_torch_file(out / STATE_FILE, marker)
    code, text = _run(capsys, "baseline", "train", "--config", "tiny", "--data", str(dataset / "train"), "--out", str(out),
                      "--resume", "--no-progress")
    assert code == 1 and "latest.pt" in text and "refused" in text and "Traceback" not in text
    assert not marker.exists()


def test_a_state_of_the_wrong_shape_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "latest.pt"
    torch.save({"stage": "one", "step": 0, "model": {}, "rng": {}}, path)
    with pytest.raises(CheckpointError, match="not a usable training state"):
        ckpt.load_state(path)


def test_states_round_trip_weights_only_and_old_states_stay_readable(tmp_path: Path) -> None:
    path = tmp_path / "state" / "latest.pt"
    random.seed(1)
    np.random.seed(2)
    ckpt.save_state(path, {"stage": 1, "step": 5, "model": {"w": torch.ones(2)}, "rng": ckpt.rng_state()})
    expected = (random.random(), float(np.random.rand()), float(torch.rand(1)))
    ckpt.set_rng_state(ckpt.load_state(path)["rng"])
    assert (random.random(), float(np.random.rand()), float(torch.rand(1))) == expected
    # the layout earlier versions wrote: numpy's legacy tuple and Python's tuple state
    old = tmp_path / "old.pt"
    torch.save({"stage": 2, "step": 0, "model": {}, "rng": {
        "python": random.getstate(), "numpy": np.random.get_state(), "torch": torch.get_rng_state()}}, old)
    expected = (random.random(), float(np.random.rand()))
    ckpt.set_rng_state(ckpt.load_state(old)["rng"])
    assert (random.random(), float(np.random.rand())) == expected
