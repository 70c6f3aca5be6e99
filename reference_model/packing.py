"""Multi-turn context packing: one user turn with its history becomes one LM sequence.

Layout (``[...]`` marks what differs between the speech student and the text teacher)::

    <|system|> <|lang:en|> <|task:T1|>
    <|user|> [<|speech|> frames <|/speech|> | transcript] <|assistant|> <think> thinking </think> reply <|eot|>   (history)
    <|user|> [<|speech|> frames <|/speech|> | transcript] <|assistant|>
    <think> thinking </think> reply <|eot|>        <- text targets (identical in student and teacher)
    <|speak|> u1 u2 ... uT                         <- speech-unit targets (u1..uT, then 'end')

History turns are dropped oldest first to stay within ``data.max_tokens``. Speech and units occupy
placeholder positions that the model fills with embeddings.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch

from humdial_eval.benchmark.emotions import EMOTIONS
from humdial_eval.reference_model import tokenizer as tk
from humdial_eval.reference_model.attributes import ATTRIBUTES
from humdial_eval.reference_model.config import DataConfig
from humdial_eval.reference_model.tokenizer import Tokenizer

IGNORE = -100
# What a turn's speech is classified into by the attribute heads: the emotion, then each attribute.
HEARD = ("emotion", *ATTRIBUTES)
HEARD_CLASSES = len(HEARD)


def heard_labels(emotion: str | None, attributes: Mapping[str, str]) -> list[int]:
    """Class indices of a turn's emotion and recorded attributes, in :data:`HEARD` order (-1: unknown)."""
    labels = [EMOTIONS.index(emotion) if emotion in EMOTIONS else -1]
    for name, values in ATTRIBUTES.items():
        value = attributes.get(name)
        labels.append(values.index(value) if value in values else -1)
    return labels


@dataclass(frozen=True)
class TurnView:
    """What the packer needs of a turn: the user's words or speech, and the assistant's thinking and reply."""

    transcript: str
    feature_id: int | None
    thinking: str = ""
    reply: str = ""
    cue: str = ""  # how the user sounds, in words; read by the text path only (the teacher's privileged view)


@dataclass
class PackedSequence:
    tokens: list[int] = field(default_factory=list)
    labels: list[int] = field(default_factory=list)  # labels[i]: the token that logits at i must predict
    unit_labels: list[int] = field(default_factory=list)
    speech: list[tuple[int, int, int]] = field(default_factory=list)  # (position, utterance slot, frame)
    units: list[tuple[int, int]] = field(default_factory=list)  # (position, unit id)
    unit_slots: list[tuple[int, int]] = field(default_factory=list)  # (position predicting unit t, t)
    utterances: list[int] = field(default_factory=list)  # feature ids, in order of their slots
    target_positions: list[int] = field(default_factory=list)
    current_slot: int | None = None
    transcript: list[int] = field(default_factory=list)
    reply_emotion: int = -1
    heard: list[int] = field(default_factory=list)  # the current turn's emotion and attribute classes (-1: unknown)
    thinking_targets: int = 0  # how many of the first targets belong to the thinking (<think> ... </think>)

    def __len__(self) -> int:
        return len(self.tokens)


class Packer:
    def __init__(
        self, tokenizer: Tokenizer, config: DataConfig, speech_positions: Callable[[int], int],
        feature_frames: Callable[[int], int],
    ) -> None:
        self.tok = tokenizer
        self.config = config
        self.speech_positions = speech_positions
        self.feature_frames = feature_frames
        self.pad = tokenizer.special_id(tk.PAD)

    def pack(
        self, language: str, task: str, history: Sequence[TurnView], current: TurnView, *, speech: bool,
        targets: bool = True, units: np.ndarray | None = None, reply_emotion: str | None = None,
        heard: Sequence[int] | None = None,
    ) -> PackedSequence:
        """``speech``: the student (user speech) or the teacher (transcripts). ``targets``: append the
        thinking and reply of ``current`` as training targets; without them the sequence ends at
        ``<|assistant|>``, ready for generation."""
        head = self._ids(tk.SYSTEM, tk.language_token(language)) + (
            self._ids(tk.task_token(task)) if self.config.task_tag else []
        )
        target_ids = self._target_ids(current) if targets else []
        unit_count = 0 if units is None else len(units) + 1
        budget = self.config.max_tokens - len(head) - len(target_ids) - unit_count - self._user_length(current, speech)
        if not targets:
            budget -= self.config.answer_reserve  # room for the answer still to be written
        kept: list[TurnView] = []
        for turn in reversed(list(history)[-self.config.max_history_turns :] if self.config.max_history_turns else []):
            cost = self._user_length(turn, speech) + len(self._history_ids(turn))
            if cost > budget:
                break
            budget -= cost
            kept.insert(0, turn)
        seq = PackedSequence()
        self._text(seq, head)
        for turn in kept:
            self._user(seq, turn, speech)
            self._text(seq, self._history_ids(turn))
        seq.current_slot = self._user(seq, current, speech)
        seq.transcript = self.tok.encode(current.transcript)
        if targets:
            self._text(seq, target_ids, target=True)
            seq.thinking_targets = len(self.tok.encode(current.thinking)) + 2
        if heard is not None:
            seq.heard = list(heard)
        if units is not None:
            self._units(seq, units)
        if reply_emotion is not None:
            seq.reply_emotion = EMOTIONS.index(reply_emotion)
        return seq

    def _ids(self, *specials: str) -> list[int]:
        return [self.tok.special_id(s) for s in specials]

    def _target_ids(self, turn: TurnView) -> list[int]:
        return (
            self._ids(tk.THINK) + self.tok.encode(turn.thinking) + self._ids(tk.END_THINK)
            + self.tok.encode(turn.reply) + self._ids(tk.EOT)
        )

    def _history_ids(self, turn: TurnView) -> list[int]:
        thinking = (
            self._ids(tk.THINK) + self.tok.encode(turn.thinking) + self._ids(tk.END_THINK)
            if self.config.history_thinking and turn.thinking else []
        )
        return thinking + self.tok.encode(turn.reply) + self._ids(tk.EOT)

    def _user_length(self, turn: TurnView, speech: bool) -> int:
        if speech and turn.feature_id is not None:
            return 4 + self.speech_positions(self.feature_frames(turn.feature_id))
        return 2 + len(self.tok.encode(self._written(turn)))

    @staticmethod
    def _written(turn: TurnView) -> str:
        return f"{turn.transcript} [{turn.cue}]" if turn.cue else turn.transcript

    def _text(self, seq: PackedSequence, ids: list[int], target: bool = False) -> None:
        for token in ids:
            if target:
                seq.labels[-1] = token  # the previous position predicts this token
                seq.target_positions.append(len(seq.tokens) - 1)
            seq.tokens.append(token)
            seq.labels.append(IGNORE)
            seq.unit_labels.append(IGNORE)

    def _user(self, seq: PackedSequence, turn: TurnView, speech: bool) -> int | None:
        self._text(seq, self._ids(tk.USER))
        slot = None
        if speech and turn.feature_id is not None:
            self._text(seq, self._ids(tk.SPEECH))
            slot = len(seq.utterances)
            seq.utterances.append(turn.feature_id)
            for frame in range(self.speech_positions(self.feature_frames(turn.feature_id))):
                seq.speech.append((len(seq.tokens), slot, frame))
                self._text(seq, [self.pad])
            self._text(seq, self._ids(tk.END_SPEECH))
        else:
            self._text(seq, self.tok.encode(self._written(turn)))
        self._text(seq, self._ids(tk.ASSISTANT))
        return slot

    def _units(self, seq: PackedSequence, units: np.ndarray) -> None:
        self._text(seq, self._ids(tk.SPEAK))
        for t, unit in enumerate(units.tolist()):
            seq.unit_labels[-1] = unit
            seq.unit_slots.append((len(seq.tokens) - 1, t))
            seq.units.append((len(seq.tokens), unit))
            self._text(seq, [self.pad])
        seq.unit_labels[-1] = -1  # 'end of speech', resolved to the head's end class in collate


@dataclass
class Batch:
    tokens: torch.Tensor
    attention_mask: torch.Tensor
    labels: torch.Tensor
    unit_labels: torch.Tensor
    speech_pos: torch.Tensor  # [N, 2] (row, position)
    speech_src: torch.Tensor  # [N, 2] (utterance, frame)
    unit_pos: torch.Tensor
    unit_ids: torch.Tensor
    unit_slot_pos: torch.Tensor  # [M, 2] (row, position predicting a unit)
    unit_slot_index: torch.Tensor  # [M] time index of that unit
    unit_counts: torch.Tensor  # [B]
    target_pos: torch.Tensor  # [P, 2]
    feats: torch.Tensor  # [U, T, D]
    feat_lengths: torch.Tensor
    current_utt: torch.Tensor  # [B] utterance index of each row's current turn (-1: none)
    transcripts: torch.Tensor  # [B, S]
    transcript_mask: torch.Tensor
    reply_emotion: torch.Tensor  # [B]
    heard: torch.Tensor  # [B, K] classes of the current turn's emotion and attributes (-1: unknown)
    target_thinking: torch.Tensor  # [P] whether each target position belongs to the thinking

    def to(self, device: torch.device) -> "Batch":
        return Batch(**{k: v.to(device, non_blocking=True) for k, v in self.__dict__.items()})


@dataclass
class PairBatch:
    student: Batch
    teacher: Batch | None

    def to(self, device: torch.device) -> "PairBatch":
        return PairBatch(self.student.to(device), self.teacher.to(device) if self.teacher else None)


def collate(seqs: Sequence[PackedSequence], features: Callable[[int], np.ndarray], pad: int, end_unit: int) -> Batch:
    width = max(len(s) for s in seqs)
    rows = len(seqs)
    tokens = torch.full((rows, width), pad, dtype=torch.long)
    mask = torch.zeros((rows, width), dtype=torch.long)
    labels = torch.full((rows, width), IGNORE, dtype=torch.long)
    unit_labels = torch.full((rows, width), IGNORE, dtype=torch.long)
    speech_pos, speech_src, unit_pos, unit_ids, slot_pos, slot_index, target_pos = [], [], [], [], [], [], []
    utterances: list[int] = []
    thinking: list[bool] = []
    current = []
    transcripts = [s.transcript for s in seqs]
    for row, seq in enumerate(seqs):
        n = len(seq)
        tokens[row, :n] = torch.tensor(seq.tokens)
        mask[row, :n] = 1
        labels[row, :n] = torch.tensor(seq.labels)
        unit_labels[row, :n] = torch.tensor([end_unit if u == -1 else u for u in seq.unit_labels])
        base = len(utterances)
        utterances.extend(seq.utterances)
        speech_pos.extend((row, p) for p, _, _ in seq.speech)
        speech_src.extend((base + slot, f) for _, slot, f in seq.speech)
        unit_pos.extend((row, p) for p, _ in seq.units)
        unit_ids.extend(u for _, u in seq.units)
        slot_pos.extend((row, p) for p, _ in seq.unit_slots)
        slot_index.extend(t for _, t in seq.unit_slots)
        target_pos.extend((row, p) for p in seq.target_positions)
        thinking.extend(i < seq.thinking_targets for i in range(len(seq.target_positions)))
        current.append(base + seq.current_slot if seq.current_slot is not None else -1)
    arrays = [features(i) for i in utterances]
    frames = max((len(a) for a in arrays), default=1)
    dim = arrays[0].shape[1] if arrays else 1
    feats = torch.zeros((len(arrays), frames, dim))
    for i, array in enumerate(arrays):
        feats[i, : len(array)] = torch.from_numpy(np.array(array, dtype=np.float32))  # a copy: stores may be read-only
    text_width = max((len(t) for t in transcripts), default=1) or 1
    transcript_ids = torch.full((rows, text_width), pad, dtype=torch.long)
    transcript_mask = torch.zeros((rows, text_width), dtype=torch.bool)
    for row, ids in enumerate(transcripts):
        transcript_ids[row, : len(ids)] = torch.tensor(ids, dtype=torch.long)
        transcript_mask[row, : len(ids)] = True

    def pairs(values: list[tuple[int, int]]) -> torch.Tensor:
        return torch.tensor(values, dtype=torch.long).reshape(-1, 2)

    return Batch(
        tokens=tokens, attention_mask=mask, labels=labels, unit_labels=unit_labels,
        speech_pos=pairs(speech_pos), speech_src=pairs(speech_src), unit_pos=pairs(unit_pos),
        unit_ids=torch.tensor(unit_ids, dtype=torch.long), unit_slot_pos=pairs(slot_pos),
        unit_slot_index=torch.tensor(slot_index, dtype=torch.long),
        unit_counts=torch.tensor([len(s.unit_slots) for s in seqs], dtype=torch.long),
        target_pos=pairs(target_pos), feats=feats,
        feat_lengths=torch.tensor([len(a) for a in arrays], dtype=torch.long),
        current_utt=torch.tensor(current, dtype=torch.long), transcripts=transcript_ids,
        transcript_mask=transcript_mask, reply_emotion=torch.tensor([s.reply_emotion for s in seqs], dtype=torch.long),
        heard=torch.tensor([s.heard or [-1] * HEARD_CLASSES for s in seqs], dtype=torch.long).reshape(rows, HEARD_CLASSES),
        target_thinking=torch.tensor(thinking, dtype=torch.bool),
    )
