"""Bootstrap confidence intervals of finals, and how likely adjacent ranks are to swap.

Only teams with item scores (a run folder's ``items.jsonl``) get an interval; published aggregates
carry no item-level information, so none is invented for them. Resampling is over dialogues, stratified
by (language, task) as the test set is, and *paired* across teams: one resample draws the same dialogue
ids for every team, because all teams answered the same test set and a rank is a paired comparison.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from scipy.stats import bootstrap

from humdial_eval.leaderboards.entries import ItemScores, TeamEntry
from humdial_eval.leaderboards.standings import Interval, Leaderboard, PairSeparation, Standing

METHOD = "paired percentile bootstrap over dialogues, stratified by language and task"


@dataclass
class _Weighted:
    """One team: per language, the (stratum index, score per stratum dialogue, weight) of each dimension."""

    standing: Standing
    terms: dict[str, list[tuple[int, np.ndarray, float]]]


def add_uncertainty(board: Leaderboard, entries: list[TeamEntry], *, resamples: int, confidence: float,
                    seed: int) -> None:
    """Fill in ``ci``/``language_ci`` of teams with item scores and the separations of adjacent ranks."""
    if resamples < 100:
        raise ValueError("at least 100 bootstrap resamples are needed for a percentile interval")
    if not 0.5 <= confidence < 1:
        raise ValueError("confidence must lie in [0.5, 1)")
    board.uncertainty = {"method": METHOD, "resamples": resamples, "confidence": confidence, "seed": seed}
    items = {entry.name: entry.items for entry in entries}
    usable = [s for s in board.standings if _usable(s, items.get(s.team))]
    distributions: dict[str, np.ndarray] = {}
    if usable:
        distributions = _bootstrap(board, usable, items, resamples, confidence, seed)
    board.pairs = _pairs(board, distributions, confidence)


def _usable(standing: Standing, items: ItemScores | None) -> bool:
    if items is None:
        standing.ci_note = "aggregate numbers only"
        return False
    if standing.final is None:
        standing.ci_note = "no final"
        return False
    gaps = [f"{code} {task}.{dim}" for code, lang in standing.languages.items()
            for (task, dim), weight in lang.dimension_weights.items()
            if weight > 0 and not items.cells.get((code, task, dim))]
    if gaps:
        standing.ci_note = "no item scores for " + ", ".join(gaps)
        return False
    return True


def _bootstrap(board: Leaderboard, usable: list[Standing], items: dict[str, ItemScores | None], resamples: int,
               confidence: float, seed: int) -> dict[str, np.ndarray]:
    strata: dict[tuple[str, str], list[str]] = {}
    for standing in usable:
        cells = items[standing.team].cells  # type: ignore[union-attr]
        for code, lang in standing.languages.items():
            for task, dim in lang.dimension_weights:
                strata.setdefault((code, task), []).extend(cells[(code, task, dim)])
    keys = sorted(strata)
    ids = {key: sorted(set(strata[key])) for key in keys}
    weighted = [_weighted(s, items[s.team], keys, ids) for s in usable]  # type: ignore[arg-type]
    languages = [lang.key for lang in board.definition.languages]
    language_weights = np.array([float(lang.weight) for lang in board.definition.languages])
    # Strata of one dialogue cannot be resampled (the bootstrap needs two); they stay fixed.
    varying = [i for i, key in enumerate(keys) if len(ids[key]) >= 2]
    if not varying:
        for standing in usable:
            standing.ci_note = "too few items to resample (one dialogue per task and language)"
        return {}

    def statistic(*draws: np.ndarray, axis: int = -1) -> np.ndarray:
        batch = draws[0].shape[:-1]
        picks = [np.zeros(batch + (1,), dtype=int)] * len(keys)
        for position, draw in zip(varying, draws):
            picks[position] = draw
        rows = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # a resample without a scored item gives NaN
            for team in weighted:
                finals = [sum(weight * np.nanmean(scores[picks[stratum]], axis=-1)
                              for stratum, scores, weight in team.terms[code]) for code in languages]
                overall = np.tensordot(language_weights, np.stack(finals), axes=1)
                rows.extend([*finals, overall])
        return np.stack(rows)

    data = tuple(np.arange(len(ids[keys[i]])) for i in varying)
    result = bootstrap(data, statistic, n_resamples=resamples, confidence_level=confidence, method="percentile",
                       vectorized=True, paired=False, rng=np.random.default_rng(seed))
    lows, highs = np.atleast_1d(result.confidence_interval.low), np.atleast_1d(result.confidence_interval.high)
    distribution = np.atleast_2d(result.bootstrap_distribution)
    width = len(languages) + 1
    distributions: dict[str, np.ndarray] = {}
    for index, team in enumerate(weighted):
        block = slice(index * width, (index + 1) * width)
        if not np.all(np.isfinite(distribution[block])):
            team.standing.ci_note = "some resamples hold no scored item; too few items for an interval"
            continue
        low, high = lows[block], highs[block]
        team.standing.language_ci = {code: Interval(float(low[i]), float(high[i])) for i, code in enumerate(languages)}
        team.standing.ci = Interval(float(low[-1]), float(high[-1]))
        team.standing.ci_note = ""
        distributions[team.standing.team] = distribution[block][-1]
    return distributions


def _weighted(standing: Standing, items: ItemScores, keys: list[tuple[str, str]],
              ids: dict[tuple[str, str], list[str]]) -> _Weighted:
    terms: dict[str, list[tuple[int, np.ndarray, float]]] = {}
    for code, lang in standing.languages.items():
        terms[code] = []
        for (task, dim), weight in lang.dimension_weights.items():
            stratum = keys.index((code, task))
            scores = items.cells[(code, task, dim)]
            column = np.array([scores.get(dialogue, np.nan) for dialogue in ids[(code, task)]], dtype=float)
            terms[code].append((stratum, column, float(weight)))
    return _Weighted(standing=standing, terms=terms)


def _pairs(board: Leaderboard, distributions: dict[str, np.ndarray], confidence: float) -> list[PairSeparation]:
    """P(swap) = share of resamples where the lower-ranked team scores at least as high (ties count half).

    A pair is separable when that share is below (1 - confidence) / 2, i.e. when the two-sided percentile
    interval of the paired difference excludes zero.
    """
    ranked = [s for s in board.standings if s.rank is not None]
    pairs = []
    for upper, lower in zip(ranked, ranked[1:]):
        a, b = distributions.get(upper.team), distributions.get(lower.team)
        probability = separable = None
        if a is not None and b is not None:
            probability = float(np.mean(b > a) + 0.5 * np.mean(b == a))
            separable = probability < (1 - confidence) / 2
        pairs.append(PairSeparation(upper.team, lower.team, upper.rank, lower.rank,  # type: ignore[arg-type]
                                    probability, separable))
    return pairs
