"""Training samples (one per user turn, with its history) and the order they are drawn in.

The order is a pure function of (seed, stage, position in the stream): epoch ``e`` is a fixed
permutation, and under DDP each rank takes its own slice of every global batch. Knowing the step
count is therefore enough to resume the data exactly where it stopped.
"""

from __future__ import annotations

import numpy as np

from humdial_eval.reference_model.packing import Batch, Packer, PairBatch, TurnView, collate, heard_labels
from humdial_eval.reference_model.prepare import Prepared
from humdial_eval.reference_model.tokenizer import PAD


class TrainingSet:
    def __init__(self, prepared: Prepared, packer: Packer, end_unit: int) -> None:
        self.prepared = prepared
        self.packer = packer
        self.end_unit = end_unit
        self.samples = [(d, t) for d, dialogue in enumerate(prepared.dialogues) for t in range(len(dialogue.turns))]
        self.pad = prepared.tokenizer.special_id(PAD)

    def __len__(self) -> int:
        return len(self.samples)

    def views(self, d: int) -> list[TurnView]:
        dialogue = self.prepared.dialogues[d]
        return [
            TurnView(turn.transcript, self.prepared.feature_ids[d][i], turn.thinking, turn.reply, turn.cue)
            for i, turn in enumerate(dialogue.turns)
        ]

    def batch(self, indices: list[int], *, teacher: bool, units: bool) -> PairBatch:
        students, teachers = [], []
        for index in indices:
            d, t = self.samples[index]
            dialogue = self.prepared.dialogues[d]
            views = self.views(d)
            turn = dialogue.turns[t]
            unit_array = self.prepared.units(self.prepared.unit_ids[d][t]) if units else None
            students.append(
                self.packer.pack(dialogue.language, dialogue.task, views[:t], views[t], speech=True,
                                 units=unit_array, reply_emotion=turn.reply_emotion,
                                 heard=heard_labels(turn.emotion, turn.attributes))
            )
            if teacher:
                teachers.append(self.packer.pack(dialogue.language, dialogue.task, views[:t], views[t], speech=False))
        student = self._collate(students)
        return PairBatch(student, self._collate(teachers) if teacher else None)

    def _collate(self, seqs: list) -> Batch:
        return collate(seqs, self.prepared.features, self.pad, self.end_unit)


class SampleStream:
    """Sample indices for (stage, global micro-batch, rank), reproducible from the counters alone."""

    def __init__(self, size: int, seed: int, stage: int, batch_size: int, world_size: int, rank: int) -> None:
        self.size = size
        self.seed = seed
        self.stage = stage
        self.batch_size = batch_size
        self.world_size = world_size
        self.rank = rank
        self._cache: dict[int, np.ndarray] = {}

    def indices(self, micro_batch: int) -> list[int]:
        start = (micro_batch * self.world_size + self.rank) * self.batch_size
        return [self._at(p) for p in range(start, start + self.batch_size)]

    def _at(self, position: int) -> int:
        epoch, offset = divmod(position, self.size)
        if epoch not in self._cache:
            self._cache = {epoch: np.random.default_rng([self.seed, self.stage, epoch]).permutation(self.size)}
        return int(self._cache[epoch][offset])
