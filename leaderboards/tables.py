"""The tables of a board as plain text cells, built once and rendered by every format.

Cells hold unescaped text (team names are untrusted): each renderer escapes for its own syntax, so
a table's content is identical in Markdown, LaTeX and HTML.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from humdial_eval.benchmark.sources import by_kind
from humdial_eval.leaderboards.definition import LeaderboardDefinition, Term
from humdial_eval.leaderboards.standings import Leaderboard, Standing

SUBSTITUTED_MARK = "†"
# A team whose numbers come from other sources than the board's own (another judge, an acoustic scorer where
# the board has human raters, another protocol): shown, marked, never ranked as if alike.
UNLIKE_MARK = "‡"


@dataclass(frozen=True)
class Table:
    """``align`` has one of ``l``/``r`` per column; ``groups`` optionally spans header columns (label, width)."""

    def row_class(self, index: int) -> str:
        return "unranked" if index in self.unranked else ""

    title: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    align: tuple[str, ...]
    groups: tuple[tuple[str, int], ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)
    unranked: frozenset[int] = frozenset()  # row indexes of teams without a rank, shown muted in HTML


def board_tables(board: Leaderboard) -> list[Table]:
    """The overall table, one detail table per language, and the separations when there are any."""
    tables = [overall_table(board)]
    tables.extend(language_table(board, lang.key) for lang in board.definition.languages)
    if any(pair.swap_probability is not None for pair in board.pairs):
        tables.append(separation_table(board))
    return tables


def overall_table(board: Leaderboard) -> Table:
    definition = board.definition
    with_ci = board.uncertainty is not None and any(s.ci for s in board.standings)
    headers = ["Rank", "Team", *(lang.key for lang in definition.languages), "Final"]
    if with_ci:
        headers.append(f"{_percent(board)} CI")
    notes = [_note(definition, standing) for standing in board.standings]
    if any(notes):
        headers.append("Note")
    rows = []
    for standing, note in zip(board.standings, notes):
        row = [_rank(standing), standing.team + (UNLIKE_MARK if standing.unlike else "")]
        row.extend(_final(board, standing, standing.languages[lang.key].final, standing.languages[lang.key].substituted)
                   for lang in definition.languages)
        row.append(_final(board, standing, standing.final, standing.substituted))
        if with_ci:
            row.append(board.fmt_interval(standing.ci))
        if any(notes):
            row.append(note)
        rows.append(tuple(row))
    weights = ", ".join(f"{lang.weight} {lang.key}" for lang in definition.languages)
    return Table(
        title="Overall",
        headers=tuple(headers),
        rows=tuple(rows),
        align=("r", "l", *("r" for _ in headers[2:-1]), "l" if any(notes) else "r"),
        unranked=_unranked(board),
        notes=tuple(_common_notes(board) + [f"Final = {weights}; ranks are shared when published finals tie."]),
    )


def language_table(board: Leaderboard, code: str) -> Table:
    definition = board.definition
    language = next(lang for lang in definition.languages if lang.key == code)
    averaged = {term.task for term in definition.terms if term.dimension is None}
    headers: list[str] = ["Rank", "Team"]
    groups: list[tuple[str, int]] = [("", 2)]
    for task in definition.tasks:
        labels = [d.label for d in task.dimensions] + (["avg"] if task.key in averaged else [])
        headers.extend(labels)
        groups.append((task.key, len(labels)))
    headers.append("Final")
    groups.append(("", 1))
    rows = []
    for standing in board.standings:
        lang = standing.languages[code]
        row = [_rank(standing), standing.team + (UNLIKE_MARK if standing.unlike else "")]
        for task in definition.tasks:
            row.extend(board.fmt(lang.dimensions[(task.key, d.key)]) for d in task.dimensions)
            if task.key in averaged:
                row.append(board.fmt(lang.task_averages[task.key]))
        row.append(_final(board, standing, lang.final, lang.substituted))
        rows.append(tuple(row))
    terms = " + ".join(f"{term.weight} {_term_label(definition, term)}" for term in definition.terms)
    dims = "; ".join(f"{task.key} {d.label} = {d.key}" for task in definition.tasks for d in task.dimensions)
    return Table(
        title=f"{language.name} ({code})",
        headers=tuple(headers),
        rows=tuple(rows),
        align=("r", "l", *("r" for _ in headers[2:])),
        groups=tuple(groups),
        unranked=_unranked(board),
        notes=tuple(_common_notes(board) + [f"Final ({code}) = {terms}.", dims + "."]),
    )


def separation_table(board: Leaderboard) -> Table:
    rows = []
    for pair in board.pairs:
        probability = "" if pair.swap_probability is None else f"{pair.swap_probability:.3f}"
        verdict = {None: "unknown (no item scores)", True: "yes", False: "no"}[pair.separable]
        rows.append((f"{pair.upper_rank} vs {pair.lower_rank}", pair.upper, pair.lower, probability, verdict))
    assert board.uncertainty is not None
    threshold = (1 - float(board.uncertainty["confidence"])) / 2
    return Table(
        title="Adjacent ranks",
        headers=("Ranks", "Upper", "Lower", "P(swap)", "Separable"),
        rows=tuple(rows),
        align=("l", "l", "l", "r", "l"),
        notes=(f"P(swap): share of {board.uncertainty['resamples']} paired bootstrap resamples in which the lower "
               f"team's final is at least the upper team's (ties count half); separable when P(swap) is "
               f"below {threshold:.3f} (two-sided, at {_percent(board)}).",),
    )


def _term_label(definition: LeaderboardDefinition, term: Term) -> str:
    if term.dimension is None:
        return f"{term.task} avg"
    label = next(d.label for d in definition.task(term.task).dimensions if d.key == term.dimension)
    return f"{term.task} {label}"


def _unranked(board: Leaderboard) -> frozenset[int]:
    return frozenset(i for i, standing in enumerate(board.standings) if standing.rank is None)


def _percent(board: Leaderboard) -> str:
    assert board.uncertainty is not None
    return f"{float(board.uncertainty['confidence']) * 100:g}%"


def _rank(standing: Standing) -> str:
    return "" if standing.rank is None else str(standing.rank)


def _final(board: Leaderboard, standing: Standing, value: object, substituted: bool) -> str:
    text = board.fmt(value)  # type: ignore[arg-type]
    return text + SUBSTITUTED_MARK if substituted and value is not None else text


def _note(definition: LeaderboardDefinition, standing: Standing) -> str:
    """What the reader must know about a row: other sources than the board's, missing dimensions."""
    parts = [f"{UNLIKE_MARK} not like-for-like: {'; '.join(standing.unlike)}"] if standing.unlike else []
    missing = _missing_note(definition, standing)
    return " | ".join(parts + ([missing] if missing else []))


def _missing_note(definition: LeaderboardDefinition, standing: Standing) -> str:
    """Missing dimensions by label, each with the languages that lack it: 'T3 D2 (zh, en)'."""
    if not standing.missing:
        return ""
    labels = {d.term: f"{d.task} {d.label}" for d in definition.dimensions()}
    by_term: dict[str, list[str]] = {}
    for code, lang in standing.languages.items():
        for term in lang.missing:
            by_term.setdefault(term, []).append(code)
    missing = ", ".join(f"{labels.get(term, term)} ({', '.join(codes)})" for term, codes in by_term.items())
    if standing.substituted:
        return f"{SUBSTITUTED_MARK} renormalised without {missing}"
    return f"no final: missing {missing}" if standing.final is None else f"missing {missing}"


def _common_notes(board: Leaderboard) -> list[str]:
    rounding = board.definition.rounding
    notes = [f"Values rounded to {rounding.decimals} decimals ({rounding.mode.replace('_', ' ')})."]
    if board.any_substituted:
        notes.append(f"{SUBSTITUTED_MARK} Final computed with --substitute-missing renormalise: the official "
                     "weights renormalised over the dimensions present; not comparable to complete finals.")
    if any(s.missing for s in board.standings):
        notes.append("— marks a missing value.")
    if any(s.unlike for s in board.standings):
        notes.append(f"{UNLIKE_MARK} A team whose scores come from other sources than this board's own ("
                     f"{by_kind(board.definition.sources)}) is shown for reference; its rank is not like-for-like "
                     "(see its note).")
    return notes
