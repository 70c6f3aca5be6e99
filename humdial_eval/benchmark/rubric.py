"""Rubrics as data: one object drives the LLM judge prompt, the offline judge and human rating sheets."""

from __future__ import annotations

import math
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Scale:
    """The values a dimension may take, and how an out-of-scale judge answer is mapped onto them.

    ``sparse`` scales ({1, 3, 5}) follow the official clamp: below 3 -> 1, 3 up to 5 -> 3, 5 and above -> 5.
    Dense scales (1..5) round half up and clamp into range.
    """

    values: tuple[int, ...]

    @property
    def minimum(self) -> int:
        return self.values[0]

    @property
    def maximum(self) -> int:
        return self.values[-1]

    @property
    def sparse(self) -> bool:
        return len(self.values) != self.maximum - self.minimum + 1

    def clamp(self, value: float) -> int:
        if math.isnan(value):
            raise ValueError("score is NaN")
        if self.sparse:
            chosen = self.values[0]
            for allowed in self.values:
                if value >= allowed:
                    chosen = allowed
            return chosen
        rounded = math.floor(value + 0.5)
        return max(self.minimum, min(self.maximum, rounded))

    def step(self) -> int:
        """Distance between adjacent scale values (2 on {1,3,5}); used for 'adjacent agreement'."""
        return self.values[1] - self.values[0] if len(self.values) > 1 else 1


SPARSE_1_3_5 = Scale((1, 3, 5))
DENSE_1_TO_5 = Scale((1, 2, 3, 4, 5))


@dataclass(frozen=True)
class Dimension:
    """One scored dimension. ``levels`` describes what each anchor score means, in our own words."""

    key: str
    name: str
    scale: Scale
    description: str
    levels: dict[int, str] = field(default_factory=dict)
    needs_audio: bool = False


@dataclass(frozen=True)
class Rubric:
    dimensions: tuple[Dimension, ...]

    def keys(self) -> tuple[str, ...]:
        return tuple(d.key for d in self.dimensions)

    def minimum_scores(self, keys: tuple[str, ...] | list[str]) -> dict[str, int]:
        """The lowest score of each named dimension: what the benchmark's rules give an unanswerable item."""
        return {key: self.dimension(key).scale.minimum for key in keys}

    def dimension(self, key: str) -> Dimension:
        for dimension in self.dimensions:
            if dimension.key == key:
                return dimension
        raise KeyError(key)
