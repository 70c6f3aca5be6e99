"""Independent, textbook computations of the agreement statistics, in exact fractions where possible.

These deliberately share no code with the package (no scikit-learn, krippendorff, pingouin or scipy
correlation calls), so a test that compares the two checks the package's use of its libraries.
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction


def weighted_kappa(a: list[int], b: list[int], labels: list[int]) -> Fraction:
    """Cohen's kappa with quadratic weights: 1 - sum(w * observed) / sum(w * expected)."""
    n = len(a)
    index = {v: i for i, v in enumerate(labels)}
    k = len(labels)
    observed = [[Fraction(0)] * k for _ in range(k)]
    for x, y in zip(a, b):
        observed[index[x]][index[y]] += Fraction(1, n)
    rows = [sum(observed[i]) for i in range(k)]
    cols = [sum(observed[i][j] for i in range(k)) for j in range(k)]
    num = sum((i - j) ** 2 * observed[i][j] for i in range(k) for j in range(k))
    den = sum((i - j) ** 2 * rows[i] * cols[j] for i in range(k) for j in range(k))
    return 1 - num / den


def ordinal_alpha(units: list[list[int]]) -> Fraction:
    """Krippendorff's alpha, ordinal metric, from the coincidence matrix; a unit lists the values it
    received (any number of raters; units with fewer than two values are not pairable)."""
    values = sorted({v for u in units for v in u})
    coincidence = {(c, k): Fraction(0) for c in values for k in values}
    for unit in units:
        m = len(unit)
        if m < 2:
            continue
        for i, j in itertools.permutations(range(m), 2):
            coincidence[(unit[i], unit[j])] += Fraction(1, m - 1)
    totals = {c: sum(coincidence[(c, k)] for k in values) for c in values}
    n = sum(totals.values())

    def delta(c: int, k: int) -> Fraction:
        lo, hi = min(c, k), max(c, k)
        between = sum(totals[g] for g in values if lo <= g <= hi)
        return (between - (totals[c] + totals[k]) / 2) ** 2

    observed = sum(coincidence[(c, k)] * delta(c, k) for c in values for k in values)
    expected = sum(totals[c] * totals[k] * delta(c, k) for c in values for k in values)
    return 1 - (n - 1) * observed / expected


def pearson(x: list[float], y: list[float]) -> float:
    n = len(x)
    mx, my = sum(x) / n, sum(y) / n
    sxy = sum((a - mx) * (b - my) for a, b in zip(x, y))
    sxx = sum((a - mx) ** 2 for a in x)
    syy = sum((b - my) ** 2 for b in y)
    return sxy / math.sqrt(sxx * syy)


def average_ranks(x: list[float]) -> list[float]:
    ordered = sorted(x)
    return [ordered.index(v) + (ordered.count(v) + 1) / 2 for v in x]


def spearman(x: list[float], y: list[float]) -> float:
    return pearson(average_ranks(x), average_ranks(y))


def kendall_tau_b(x: list[float], y: list[float]) -> float:
    concordant = discordant = ties_x = ties_y = 0
    for (a1, b1), (a2, b2) in itertools.combinations(zip(x, y), 2):
        dx, dy = a1 - a2, b1 - b2
        if dx == 0 and dy == 0:
            ties_x += 1
            ties_y += 1
        elif dx == 0:
            ties_x += 1
        elif dy == 0:
            ties_y += 1
        elif dx * dy > 0:
            concordant += 1
        else:
            discordant += 1
    n0 = len(x) * (len(x) - 1) / 2
    return (concordant - discordant) / math.sqrt((n0 - ties_x) * (n0 - ties_y))


def icc_absolute(table: list[list[float]]) -> tuple[float, float]:
    """ICC(A,1) and ICC(A,k) (McGraw & Wong) from two-way ANOVA mean squares; rows are targets."""
    n, k = len(table), len(table[0])
    grand = sum(map(sum, table)) / (n * k)
    row_means = [sum(r) / k for r in table]
    col_means = [sum(table[i][j] for i in range(n)) / n for j in range(k)]
    ss_rows = k * sum((m - grand) ** 2 for m in row_means)
    ss_cols = n * sum((m - grand) ** 2 for m in col_means)
    ss_total = sum((v - grand) ** 2 for r in table for v in r)
    ss_error = ss_total - ss_rows - ss_cols
    msr, msc, mse = ss_rows / (n - 1), ss_cols / (k - 1), ss_error / ((n - 1) * (k - 1))
    single = (msr - mse) / (msr + (k - 1) * mse + k * (msc - mse) / n)
    average = (msr - mse) / (msr + (msc - mse) / n)
    return single, average
