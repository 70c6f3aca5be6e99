from __future__ import annotations

from pathlib import Path

import pytest

from humdial_eval.reference_model.cli import CONFIG_DIR
from humdial_eval.reference_model.config import ConfigError, config_from_dict, load_config

from .conftest import tiny_dict


@pytest.mark.parametrize("name", ["tiny", "paper"])
def test_shipped_configs_load(name: str) -> None:
    config = load_config(CONFIG_DIR / f"{name}.yaml")
    assert config.name == name
    assert config.stages.stage1.steps > 0 and config.stages.stage2.steps > 0
    assert "speech_head" not in config.stages.stage1.trainable and "speech_head" in config.stages.stage2.trainable
    assert config.stages.stage2.losses.get("consistency", 0) > 0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["stages"]["stage1"].update(lr="fast"), "stages.stage1.lr: expected a number, got 'fast'"),
        (lambda d: d["stages"]["stage1"].update(speed=3), "stages.stage1.speed: unknown field"),
        (lambda d: d["stages"]["stage2"].update(trainable=["ears"]), "stages.stage2.trainable: unknown module 'ears'"),
        (lambda d: d["stages"]["stage2"].update(losses={"magic": 1.0}), "stages.stage2.losses.magic: unknown loss"),
        (lambda d: d["stages"]["stage2"].update(losses={"unit_ce": 0.0}), "stages.stage2.losses: no loss has a positive weight"),
        (lambda d: d["features"].update(kind="mfcc"), "features.kind: 'mfcc' is not one of"),
        (lambda d: d["model"]["backbone"].pop("model_type"), "model.backbone.model_type"),
        (lambda d: d["data"].update(cause_source="llm"), "data.llm.factory"),
        (lambda d: d["train"].update(log_every=True), "train.log_every: expected an integer"),
    ],
)
def test_mistakes_name_the_field(change, message: str) -> None:
    data = tiny_dict()
    change(data)
    with pytest.raises(ConfigError) as caught:
        config_from_dict(data, source="my.yaml")
    assert str(caught.value).startswith("my.yaml: ") and message in str(caught.value)


def test_bad_yaml_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("stages: [unclosed")
    with pytest.raises(ConfigError, match="broken.yaml: not valid YAML"):
        load_config(path)
