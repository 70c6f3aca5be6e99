"""The training losses, each switched on by a positive weight in a stage's ``losses`` section.

- ``teacher_ce``: the text path (transcripts in, IEAT thinking and reply out) learns the targets;
  this is the text-side teacher of self-distillation, the same network reading words instead of speech.
- ``student_ce``: the speech path (user audio in) learns the same targets.
- ``distill_kl``: KL(teacher || student) over the target tokens, teacher detached: the speech
  student is pulled towards what the model would think and write had it read the transcript.
- ``align``: 1 - cosine between the mean adapted speech of the current turn and the mean embedding of
  its transcript tokens (speech-text alignment in the shared space).
- ``unit_ce``: the speech head learns the reply's speech units (and when to stop).
- ``consistency``: the model speaks the first ``rollout`` units of the reply on its own (sampled,
  differentiable by straight-through Gumbel-softmax); the frozen :class:`SpeechEmotionCritic` hears
  them, and cross-entropy against the text reply's emotion makes what the voice expresses agree
  with what the text says (stage 2's cross-modal objective), end to end into the speech head, the
  LM and the listening modules.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F

from reference_model.packing import IGNORE, Batch


def compute_losses(
    model: Any, pair: Any, weights: dict[str, float], temperature: float, rollout: int = 24
) -> dict[str, torch.Tensor]:
    active = {name: w for name, w in weights.items() if w > 0}
    losses: dict[str, torch.Tensor] = {}
    student: Batch = pair.student
    embeds, speech = model.embed(student)
    hidden = model.hidden_states(embeds, student.attention_mask)
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
            teacher_logits = model.text_logits(t_hidden[teacher.target_pos[:, 0], teacher.target_pos[:, 1]])
    if "distill_kl" in active and teacher_logits is not None:
        s_logits = model.text_logits(hidden[student.target_pos[:, 0], student.target_pos[:, 1]])
        t = temperature
        losses["distill_kl"] = F.kl_div(
            F.log_softmax(s_logits.float() / t, dim=-1), F.log_softmax(teacher_logits.detach().float() / t, dim=-1),
            log_target=True, reduction="batchmean",
        ) * (t * t)
    if "align" in active and speech is not None:
        losses["align"] = _align(model, speech, student)
    if "unit_ce" in active and student.unit_slot_pos.numel():
        at = student.unit_labels != IGNORE
        losses["unit_ce"] = F.cross_entropy(model.speech_head(hidden[at]).float(), student.unit_labels[at])
    if "consistency" in active and student.unit_slot_pos.numel():
        losses["consistency"] = _consistency(model, embeds, student, rollout)
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


def _consistency(model: Any, embeds: torch.Tensor, batch: Batch, rollout: int) -> torch.Tensor:
    """The model speaks freely for ``rollout`` units after ``<|speak|>``; the critic hears them.

    Units are drawn with straight-through Gumbel-softmax: the forward pass uses hard one-hot samples
    (real centroid mels, as the critic knows them, fed back as real unit embeddings), the backward
    pass the softmax's gradient. Teacher-forced units would let the model satisfy the critic by
    continuing the given prefix; free running makes the emotion come from the text context.
    """
    speaking = (batch.unit_counts > 0) & (batch.reply_emotion >= 0)
    if not bool(speaking.any()):
        return embeds.sum() * 0.0
    rows = speaking.nonzero().flatten()
    speak_at = torch.zeros_like(batch.unit_counts)
    first = batch.unit_slot_index == 0  # the first unit is predicted at <|speak|>
    speak_at[batch.unit_slot_pos[first, 0]] = batch.unit_slot_pos[first, 1]
    ends = speak_at[rows]
    width = int(ends.max().item()) + 1
    index = ends[:, None] + 1 - width + torch.arange(width, device=embeds.device)[None, :]
    mask = index >= 0  # left padding, so every row's next position is the same column
    prefix = embeds[rows[:, None], index.clamp(min=0)] * mask.unsqueeze(-1).to(embeds.dtype)
    step = model.decode_step()
    hidden = step(prefix, mask.long())
    codebook = model.codebook
    units = codebook.shape[0]
    mels = []
    attention = mask.long()
    for _ in range(rollout):
        logits = model.speech_head(hidden[:, -1]).float()[:, :units]
        sample = F.gumbel_softmax(logits, tau=1.0, hard=True)
        mels.append(sample @ codebook)
        attention = torch.cat([attention, attention.new_ones(len(rows), 1)], dim=1)
        hidden = step((sample.to(embeds.dtype) @ model.unit_embed.weight).unsqueeze(1), attention)
    mel = torch.stack(mels, dim=1)
    lengths = torch.full((len(rows),), rollout, dtype=torch.long, device=mel.device)
    return F.cross_entropy(model.critic(mel, lengths).float(), batch.reply_emotion[rows])
