"""A list of variable-length arrays kept as one array plus offsets: features and units of many turns.

One ``.npy`` file per list loads fast and memory-maps, where thousands of small files would not.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np


class ArrayStore:
    def __init__(self, arrays: list[np.ndarray] | None = None) -> None:
        self._arrays: list[np.ndarray] = list(arrays or [])

    def add(self, array: np.ndarray) -> int:
        self._arrays.append(np.asarray(array))
        return len(self._arrays) - 1

    def __call__(self, index: int) -> np.ndarray:
        return self._arrays[index]

    def __len__(self) -> int:
        return len(self._arrays)

    def length(self, index: int) -> int:
        return int(self._arrays[index].shape[0])

    def save(self, path: Path) -> None:
        lengths = np.array([len(a) for a in self._arrays], dtype=np.int64)
        if self._arrays:
            data = np.concatenate([a.reshape(len(a), -1) if a.ndim > 1 else a for a in self._arrays], axis=0)
        else:
            data = np.zeros(0)
        np.save(path.with_suffix(".data.npy"), data)
        np.save(path.with_suffix(".lengths.npy"), lengths)

    @classmethod
    def load(cls, path: Path) -> "ArrayStore":
        data = np.load(path.with_suffix(".data.npy"), mmap_mode="r")
        lengths = np.load(path.with_suffix(".lengths.npy"))
        offsets = np.concatenate([[0], np.cumsum(lengths)])
        return cls([np.asarray(data[offsets[i] : offsets[i + 1]]) for i in range(len(lengths))])
