"""A padded, length-bucketed batch forward for a FunASR emotion2vec model that is already loaded.

FunASR's ``Emotion2vec.inference`` (``funasr/models/emotion2vec/model.py``, FunASR 1.4.16) runs the
recordings of a batch one at a time, each at its own length. This module runs several recordings in
one forward pass through the same model's own modules (``extract_features`` with a padding mask,
``proj``) and gives, per recording, what ``inference`` gives: the label distribution and the
utterance embedding (the frame mean), equal to the one-at-a-time result within float rounding.

Padding must not change a recording's numbers. Everything in the model is per frame or masked,
except the convolutional positional encoder (5 stacked grouped convolutions in the base model): one
at a time, each of its layers sees zeros past the recording's end; in a padded batch it would see the
padding's features, and the last frames would change. So for a batched pass the positional encoder
is run layer by layer with the padded frames set to zero before and after each layer, which is what a
recording alone sees. Each recording is normalised over its own samples before padding (as
``inference`` does), and the means run over its own frames only.

:func:`check_batching` runs two short recordings of different lengths both ways on the loaded model
at start-up; a model whose structure or numbers do not match is run one recording at a time by FunASR
instead (:func:`supports_batching`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

SAMPLE_RATE = 16000
# The check's tolerance: float32 sums in a different order (batched matrix products) differ by ~1e-6.
CHECK_ATOL = 1e-4


@dataclass(frozen=True)
class BatchLimits:
    """How recordings are grouped into one forward pass.

    ``max_batch_seconds`` caps the padded audio of one pass (count x longest), which bounds memory:
    activations grow with the padded frames, attention with count x frames^2. A recording longer
    than the cap runs alone. ``max_padding`` is the largest share of a pass that may be padding;
    recordings are sorted by length, so a pass holds recordings of similar length.
    """

    max_batch_seconds: float = 60.0
    max_padding: float = 0.25


def plan_batches(lengths: Sequence[int], limits: BatchLimits) -> list[list[int]]:
    """Indices of ``lengths`` grouped into passes: longest first, each pass within the padded-audio
    cap and the padding share."""
    cap = limits.max_batch_seconds * SAMPLE_RATE
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    batches: list[list[int]] = []
    for index in order:
        if batches:
            batch = batches[-1]
            longest = lengths[batch[0]]
            padded = longest * (len(batch) + 1)
            real = sum(lengths[i] for i in batch) + lengths[index]
            if padded <= cap and (padded - real) <= limits.max_padding * padded:
                batch.append(index)
                continue
        batches.append([index])
    return batches


def supports_batching(automodel: Any) -> bool:
    """Whether the loaded model has the structure :func:`forward_batch` relies on."""
    model = getattr(automodel, "model", None)
    try:
        encoder = model.modality_encoders["AUDIO"]
        _positional_layers(encoder)
    except (AttributeError, KeyError, TypeError, ValueError):
        return False
    return encoder.fixed_positional_encoder is None and hasattr(model, "extract_features")


def forward_batch(automodel: Any, signals: Sequence[np.ndarray]) -> list[dict[str, Any]]:
    """One padded forward pass over ``signals`` (16 kHz float32): per recording, a dict like FunASR's
    ``inference`` result (``labels``, ``scores``, ``feats``: the utterance embedding). Runs under
    ``torch.inference_mode``: no autograd bookkeeping for a model that only infers."""
    import torch

    with torch.inference_mode():
        return _forward_batch(automodel, signals)


def _forward_batch(automodel: Any, signals: Sequence[np.ndarray]) -> list[dict[str, Any]]:
    import torch
    import torch.nn.functional as F

    model = automodel.model
    encoder = model.modality_encoders["AUDIO"]
    device = next(model.parameters()).device
    lengths = [len(signal) for signal in signals]
    source = torch.zeros(len(signals), max(lengths), dtype=torch.float32)
    for row, signal in enumerate(signals):
        samples = torch.from_numpy(np.ascontiguousarray(signal, dtype=np.float32))
        if model.cfg.normalize:
            samples = F.layer_norm(samples, samples.shape)
        source[row, : len(samples)] = samples
    source = source.to(device)
    sample_padding = torch.arange(source.shape[1], device=device)[None, :] >= torch.tensor(lengths, device=device)[:, None]
    with _masked_positional_encoder(encoder, sample_padding):
        out = model.extract_features(source, padding_mask=sample_padding if sample_padding.any() else None)
    x = out["x"]  # B x frames x dim, extra tokens removed
    frame_padding = out["padding_mask"]
    keep = torch.ones(x.shape[:2], dtype=x.dtype, device=x.device) if frame_padding is None else (~frame_padding).to(x.dtype)
    pooled = (x * keep.unsqueeze(-1)).sum(dim=1) / keep.sum(dim=1, keepdim=True)
    labels = list(_token_list(automodel))
    scores: list[list[float]] = [[] for _ in signals]
    if model.proj is not None:
        logits = model.proj(pooled)
        for index, label in enumerate(labels):
            if label.startswith("unuse"):  # FunASR's inference leaves these out of the distribution
                logits[:, index] = -np.inf
        scores = torch.softmax(logits, dim=-1).tolist()
    selected = [i for i, label in enumerate(labels) if not label.startswith("unuse")]
    embeddings = pooled.float().cpu().numpy()
    return [{"labels": [labels[i] for i in selected], "scores": [row[i] for i in selected] if row else [],
             "feats": embeddings[n]} for n, row in enumerate(scores)]


def check_batching(automodel: Any, atol: float = CHECK_ATOL) -> bool:
    """Whether a padded pass gives FunASR's one-at-a-time numbers on this model (two seeded noise
    recordings of 0.4 s and 0.27 s, so that one is padded)."""
    if not supports_batching(automodel):
        return False
    rng = np.random.default_rng(0)
    signals = [(0.1 * rng.standard_normal(n)).astype(np.float32) for n in (6400, 4320)]
    import torch

    try:
        batched = forward_batch(automodel, signals)
        with torch.inference_mode():
            single = [automodel.generate(input=[s], granularity="utterance", extract_embedding=True, batch_size=1,
                                         fs=SAMPLE_RATE)[0] for s in signals]
    except Exception:
        return False
    for a, b in zip(batched, single):
        if a["labels"] != list(b.get("labels", [])):
            return False
        if not np.allclose(a["scores"], b.get("scores", []), atol=atol, rtol=0):
            return False
        if not np.allclose(a["feats"], np.asarray(b.get("feats")).reshape(-1), atol=atol, rtol=1e-4):
            return False
    return True


def _token_list(automodel: Any) -> Sequence[str]:
    tokenizer = automodel.kwargs.get("tokenizer")
    return tokenizer.token_list if tokenizer is not None else []


def _positional_layers(encoder: Any) -> tuple[Any, list[Any]]:
    """(pre-norm or None, the conv layers) of the audio encoder's positional encoder, whose layout is
    ``[LayerNorm,] Sequential(TransposeLast, (Conv1d, ...) x depth, TransposeLast)``."""
    import torch

    module = encoder.relative_positional_encoder
    pre = None
    if isinstance(module, torch.nn.Sequential) and len(module) == 2 and isinstance(module[1], torch.nn.Sequential):
        pre, module = module[0], module[1]
    if not isinstance(module, torch.nn.Sequential) or len(module) < 3:
        raise ValueError("unexpected positional encoder")
    first, *layers, last = list(module)
    if type(first).__name__ != "TransposeLast" or type(last).__name__ != "TransposeLast":
        raise ValueError("unexpected positional encoder")
    for layer in layers:
        if not isinstance(layer, torch.nn.Sequential) or not isinstance(layer[0], torch.nn.Conv1d):
            raise ValueError("unexpected positional encoder layer")
    return pre, layers


class _MaskedPositional:
    """Stands in for the positional encoder during a padded pass: padded frames are zero going into
    and coming out of every layer, as past the end of a recording run alone."""

    def __init__(self, encoder: Any, sample_padding: Any) -> None:
        self.encoder = encoder
        self.pre, self.layers = _positional_layers(encoder)
        self.sample_padding = sample_padding

    def __call__(self, x: Any) -> Any:
        frame_padding = self.encoder.convert_padding_mask(x, self.sample_padding)
        keep = (~frame_padding).to(x.dtype).unsqueeze(-1)  # B x T x 1
        x = x * keep
        if self.pre is not None:
            x = self.pre(x) * keep
        h = x.transpose(1, 2)
        keep_t = keep.transpose(1, 2)
        for layer in self.layers:
            h = layer(h) * keep_t
        return h.transpose(1, 2)


class _masked_positional_encoder:  # noqa: N801 - a context manager used like a function
    """Swaps the encoder's positional encoder for :class:`_MaskedPositional` for one pass (only when
    something is padded), and puts the original back."""

    def __init__(self, encoder: Any, sample_padding: Any) -> None:
        self.encoder = encoder
        self.sample_padding = sample_padding
        self.original: Any = None

    def __enter__(self) -> None:
        if bool(self.sample_padding.any()):
            masked = _MaskedPositional(self.encoder, self.sample_padding)
            self.original = self.encoder._modules.pop("relative_positional_encoder")
            object.__setattr__(self.encoder, "relative_positional_encoder", masked)

    def __exit__(self, *exc: object) -> None:
        if self.original is not None:
            object.__delattr__(self.encoder, "relative_positional_encoder")
            self.encoder._modules["relative_positional_encoder"] = self.original
