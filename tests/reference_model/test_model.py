from __future__ import annotations

from pathlib import Path

import torch

from humdial_eval.reference_model.dataset import TrainingSet
from humdial_eval.reference_model.losses import compute_losses
from humdial_eval.reference_model.model import UnifiedSpeechLM
from humdial_eval.reference_model.packing import Packer
from humdial_eval.reference_model.prepare import load_prepared


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
    weights = {name: 1.0 for name in ("teacher_ce", "student_ce", "distill_kl", "align", "attribute_ce", "unit_ce",
                                      "consistency")}
    losses = compute_losses(model, pair, weights, 2.0, unit_dropout=0.3)
    assert set(losses) == {*weights, "loss"} and all(torch.isfinite(v) for v in losses.values())
    model.zero_grad()
    losses["consistency"].backward()
    assert model.speech_head.net[0].weight.grad.abs().sum() > 0  # through the straight-through samples
    assert model.lm.get_input_embeddings().weight.grad is not None
    assert all(p.grad is None for p in model.critic.parameters())  # the critic is frozen


def test_the_attribute_heads_hear_the_current_turn_and_train_the_listening_modules(
    tiny_config, prepared_folder: Path
) -> None:
    from humdial_eval.benchmark.emotions import EMOTIONS
    from humdial_eval.reference_model.attributes import ATTRIBUTES
    from humdial_eval.reference_model.packing import HEARD

    model, data = setup(tiny_config, prepared_folder)
    indices = [0, 1, 2, 3]
    batch = data.batch(indices, teacher=False, units=False).student
    for row, index in enumerate(indices):  # each row's labels are its own current turn's, in HEARD order
        d, t = data.samples[index]
        turn = data.prepared.dialogues[d].turns[t]
        labels = batch.heard[row].tolist()
        assert labels[0] == EMOTIONS.index(turn.emotion)
        for k, (name, values) in enumerate(ATTRIBUTES.items(), start=1):
            assert labels[k] == (values.index(turn.attributes[name]) if name in turn.attributes else -1)
    assert batch.heard.shape == (len(indices), len(HEARD)) and (batch.heard[:, 1:] >= 0).any()
    model.set_trainable(["audio_encoder", "adapter"])
    losses = compute_losses(model, data.batch(indices, teacher=False, units=False), {"attribute_ce": 1.0}, 1.0)
    assert torch.isfinite(losses["attribute_ce"]) and losses["attribute_ce"] > 0
    losses["loss"].backward()
    assert all(p.grad is not None for p in model.attribute_heads.parameters())
    assert all(p.grad is not None for p in model.summary.parameters())
    assert model.audio_encoder.conv[0].weight.grad.abs().sum() > 0


def test_the_position_after_each_utterance_holds_its_summary(tiny_config, prepared_folder: Path) -> None:
    model, data = setup(tiny_config, prepared_folder)
    model.eval()
    batch = data.batch([0, 1, 2], teacher=False, units=False).student
    with torch.no_grad():
        embeds, speech = model.embed(batch)
        frames = model.frame_lengths(batch.feat_lengths)
        encoded, _ = model.audio_encoder(batch.feats, batch.feat_lengths)
        summary = model.summary(model.adapter(encoded), frames)
    last = [i for i in range(len(batch.speech_src)) if int(batch.speech_src[i, 1]) == int(frames[batch.speech_src[i, 0]])]
    assert len(last) == len(batch.feat_lengths)  # one summary position per utterance, after its frames
    for i in last:
        row, position = batch.speech_pos[i].tolist()
        assert torch.allclose(embeds[row, position], summary[batch.speech_src[i, 0]], atol=1e-5)
    assert model.speech_positions(int(batch.feat_lengths[0])) == int(frames[0]) + 1


def test_a_config_without_the_attribute_loss_builds_no_heads(tiny_config, prepared_folder: Path) -> None:
    import copy

    plain = copy.deepcopy(tiny_config)
    plain.model.utterance_summary = False
    for number in (1, 2):
        plain.stage(number).losses.pop("attribute_ce", None)
    model, _ = setup(plain, prepared_folder)
    assert model.attribute_heads is None and model.summary is None
    assert not any(k.startswith(("attribute_heads", "summary")) for k in model.state_dict())


def test_distillation_covers_only_the_thinking_where_the_teacher_reads_the_cue(tiny_config, prepared_folder: Path) -> None:
    model, data = setup(tiny_config, prepared_folder)
    indices = [0, 1, 2]
    pair = data.batch(indices, teacher=True, units=False)
    tok = data.prepared.tokenizer
    expected = [len(tok.encode(data.prepared.dialogues[d].turns[t].thinking)) + 2 for d, t in (data.samples[i] for i in indices)]
    for batch in (pair.student, pair.teacher):
        rows = batch.target_pos[batch.target_thinking][:, 0].tolist()
        assert [rows.count(r) for r in range(len(indices))] == expected
        # the thinking targets come first in each row: <think> ... </think>, then the reply's
        first = {r: batch.target_thinking[batch.target_pos[:, 0] == r] for r in range(len(indices))}
        assert all(bool(flags[: n].all()) and not bool(flags[n:].any()) for (r, flags), n in zip(first.items(), expected))
    # the teacher reads how the user sounds; the student hears it
    d, t = data.samples[indices[0]]
    cue = data.prepared.dialogues[d].turns[t].cue
    assert cue and tok.encode(cue)[0] in pair.teacher.tokens[0].tolist()
    model.eval()
    with torch.no_grad():
        thinking = compute_losses(model, pair, {"distill_kl": 1.0}, 1.0)["distill_kl"]
        everything = compute_losses(model, pair, {"distill_kl": 1.0}, 1.0, distill_span="all")["distill_kl"]
    assert torch.isfinite(thinking) and torch.isfinite(everything) and not torch.isclose(thinking, everything)


def test_frozen_groups_get_no_gradient(tiny_config, prepared_folder: Path) -> None:
    model, data = setup(tiny_config, prepared_folder)
    model.set_trainable(["adapter"])
    losses = compute_losses(model, data.batch([0, 1], teacher=False, units=False), {"student_ce": 1.0}, 1.0)
    losses["loss"].backward()
    assert all(p.grad is None for p in model.lm.parameters())
    assert all(p.grad is not None for p in model.adapter.parameters())


def _config_with(config, **model_fields):
    import copy

    changed = copy.deepcopy(config)
    for key, value in model_fields.items():
        setattr(changed.model, key, value)
    return changed


def test_the_speech_branch_leaves_at_its_layer_and_speech_losses_never_reach_the_text_top(
    tiny_config, prepared_folder: Path
) -> None:
    layers = tiny_config.model.backbone["num_hidden_layers"]
    config = _config_with(tiny_config, speech_branch_layer=1, speech_branch_depth=2)
    model, data = setup(config, prepared_folder)
    assert model.speech_branch is not None and len(model.speech_branch.layers) == 2
    model.train()
    model.set_trainable(["audio_encoder", "adapter", "lm", "speech_head"])
    pair = data.batch([3, 4, 5], teacher=False, units=True)
    compute_losses(model, pair, {"unit_ce": 1.0}, 1.0)["loss"].backward()
    decoder = model.lm.get_decoder()
    below = [p.grad for p in decoder.layers[0].parameters()]
    above = [p.grad for layer in decoder.layers[1:layers] for p in layer.parameters()]
    assert all(g is not None and g.abs().sum() > 0 for g in below)  # the shared "think" layers learn to speak
    assert all(g is None or g.abs().sum() == 0 for g in above)  # the text-only top does not
    assert all(p.grad is not None for p in model.speech_branch.layers[0].parameters())


def test_decoding_feeds_the_branch_the_same_states_as_training(tiny_config, prepared_folder: Path) -> None:
    """Incremental decoding (two caches) and one full pass give the same speech hidden states."""
    config = _config_with(tiny_config, speech_branch_layer=1, speech_branch_depth=1)
    model, data = setup(config, prepared_folder)
    model.eval()
    batch = data.batch([2], teacher=False, units=True).student
    with torch.no_grad():
        embeds, _ = model.embed(batch)
        _, full = model.dual_hidden_states(embeds, batch.attention_mask)
        state = model.decode_step()
        state(embeds[:, :-5])
        parts = [state.speech_hidden]
        for i in range(5, 0, -1):
            state(embeds[:, -i:][:, :1])
            parts.append(state.speech_hidden)
    assert torch.allclose(torch.cat(parts, dim=1), full, atol=1e-4)


def test_branching_at_the_top_with_no_layers_is_the_single_head_model(tiny_config, prepared_folder: Path) -> None:
    layers = tiny_config.model.backbone["num_hidden_layers"]
    for layer in (0, layers):
        model, _ = setup(_config_with(tiny_config, speech_branch_layer=layer, speech_branch_depth=0), prepared_folder)
        assert model.speech_branch is None
