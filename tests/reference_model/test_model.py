from __future__ import annotations

from pathlib import Path

import torch

from reference_model.dataset import TrainingSet
from reference_model.losses import compute_losses
from reference_model.model import UnifiedSpeechLM
from reference_model.packing import Packer
from reference_model.prepare import load_prepared


def setup(config, prepared_folder: Path) -> tuple[UnifiedSpeechLM, TrainingSet]:
    prepared = load_prepared(config, prepared_folder)
    torch.manual_seed(0)
    model = UnifiedSpeechLM(config, prepared.tokenizer.vocab_size, prepared.features(0).shape[1],
                            torch.from_numpy(prepared.codec.centroids))
    model.critic.load_state_dict(prepared.critic_state)
    packer = Packer(prepared.tokenizer, config.data, model.speech_positions, prepared.features.length)
    return model, TrainingSet(prepared, packer, model.speech_head.end)


def test_speech_fills_exactly_the_positions_the_packer_reserved(tiny_config, prepared_folder: Path) -> None:
    model, data = setup(tiny_config, prepared_folder)
    batch = data.batch([0, 1, 2], teacher=False, units=False).student
    encoded, lengths = model.encode_speech(batch.feats, batch.feat_lengths)
    expected = sum(model.speech_positions(int(n)) for n in batch.feat_lengths)
    assert int(lengths.sum()) == expected == batch.speech_pos.shape[0]
    assert int(batch.speech_src[:, 1].max()) < encoded.shape[1]


def test_every_loss_is_finite_and_reaches_the_modules_it_trains(tiny_config, prepared_folder: Path) -> None:
    model, data = setup(tiny_config, prepared_folder)
    model.train()
    model.set_trainable(["audio_encoder", "adapter", "lm", "speech_head"])
    pair = data.batch([3, 4, 5, 6], teacher=True, units=True)
    weights = {name: 1.0 for name in ("teacher_ce", "student_ce", "distill_kl", "align", "unit_ce", "consistency")}
    losses = compute_losses(model, pair, weights, 2.0, unit_dropout=0.3)
    assert set(losses) == {*weights, "loss"} and all(torch.isfinite(v) for v in losses.values())
    model.zero_grad()
    losses["consistency"].backward()
    assert model.speech_head.net[0].weight.grad.abs().sum() > 0  # through the straight-through samples
    assert model.lm.get_input_embeddings().weight.grad is not None
    assert all(p.grad is None for p in model.critic.parameters())  # the critic is frozen


def test_frozen_groups_get_no_gradient(tiny_config, prepared_folder: Path) -> None:
    model, data = setup(tiny_config, prepared_folder)
    model.set_trainable(["adapter"])
    losses = compute_losses(model, data.batch([0, 1], teacher=False, units=False), {"student_ce": 1.0}, 1.0)
    losses["loss"].backward()
    assert all(p.grad is None for p in model.lm.parameters())
    assert all(p.grad is not None for p in model.adapter.parameters())
