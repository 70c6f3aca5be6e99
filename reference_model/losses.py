"""The training losses, each switched on by a positive weight in a stage's ``losses`` section.

- ``teacher_ce``: the text path (transcripts in, IEAT thinking and reply out) learns the targets;
  this is the text-side teacher of self-distillation, the same network reading words instead of speech.
- ``student_ce``: the speech path (user audio in) learns the same targets.
- ``distill_kl``: KL(teacher || student), teacher detached: the speech student is pulled towards what
  the model would think and write had it read the transcript *and a description of how the user
  sounds* (``data.teacher_cue``: the emotion and the attributes, which the student must hear). Over
  the thinking's tokens by default (``distill_span``), where that privileged view makes the two differ.
- ``align``: 1 - cosine between the mean adapted speech of the current turn and the mean embedding of
  its transcript tokens (speech-text alignment in the shared space).
- ``attribute_ce``: classifiers over the current turn's speech summary (the mean and spread over time
  of its adapted frames, projected) name the user's emotion and each recorded attribute;
  cross-entropy, averaged over the classifiers that have a label. It gives the listening modules a direct reason to carry how the user sounds
  into the LM's space; the LM still has to state it in the thinking.
- ``unit_ce``: the speech head learns the reply's speech units (and when to stop). With
  ``unit_dropout``, some earlier units are hidden from the model, so that it cannot just continue
  the voice it was given and has to take the voice from the text it has written.
- ``consistency``: the units the model would speak are drawn (straight-through Gumbel-softmax) and
  heard by the frozen :class:`SpeechEmotionCritic`; cross-entropy against the text reply's emotion
  makes what the voice expresses agree with what the text says (stage 2's cross-modal objective),
  end to end into the speech head, the LM and the listening modules.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F

from humdial_eval.reference_model.packing import IGNORE, Batch


def compute_losses(
    model: Any, pair: Any, weights: dict[str, float], temperature: float, unit_dropout: float = 0.0,
    distill_span: str = "thinking",
) -> dict[str, torch.Tensor]:
    active = {name: w for name, w in weights.items() if w > 0}
    losses: dict[str, torch.Tensor] = {}
    student: Batch = pair.student
    embeds, speech = model.embed(student, unit_dropout=unit_dropout)
    if {"unit_ce", "consistency"} & active.keys():
        hidden, speech_hidden = model.dual_hidden_states(embeds, student.attention_mask)
    else:
        hidden = speech_hidden = model.hidden_states(embeds, student.attention_mask)
    if "student_ce" in active:
        losses["student_ce"] = _text_ce(model, hidden, student)
    teacher_logits = None
    if pair.teacher is not None and ({"teacher_ce", "distill_kl"} & active.keys()):
        teacher: Batch = pair.teacher
        t_embeds, _ = model.embed(teacher)
        t_hidden = model.hidden_states(t_embeds, teacher.attention_mask)
        if "teacher_ce" in active:
            losses["teacher_ce"] = _text_ce(model, t_hidden, teacher)
        if "distill_kl" in active:
            t_pos = teacher.target_pos[teacher.target_thinking] if distill_span == "thinking" else teacher.target_pos
            teacher_logits = model.text_logits(t_hidden[t_pos[:, 0], t_pos[:, 1]])
    if "distill_kl" in active and teacher_logits is not None:
        s_pos = student.target_pos[student.target_thinking] if distill_span == "thinking" else student.target_pos
        s_logits = model.text_logits(hidden[s_pos[:, 0], s_pos[:, 1]])
        t = temperature
        losses["distill_kl"] = F.kl_div(
            F.log_softmax(s_logits.float() / t, dim=-1), F.log_softmax(teacher_logits.detach().float() / t, dim=-1),
            log_target=True, reduction="batchmean",
        ) * (t * t)
    if "align" in active and speech is not None:
        losses["align"] = _align(model, speech, student)
    if "attribute_ce" in active and speech is not None and model.attribute_heads is not None:
        losses["attribute_ce"] = _attribute_ce(model, speech, student)
    if "unit_ce" in active and student.unit_slot_pos.numel():
        at = student.unit_labels != IGNORE
        losses["unit_ce"] = F.cross_entropy(model.speech_head(speech_hidden[at]).float(), student.unit_labels[at])
    if "consistency" in active and student.unit_slot_pos.numel():
        losses["consistency"] = _consistency(model, speech_hidden, student)
    total = sum((active[name] * value for name, value in losses.items()), torch.zeros((), device=hidden.device))
    losses["loss"] = total
    return losses


def _text_ce(model: Any, hidden: torch.Tensor, batch: Batch) -> torch.Tensor:
    at = batch.labels != IGNORE
    logits = model.text_logits(hidden[at]).float()
    return F.cross_entropy(logits, batch.labels[at])


def _align(model: Any, speech: torch.Tensor, batch: Batch) -> torch.Tensor:
    rows = (batch.current_utt >= 0).nonzero().flatten()
    if rows.numel() == 0:
        return speech.sum() * 0.0
    utts = batch.current_utt[rows]
    lengths = model.adapter.output_lengths(model.audio_encoder.output_lengths(batch.feat_lengths[utts]))
    frames = torch.arange(speech.shape[1], device=speech.device)[None, :] < lengths[:, None]
    speech_mean = (speech[utts] * frames.unsqueeze(-1)).sum(1) / frames.sum(1, keepdim=True).clamp(min=1)
    with torch.no_grad():
        text = model.lm.get_input_embeddings()(batch.transcripts[rows]).float()
        mask = batch.transcript_mask[rows].unsqueeze(-1)
        text_mean = (text * mask).sum(1) / mask.sum(1).clamp(min=1)
    return (1.0 - F.cosine_similarity(speech_mean.float(), text_mean, dim=-1)).mean()


def _attribute_ce(model: Any, speech: torch.Tensor, batch: Batch) -> torch.Tensor:
    rows = (batch.current_utt >= 0).nonzero().flatten()
    zero = speech.sum() * 0.0
    if rows.numel() == 0:
        return zero
    utts = batch.current_utt[rows]
    logits = model.hear(speech[utts], model.frame_lengths(batch.feat_lengths[utts]))
    labels = batch.heard[rows]
    terms = [F.cross_entropy(out, labels[:, k], ignore_index=-1) for k, out in enumerate(logits) if (labels[:, k] >= 0).any()]
    return torch.stack(terms).mean() if terms else zero


def _consistency(model: Any, hidden: torch.Tensor, batch: Batch) -> torch.Tensor:
    """The critic hears the units the model would speak at each position; they must carry the reply's emotion.

    Each position's unit is drawn with straight-through Gumbel-softmax: the forward pass uses hard
    one-hot samples, so the critic hears real centroid sequences of the kind it was trained on (an
    expected, averaged mel would let the model please the critic with sounds it never produces);
    the backward pass uses the softmax's gradient.
    """
    pos = batch.unit_slot_pos
    logits = model.speech_head(hidden[pos[:, 0], pos[:, 1]]).float()
    codebook = model.codebook
    sample = F.gumbel_softmax(logits[:, : codebook.shape[0]], tau=1.0, hard=True)
    mel_frames = sample @ codebook
    rows = batch.unit_counts.numel()
    width = int(batch.unit_counts.max().item())
    mel = mel_frames.new_zeros(rows, width, mel_frames.shape[-1]).index_put((pos[:, 0], batch.unit_slot_index), mel_frames)
    speaking = (batch.unit_counts > 0) & (batch.reply_emotion >= 0)
    critic_logits = model.critic(mel[speaking], batch.unit_counts[speaking])
    return F.cross_entropy(critic_logits.float(), batch.reply_emotion[speaking])
