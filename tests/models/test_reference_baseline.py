"""``backend: reference-baseline`` through ``generate --model`` writes what ``baseline infer`` writes."""

from __future__ import annotations

import filecmp
import os
from pathlib import Path

import pytest

from humdial_eval.cli.main import main

torch = pytest.importorskip("torch")


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A tiny trained reference model (the reference-model tests' tiny config) and its held-out test split."""
    from humdial_eval.reference_model.config import config_from_dict
    from humdial_eval.reference_model.synthetic.generate import generate_dataset
    from humdial_eval.reference_model.synthetic.voice import NumpyVoice
    from humdial_eval.reference_model.training import train
    from tests.reference_model.conftest import tiny_dict

    torch.set_num_threads(1)
    root = tmp_path_factory.mktemp("baseline")
    generate_dataset(root / "data", NumpyVoice(max_syllables=5), train_dialogues=2, test_dialogues=1, seed=11)
    train(config_from_dict(tiny_dict()), root / "data" / "train", root / "ckpt", log=lambda m: None)
    return root / "ckpt", root / "data" / "test"


def _tree(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def test_generate_with_the_reference_baseline_equals_baseline_infer(tmp_path: Path, checkpoint: tuple[Path, Path]) -> None:
    ckpt, test = checkpoint
    infer_out = tmp_path / "infer"
    assert main(["baseline", "infer", "--checkpoint", str(ckpt), "--testset", str(test), "--out", str(infer_out),
                 "--max-new-tokens", "12", "--no-progress"]) == 0
    profile = tmp_path / "profiles" / "baseline.yaml"
    profile.parent.mkdir()
    # A relative checkpoint path is read from the profile's own folder.
    relative = os.path.relpath(ckpt, profile.parent)
    profile.write_text(f"backend: reference-baseline\ncheckpoint: {relative}\nmax_new_tokens: 12\n")
    generate_out = tmp_path / "generate"
    assert main(["generate", "--model", str(profile), "--testset", str(test), "--out", str(generate_out),
                 "--no-progress"]) == 0
    a, b = infer_out / "HD-Track1", generate_out / "HD-Track1"
    assert _tree(a) == _tree(b) and any(name.endswith("_response.wav") for name in _tree(a))
    match, mismatch, errors = filecmp.cmpfiles(a, b, _tree(a), shallow=False)
    assert mismatch == [] and errors == [] and len(match) == len(_tree(a))
    assert main(["validate", str(generate_out), "--testset", str(test)]) == 0
    # a second run into the same folder needs --fresh, like `baseline infer` needs --overwrite
    assert main(["generate", "--model", str(profile), "--testset", str(test), "--out", str(generate_out),
                 "--no-progress"]) == 1
    assert main(["generate", "--model", str(profile), "--testset", str(test), "--out", str(generate_out),
                 "--no-progress", "--fresh"]) == 0


def test_a_reference_baseline_profile_is_checked(tmp_path: Path, capsys) -> None:
    for text, message in [("backend: reference-baseline\n", "'checkpoint' is required"),
                          ("backend: reference-baseline\ncheckpoint: x\nbeam: 3\n", "unknown field 'beam'"),
                          (f"backend: reference-baseline\ncheckpoint: {tmp_path}\n", "not a model checkpoint")]:
        profile = tmp_path / "p.yaml"
        profile.write_text(text)
        (tmp_path / "ts" / "en").mkdir(parents=True, exist_ok=True)
        (tmp_path / "ts" / "en" / "HD-Track1-T1.jsonl").write_text("")
        assert main(["generate", "--model", str(profile), "--testset", str(tmp_path / "ts"), "--out",
                     str(tmp_path / "o"), "--languages", "en", "--tasks", "T1"]) == 1
        err = capsys.readouterr().err
        assert message in err and "Traceback" not in err


def test_the_trajectory_setting_is_checked(tmp_path: Path, capsys) -> None:
    profile = tmp_path / "p.yaml"
    profile.write_text(f"backend: reference-baseline\ncheckpoint: {tmp_path}\ntrajectory: gold\n")
    (tmp_path / "ts" / "en").mkdir(parents=True, exist_ok=True)
    (tmp_path / "ts" / "en" / "HD-Track1-T1.jsonl").write_text("")
    assert main(["generate", "--model", str(profile), "--testset", str(tmp_path / "ts"), "--out", str(tmp_path / "o"),
                 "--languages", "en", "--tasks", "T1"]) == 1
    err = capsys.readouterr().err
    assert "'trajectory' must be heard or model" in err and "Traceback" not in err
