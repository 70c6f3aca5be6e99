"""The training configuration: typed sections read from YAML, every mistake reported by file and field.

A config file has sections ``data``, ``features``, ``units``, ``model``, ``tokenizer``, ``stages``
(``stage1``, ``stage2``) and ``train``; any field left out takes the default below, an unknown field or
a value of the wrong type is an error naming the field, e.g. ``tiny.yaml: stages.stage1.lr: expected
a number, got 'fast'``. See docs/reference-model.md for what each field does.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

MODULES = ("audio_encoder", "adapter", "lm", "speech_head")
LOSSES = ("teacher_ce", "student_ce", "distill_kl", "align", "attribute_ce", "unit_ce", "consistency")
DISTILL_SPANS = ("thinking", "all")


class ConfigError(ValueError):
    """A config that cannot be used; the message names the file and the field."""


@dataclass
class LLMSettings:
    """How to build an LLM backend for IEAT causes: ``factory`` is ``module:callable``, called with ``settings``."""

    factory: str = ""
    settings: dict[str, Any] = field(default_factory=dict)
    concurrency: int = 4


@dataclass
class DataConfig:
    cause_source: str = "template"  # template | llm
    llm: LLMSettings = field(default_factory=LLMSettings)
    reply_voice: str = "numpy"  # numpy | espeak: the voice that speaks the reply targets
    max_history_turns: int = 2
    history_thinking: bool = True  # keep earlier turns' thinking in the context
    task_tag: bool = True  # tell the model which task file a dialogue comes from
    max_tokens: int = 512  # sequence budget; the oldest history turns are dropped first
    # At generation, tokens kept free for what the model will write (thinking, reply, and the reply's
    # units when it speaks): history is dropped to make room, so that a generated sequence stays within
    # max_tokens, the lengths and the amount of history the model was trained on.
    answer_reserve: int = 224
    max_cause_chars: int = 80
    max_reply_seconds: float = 2.5
    attributes: bool = True  # state the user's recorded voice attributes in thinking (stage-1 attribute modelling)
    # The text teacher reads how the user sounds (the emotion, and the attributes when ``attributes``)
    # beside the transcript: the privileged view the speech student is distilled towards.
    teacher_cue: bool = True


@dataclass
class FeatureConfig:
    kind: str = "logmel"  # logmel | emotion2vec
    n_mels: int = 40
    n_fft: int = 400
    hop_length: int = 160
    max_seconds: float = 8.0
    emotion2vec_dir: str = ""  # a local funasr model folder, for kind: emotion2vec


@dataclass
class UnitConfig:
    codebook_size: int = 64
    n_mels: int = 40
    n_fft: int = 1024
    hop_length: int = 640
    max_units: int = 80
    griffin_lim_iters: int = 32
    vocoder: str = "griffinlim"  # griffinlim | module:factory (a codec or neural vocoder)


@dataclass
class EncoderConfig:
    dim: int = 96
    layers: int = 2
    heads: int = 4
    dropout: float = 0.1


@dataclass
class ModelConfig:
    backbone: dict[str, Any] = field(default_factory=dict)  # transformers config fields, incl. model_type
    pretrained: str = ""  # a local folder with a causal LM checkpoint; replaces backbone
    encoder: EncoderConfig = field(default_factory=EncoderConfig)
    adapter_stack: int = 2  # frames stacked by the adapter (further downsampling)
    speech_head_hidden: int = 192
    ser_hidden: int = 64  # the speech emotion critic used by the consistency loss
    ser_steps: int = 300
    gradient_checkpointing: bool = False
    # Dual heads (GOAT-SLM): the speech path leaves the shared LM after this many layers and runs
    # ``speech_branch_depth`` layers of its own (0: as many as the LM has above the branch point).
    # 0 here: no branch, the speech head reads the LM's last hidden state.
    speech_branch_layer: int = 0
    speech_branch_depth: int = 0
    # One more speech position per utterance, after its frames: a summary of the whole utterance (the
    # mean and spread of its adapted frames, projected), the vector the attribute heads classify.
    utterance_summary: bool = False


@dataclass
class TokenizerConfig:
    kind: str = "char"  # char | pretrained (the backbone's own, from model.pretrained)
    max_chars: int = 4000


@dataclass
class StageConfig:
    steps: int = 100
    batch_size: int = 8
    grad_accum: int = 1
    lr: float = 1e-3
    min_lr_ratio: float = 0.1
    warmup_steps: int = 10
    schedule: str = "cosine"  # cosine | linear | constant
    weight_decay: float = 0.01
    max_grad_norm: float = 1.0
    trainable: list[str] = field(default_factory=lambda: list(MODULES))
    losses: dict[str, float] = field(default_factory=dict)
    distill_temperature: float = 1.0
    # Target tokens the KL covers: the thinking (where the teacher's privileged view of how the user
    # sounds makes it know more than the student) or every target token (thinking and reply).
    distill_span: str = "thinking"
    unit_dropout: float = 0.0  # share of input unit embeddings hidden while learning to speak


@dataclass
class StagesConfig:
    stage1: StageConfig = field(default_factory=StageConfig)
    stage2: StageConfig = field(default_factory=StageConfig)


@dataclass
class RunConfig:
    precision: str = "auto"  # auto | fp32 | bf16 | fp16
    device: str = "auto"  # auto | cpu | cuda
    log_every: int = 10
    checkpoint_every: int = 100
    num_threads: int = 0  # 0: torch's default
    num_workers: int = 0


@dataclass
class Config:
    name: str = "custom"
    seed: int = 0
    data: DataConfig = field(default_factory=DataConfig)
    features: FeatureConfig = field(default_factory=FeatureConfig)
    units: UnitConfig = field(default_factory=UnitConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    tokenizer: TokenizerConfig = field(default_factory=TokenizerConfig)
    stages: StagesConfig = field(default_factory=StagesConfig)
    train: RunConfig = field(default_factory=RunConfig)

    def uses_loss(self, name: str) -> bool:
        """Whether any stage gives loss ``name`` a positive weight (modules only it needs are built then)."""
        return any(self.stage(n).losses.get(name, 0) > 0 for n in (1, 2))

    def stage(self, number: int) -> StageConfig:
        return self.stages.stage1 if number == 1 else self.stages.stage2

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def load_config(path: Path) -> Config:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from exc
    return config_from_dict(data or {}, source=str(path))


def config_from_dict(data: Any, source: str = "<config>") -> Config:
    config = _build(Config, data, source, "")
    _check(config, source)
    return config


def _build(cls: type, data: Any, source: str, where: str) -> Any:
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: {where or 'top level'}: expected a mapping, got {type(data).__name__}")
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(map(str, data)) - names)
    if unknown:
        raise ConfigError(f"{source}: {_join(where, unknown[0])}: unknown field (known: {', '.join(sorted(names))})")
    values = {key: _convert(hints[key], value, source, _join(where, key)) for key, value in data.items()}
    return cls(**values)


def _convert(hint: Any, value: Any, source: str, where: str) -> Any:
    if dataclasses.is_dataclass(hint):
        return _build(hint, value, source, where)
    origin = typing.get_origin(hint)
    if origin is list:
        if not isinstance(value, list):
            raise ConfigError(f"{source}: {where}: expected a list, got {value!r}")
        (item,) = typing.get_args(hint)
        return [_convert(item, v, source, f"{where}[{i}]") for i, v in enumerate(value)]
    if origin is dict:
        if not isinstance(value, dict):
            raise ConfigError(f"{source}: {where}: expected a mapping, got {value!r}")
        _, item = typing.get_args(hint)
        return {str(k): _convert(item, v, source, _join(where, str(k))) for k, v in value.items()}
    if origin in (typing.Union, types.UnionType):
        return value
    if hint is Any:
        return value
    if hint is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{source}: {where}: expected true or false, got {value!r}")
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{source}: {where}: expected an integer, got {value!r}")
        return value
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{source}: {where}: expected a number, got {value!r}")
        return float(value)
    if hint is str:
        if not isinstance(value, str):
            raise ConfigError(f"{source}: {where}: expected a string, got {value!r}")
        return value
    return value


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _check(config: Config, source: str) -> None:
    def fail(where: str, message: str) -> None:
        raise ConfigError(f"{source}: {where}: {message}")

    choices = {
        "data.cause_source": (config.data.cause_source, ("template", "llm")),
        "data.reply_voice": (config.data.reply_voice, ("numpy", "espeak")),
        "features.kind": (config.features.kind, ("logmel", "emotion2vec")),
        "tokenizer.kind": (config.tokenizer.kind, ("char", "pretrained")),
        "train.precision": (config.train.precision, ("auto", "fp32", "bf16", "fp16")),
        "train.device": (config.train.device, ("auto", "cpu", "cuda")),
    }
    for where, (value, allowed) in choices.items():
        if value not in allowed:
            fail(where, f"{value!r} is not one of {', '.join(allowed)}")
    if config.data.cause_source == "llm" and ":" not in config.data.llm.factory:
        fail("data.llm.factory", "cause_source llm needs a factory written module:callable")
    if config.features.kind == "emotion2vec" and not config.features.emotion2vec_dir:
        fail("features.emotion2vec_dir", "features.kind emotion2vec needs a local model folder")
    if not config.model.pretrained and not config.model.backbone.get("model_type"):
        fail("model.backbone.model_type", "give a transformers model_type (e.g. qwen2) or model.pretrained")
    if config.tokenizer.kind == "pretrained" and not config.model.pretrained:
        fail("tokenizer.kind", "the pretrained tokenizer comes from model.pretrained, which is empty")
    positive = {
        "data.max_tokens": config.data.max_tokens, "units.codebook_size": config.units.codebook_size,
        "units.max_units": config.units.max_units, "features.n_mels": config.features.n_mels,
        "model.adapter_stack": config.model.adapter_stack, "train.log_every": config.train.log_every,
        "train.checkpoint_every": config.train.checkpoint_every,
    }
    for where, value in positive.items():
        if value <= 0:
            fail(where, f"must be positive, got {value}")
    if not 0 <= config.data.answer_reserve < config.data.max_tokens:
        fail("data.answer_reserve", f"must be at least 0 and below data.max_tokens ({config.data.max_tokens}), "
                                    f"got {config.data.answer_reserve}")
    if config.model.speech_branch_layer < 0 or config.model.speech_branch_depth < 0:
        fail("model.speech_branch_layer", "speech_branch_layer and speech_branch_depth must be non-negative")
    layers = config.model.backbone.get("num_hidden_layers")
    if isinstance(layers, int) and config.model.speech_branch_layer > layers:
        fail("model.speech_branch_layer", f"{config.model.speech_branch_layer} is above the backbone's {layers} layers")
    for number in (1, 2):
        stage, prefix = config.stage(number), f"stages.stage{number}"
        for where, value in (("steps", stage.steps), ("batch_size", stage.batch_size), ("grad_accum", stage.grad_accum)):
            if value < (0 if where == "steps" else 1):
                fail(f"{prefix}.{where}", f"must be {'non-negative' if where == 'steps' else 'at least 1'}, got {value}")
        if not 0 <= stage.unit_dropout < 1:
            fail(f"{prefix}.unit_dropout", f"must be in [0, 1), got {stage.unit_dropout}")
        if stage.lr <= 0:
            fail(f"{prefix}.lr", f"must be positive, got {stage.lr}")
        if stage.distill_span not in DISTILL_SPANS:
            fail(f"{prefix}.distill_span", f"{stage.distill_span!r} is not one of {', '.join(DISTILL_SPANS)}")
        if stage.schedule not in ("cosine", "linear", "constant"):
            fail(f"{prefix}.schedule", f"{stage.schedule!r} is not one of cosine, linear, constant")
        for module in stage.trainable:
            if module not in MODULES:
                fail(f"{prefix}.trainable", f"unknown module {module!r} (modules: {', '.join(MODULES)})")
        for loss, weight in stage.losses.items():
            if loss not in LOSSES:
                fail(f"{prefix}.losses.{loss}", f"unknown loss (losses: {', '.join(LOSSES)})")
            if weight < 0:
                fail(f"{prefix}.losses.{loss}", f"weight must be non-negative, got {weight}")
        if stage.steps and not any(w > 0 for w in stage.losses.values()):
            fail(f"{prefix}.losses", "no loss has a positive weight")
