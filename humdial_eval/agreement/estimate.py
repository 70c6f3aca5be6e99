"""A statistic's value, or the reason it has none.

Degenerate inputs (no overlap, fewer than three items, a scorer who gives every item the same
score) make many agreement statistics 0/0. Reports must say so in words rather than print NaN, so
every statistic travels as an :class:`Estimate` that holds either a finite number or a reason.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Estimate:
    """``value`` is finite or ``None``; when ``None``, ``undefined`` says why.

    ``ci`` is an interval around the value (bootstrap or analytic); ``ci_undefined`` says why an
    interval was asked for but could not be given.
    """

    value: float | None
    undefined: str | None = None
    ci: tuple[float, float] | None = None
    ci_undefined: str | None = None

    @classmethod
    def of(cls, value: float | None, reason_if_not_finite: str = "the computation gave no finite value") -> Estimate:
        if value is None or not math.isfinite(float(value)):
            return cls(None, reason_if_not_finite)
        return cls(float(value))

    @classmethod
    def missing(cls, reason: str) -> Estimate:
        return cls(None, reason)

    @property
    def defined(self) -> bool:
        return self.value is not None

    def with_ci(self, ci: tuple[float, float] | None, reason: str | None) -> Estimate:
        if not self.defined:
            return Estimate(None, self.undefined, None, None)
        if ci is not None and all(math.isfinite(x) for x in ci):
            return Estimate(self.value, None, (float(ci[0]), float(ci[1])), None)
        return Estimate(self.value, None, None, reason or "no interval could be computed")

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"value": self.value}
        if self.undefined is not None:
            out["undefined"] = self.undefined
        if self.ci is not None:
            out["ci"] = list(self.ci)
        if self.ci_undefined is not None:
            out["ci_undefined"] = self.ci_undefined
        return out

    def format(self, digits: int = 3) -> str:
        """Short text for tables: ``0.712 [0.601, 0.803]`` or ``undefined``."""
        if self.value is None:
            return "undefined"
        text = f"{self.value:.{digits}f}"
        if self.ci is not None:
            text += f" [{self.ci[0]:.{digits}f}, {self.ci[1]:.{digits}f}]"
        return text
