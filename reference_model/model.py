"""The unified spoken language model: listen (audio encoder + adapter), think and write (a causal LM),
speak (a speech head over discrete units), all in the LM's one embedding space.

Dual heads, as GOAT-SLM describes them: the LM's bottom ``model.speech_branch_layer`` layers are
shared ("think"); the text head sits on top of the LM's remaining layers, while the speech path
leaves at the branch point and runs layers of its own (a second decoder stack of the backbone's
kind, initialised as a copy of the LM's layers above the branch point) before the speech head. The
speech losses therefore train the shared layers and the branch, never the text-only top layers.

Speech frames enter the LM as embeddings at the positions of the user's speech, so speech and text
share the LM's semantic space; the reply's speech units follow the text reply in the same sequence,
each predicted by the speech head from the LM's hidden state and fed back through ``unit_embed``.
The backbone is any ``transformers`` causal LM: a tiny random one built from a config, or a
pretrained checkpoint from a local folder. The small :class:`SpeechEmotionCritic` is not part of the
answer path: frozen after its own training, it judges the emotion of predicted speech for the
stage-2 consistency loss.
"""

from __future__ import annotations

import copy
import inspect
import math
from pathlib import Path
from typing import Any

import torch
from torch import nn

from humdial_eval.reference_model.config import Config, EncoderConfig, ModelConfig
from humdial_eval.benchmark.emotions import EMOTIONS
from humdial_eval.reference_model.attributes import ATTRIBUTES


class AudioEncoder(nn.Module):
    """Two stride-2 convolutions (4x fewer frames), sinusoidal positions, a small Transformer."""

    def __init__(self, in_dim: int, config: EncoderConfig) -> None:
        super().__init__()
        self.dim = config.dim
        self.conv = nn.Sequential(
            nn.Conv1d(in_dim, config.dim, 3, stride=2, padding=1), nn.GELU(),
            nn.Conv1d(config.dim, config.dim, 3, stride=2, padding=1), nn.GELU(),
        )
        layer = nn.TransformerEncoderLayer(
            config.dim, config.heads, 2 * config.dim, config.dropout, batch_first=True, norm_first=True
        )
        self.layers = nn.TransformerEncoder(layer, config.layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(config.dim)

    @staticmethod
    def output_lengths(lengths: torch.Tensor) -> torch.Tensor:
        for _ in range(2):
            lengths = torch.div(lengths + 1, 2, rounding_mode="floor")
        return lengths

    def forward(self, feats: torch.Tensor, lengths: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x = self.conv(feats.transpose(1, 2)).transpose(1, 2)
        out_lengths = self.output_lengths(lengths)
        x = x + _sinusoids(x.shape[1], self.dim, x.device, x.dtype)
        padding = torch.arange(x.shape[1], device=x.device)[None, :] >= out_lengths[:, None]
        x = self.layers(x, src_key_padding_mask=padding)
        return self.norm(x), out_lengths


def _sinusoids(length: int, dim: int, device: torch.device, dtype: torch.dtype) -> torch.Tensor:
    position = torch.arange(length, device=device, dtype=torch.float32)[:, None]
    scale = torch.exp(torch.arange(0, dim, 2, device=device, dtype=torch.float32) * (-math.log(10000.0) / dim))
    table = torch.zeros(length, dim, device=device)
    table[:, 0::2] = torch.sin(position * scale)
    table[:, 1::2] = torch.cos(position * scale[: dim // 2])
    return table.to(dtype)


class Adapter(nn.Module):
    """Stacks ``stack`` encoder frames and maps them into the LM's embedding space."""

    def __init__(self, in_dim: int, out_dim: int, stack: int) -> None:
        super().__init__()
        self.stack = stack
        self.net = nn.Sequential(nn.Linear(in_dim * stack, out_dim), nn.GELU(), nn.Linear(out_dim, out_dim))

    def output_lengths(self, lengths: torch.Tensor) -> torch.Tensor:
        return torch.div(lengths + self.stack - 1, self.stack, rounding_mode="floor")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        batch, frames, dim = x.shape
        pad = (-frames) % self.stack
        if pad:
            x = torch.cat([x, x.new_zeros(batch, pad, dim)], dim=1)
        return self.net(x.reshape(batch, (frames + pad) // self.stack, dim * self.stack))


class SpeechHead(nn.Module):
    """LM hidden state -> logits over ``units`` speech units plus one 'end of speech' class."""

    def __init__(self, hidden: int, inner: int, units: int) -> None:
        super().__init__()
        self.end = units
        self.net = nn.Sequential(nn.Linear(hidden, inner), nn.GELU(), nn.Linear(inner, units + 1))

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        return self.net(hidden)


class SpeechEmotionCritic(nn.Module):
    """Emotion of a (soft) unit-mel sequence: convolutions and a masked mean over time."""

    def __init__(self, n_mels: int, hidden: int, classes: int = len(EMOTIONS)) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv1d(n_mels, hidden, 5, padding=2), nn.GELU(), nn.Conv1d(hidden, hidden, 5, padding=2), nn.GELU()
        )
        self.out = nn.Linear(2 * hidden, classes)

    def forward(self, mel: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        h = self.net(((mel + 6.0) / 6.0).transpose(1, 2)).transpose(1, 2)
        mask = (torch.arange(h.shape[1], device=h.device)[None, :] < lengths[:, None]).unsqueeze(-1).to(h.dtype)
        count = mask.sum(dim=1).clamp(min=1.0)
        mean = (h * mask).sum(dim=1) / count
        var = ((h - mean[:, None, :]) ** 2 * mask).sum(dim=1) / count
        return self.out(torch.cat([mean, (var + 1e-5).sqrt()], dim=-1))  # eps: sqrt'(0) is infinite


class SpeechSummary(nn.Module):
    """One vector per utterance from its adapted frames: their mean and spread over time, projected into
    the LM's space. Global properties of a voice (its pitch, loudness, pace, who speaks) are statistics
    over the whole utterance; in one vector the LM can read them at one position."""

    def __init__(self, hidden: int) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(2 * hidden)
        self.proj = nn.Linear(2 * hidden, hidden)

    def forward(self, speech: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        mask = (torch.arange(speech.shape[1], device=speech.device)[None, :] < lengths[:, None]).unsqueeze(-1)
        mask = mask.to(speech.dtype)
        count = mask.sum(dim=1).clamp(min=1.0)
        mean = (speech * mask).sum(dim=1) / count
        spread = (((speech - mean[:, None, :]) ** 2 * mask).sum(dim=1) / count + 1e-5).sqrt()
        return self.proj(self.norm(torch.cat([mean, spread], dim=-1)))


class AttributeHeads(nn.Module):
    """Linear classifiers of a turn's emotion and attributes over its :class:`SpeechSummary`: a direct
    signal that the listening modules must carry how the user sounds into the LM's space. Not part of
    the answer path; the model states what it hears in its thinking."""

    def __init__(self, hidden: int) -> None:
        super().__init__()
        from humdial_eval.reference_model.packing import HEARD

        sizes = [len(EMOTIONS), *(len(values) for values in ATTRIBUTES.values())]
        assert len(sizes) == len(HEARD)
        self.heads = nn.ModuleList(nn.Linear(hidden, size) for size in sizes)

    def forward(self, summary: torch.Tensor) -> list[torch.Tensor]:
        return [head(summary) for head in self.heads]


def build_backbone(config: ModelConfig, vocab_size: int, saved_config: Path | None = None) -> nn.Module:
    """A causal LM from a saved config, a pretrained local folder, or the backbone fields of the config."""
    from transformers import AutoConfig, AutoModelForCausalLM

    if saved_config is not None:
        lm = AutoModelForCausalLM.from_config(AutoConfig.from_pretrained(str(saved_config)))
    elif config.pretrained:
        lm = AutoModelForCausalLM.from_pretrained(config.pretrained, local_files_only=True, dtype=torch.float32)
    else:
        fields = dict(config.backbone)
        model_type = fields.pop("model_type")
        lm = AutoModelForCausalLM.from_config(AutoConfig.for_model(model_type, **fields, vocab_size=vocab_size))
    if lm.get_input_embeddings().num_embeddings < vocab_size:
        lm.resize_token_embeddings(vocab_size)
    if config.gradient_checkpointing:
        lm.gradient_checkpointing_enable()
    return lm


def build_speech_branch(lm: nn.Module, config: ModelConfig) -> nn.Module | None:
    """The speech path's own decoder layers above ``config.speech_branch_layer`` (None: no branch)."""
    from transformers import AutoModel

    layer = config.speech_branch_layer
    total = int(lm.config.num_hidden_layers)
    if layer == 0:
        return None
    if layer > total:
        raise ValueError(f"model.speech_branch_layer {layer} is above the backbone's {total} layers")
    depth = config.speech_branch_depth or (total - layer)
    if depth == 0:
        return None  # branching at the top with no layers of its own: the speech head reads the LM's output
    branch_config = copy.deepcopy(lm.config)
    branch_config.num_hidden_layers = depth
    branch_config.vocab_size = 1  # the branch reads hidden states, never token ids
    if getattr(branch_config, "layer_types", None):
        types = list(lm.config.layer_types)
        branch_config.layer_types = [types[min(layer + i, total - 1)] for i in range(depth)]
    branch = AutoModel.from_config(branch_config)
    source = lm.get_decoder()
    for i, target in enumerate(branch.layers):
        target.load_state_dict(source.layers[min(layer + i, total - 1)].state_dict())
    branch.norm.load_state_dict(source.norm.state_dict())
    if config.gradient_checkpointing:
        branch.gradient_checkpointing_enable()
    return branch


class UnifiedSpeechLM(nn.Module):
    def __init__(
        self, config: Config, vocab_size: int, feature_dim: int, codebook: torch.Tensor,
        saved_lm_config: Path | None = None,
    ) -> None:
        super().__init__()
        self.config = config
        self.lm = build_backbone(config.model, vocab_size, saved_lm_config)
        hidden = int(self.lm.config.hidden_size)
        units = config.units.codebook_size
        self.audio_encoder = AudioEncoder(feature_dim, config.model.encoder)
        self.adapter = Adapter(config.model.encoder.dim, hidden, config.model.adapter_stack)
        self.speech_branch = build_speech_branch(self.lm, config.model)
        self.branch_layer = config.model.speech_branch_layer
        self.speech_head = SpeechHead(hidden, config.model.speech_head_hidden, units)
        self.unit_embed = nn.Embedding(units, hidden)
        self.critic = SpeechEmotionCritic(config.units.n_mels, config.model.ser_hidden)
        # built only when used, so that bundles of configs without them load unchanged
        heads = config.uses_loss("attribute_ce")
        self.with_summary_position = config.model.utterance_summary
        self.summary = SpeechSummary(hidden) if heads or self.with_summary_position else None
        self.attribute_heads = AttributeHeads(hidden) if heads else None
        self.register_buffer("codebook", codebook.float().clone())

    def groups(self) -> dict[str, list[nn.Module]]:
        """The module groups a stage freezes or trains by name (``stages.*.trainable``)."""
        return {
            "audio_encoder": [self.audio_encoder],
            # the summary and the attribute heads train with the adapter whose output they read
            "adapter": [self.adapter] + [m for m in (self.summary, self.attribute_heads) if m is not None],
            "lm": [self.lm],
            "speech_head": [self.speech_head, self.unit_embed] + ([self.speech_branch] if self.speech_branch is not None else []),
        }

    def set_trainable(self, names: list[str]) -> None:
        for param in self.parameters():
            param.requires_grad_(False)
        for name in names:
            for module in self.groups()[name]:
                for param in module.parameters():
                    param.requires_grad_(True)

    def speech_positions(self, feature_frames: int) -> int:
        """How many LM positions an utterance of ``feature_frames`` feature frames occupies."""
        lengths = self.adapter.output_lengths(self.audio_encoder.output_lengths(torch.tensor([feature_frames])))
        return int(lengths.item()) + (1 if self.with_summary_position else 0)

    def frame_lengths(self, feature_lengths: torch.Tensor) -> torch.Tensor:
        """Adapted frames per utterance (without the summary position)."""
        return self.adapter.output_lengths(self.audio_encoder.output_lengths(feature_lengths))

    def encode_speech(self, feats: torch.Tensor, lengths: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The LM inputs of each utterance's speech positions, and how many each has: the adapted frames,
        then (``model.utterance_summary``) the utterance's summary vector."""
        encoded, encoded_lengths = self.audio_encoder(feats, lengths)
        speech, frames = self.adapter(encoded), self.adapter.output_lengths(encoded_lengths)
        if not self.with_summary_position:
            return speech, frames
        summary = self.summary(speech, frames)
        speech = torch.cat([speech, speech.new_zeros(speech.shape[0], 1, speech.shape[2])], dim=1)
        rows = torch.arange(speech.shape[0], device=speech.device)
        speech = speech.index_put((rows, frames), summary.to(speech.dtype))
        return speech, frames + 1

    def hear(self, speech: torch.Tensor, frames: torch.Tensor) -> list[torch.Tensor]:
        """The attribute heads' logits (emotion, then each attribute) from encoded speech and its frame counts."""
        return self.attribute_heads(self.summary(speech.float(), frames))

    def embed(self, batch: Any, unit_dropout: float = 0.0) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Input embeddings of a packed batch; also the adapted speech (for the alignment loss).

        ``unit_dropout`` zeroes that share of the reply's unit embeddings (training only)."""
        embeds = self.lm.get_input_embeddings()(batch.tokens)
        speech = None
        if batch.speech_pos.numel():
            speech, _ = self.encode_speech(batch.feats, batch.feat_lengths)
            values = speech[batch.speech_src[:, 0], batch.speech_src[:, 1]].to(embeds.dtype)
            embeds = embeds.index_put((batch.speech_pos[:, 0], batch.speech_pos[:, 1]), values)
        if batch.unit_pos.numel():
            values = self.unit_embed(batch.unit_ids).to(embeds.dtype)
            if unit_dropout > 0 and self.training:
                keep = torch.rand(values.shape[0], 1, device=values.device) >= unit_dropout
                values = values * keep.to(values.dtype)
            embeds = embeds.index_put((batch.unit_pos[:, 0], batch.unit_pos[:, 1]), values)
        return embeds, speech

    def hidden_states(self, embeds: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        return self.lm.get_decoder()(inputs_embeds=embeds, attention_mask=attention_mask).last_hidden_state

    def dual_hidden_states(self, embeds: torch.Tensor, attention_mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(text hidden states from the LM's top, speech hidden states from the branch), one shared pass below."""
        if self.speech_branch is None:
            hidden = self.hidden_states(embeds, attention_mask)
            return hidden, hidden
        out = self.lm.get_decoder()(inputs_embeds=embeds, attention_mask=attention_mask, output_hidden_states=True)
        tap = out.hidden_states[self.branch_layer]
        speech = self.speech_branch(inputs_embeds=tap, attention_mask=attention_mask).last_hidden_state
        return out.last_hidden_state, speech

    def text_logits(self, hidden: torch.Tensor) -> torch.Tensor:
        return self.lm.get_output_embeddings()(hidden)

    def decode_step(self) -> "DecodeStep":
        return DecodeStep(self.lm.get_decoder(), self.speech_branch, self.branch_layer)

    def forward(
        self, pair: Any, weights: dict[str, float], temperature: float = 1.0, unit_dropout: float = 0.0,
        distill_span: str = "thinking",
    ) -> dict[str, torch.Tensor]:
        """The weighted losses of one packed batch pair (student on speech, teacher on text)."""
        from humdial_eval.reference_model.losses import compute_losses

        return compute_losses(self, pair, weights, temperature, unit_dropout, distill_span)


class DecodeStep:
    """Incremental decoding with key-value caches: feed embeddings, get the text hidden states.

    With a speech branch, every fed position also runs through the branch (its own cache), so that
    ``speech_hidden`` always holds the speech path's states for the positions just fed."""

    def __init__(self, decoder: nn.Module, branch: nn.Module | None = None, layer: int = 0) -> None:
        from transformers import DynamicCache

        self.decoder = decoder
        self.branch = branch
        self.layer = layer
        self.cache = DynamicCache()
        self.branch_cache = DynamicCache()
        self.speech_hidden: torch.Tensor | None = None
        # transformers 5 renamed the argument and output field; older releases say past_key_values.
        self._name = "cache" if "cache" in inspect.signature(decoder.forward).parameters else "past_key_values"

    def __call__(self, embeds: torch.Tensor, attention_mask: torch.Tensor | None = None) -> torch.Tensor:
        out = self.decoder(
            inputs_embeds=embeds, attention_mask=attention_mask, use_cache=True,
            output_hidden_states=self.branch is not None, **{self._name: self.cache},
        )
        self.cache = getattr(out, self._name)
        if self.branch is None:
            self.speech_hidden = out.last_hidden_state
        else:
            branch_out = self.branch(
                inputs_embeds=out.hidden_states[self.layer], attention_mask=attention_mask, use_cache=True,
                **{self._name: self.branch_cache},
            )
            self.branch_cache = getattr(branch_out, self._name)
            self.speech_hidden = branch_out.last_hidden_state
        return out.last_hidden_state
