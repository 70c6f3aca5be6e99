"""report.md and report.html: the agreement results for people, with figures.

The report is first built as a small document (sections of paragraphs, tables and figures) and
then rendered by two Jinja2 templates, so the Markdown and the HTML say the same thing. The HTML
environment autoescapes; the Markdown one escapes table-breaking and tag characters itself.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import jinja2

from humdial_eval.outputs.atomic_write import write_atomic
from humdial_eval.agreement import plots
from humdial_eval.agreement.analysis import AgreementResult, PairRecord
from humdial_eval.agreement.pairing import ALL

PAIR_COLUMNS = ["n", "exact", "adjacent", "κw (quadratic)", "α (ordinal)", "Spearman ρ", "Kendall τb", "Pearson r",
                "bias [limits of agreement]"]
MAX_REASONS = 40


@dataclass
class Table:
    header: list[str]
    rows: list[list[str]]
    caption: str = ""
    notes: list[str] = field(default_factory=list)


@dataclass
class Figure:
    path: str
    caption: str


@dataclass
class Section:
    title: str
    level: int = 2
    paragraphs: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)


def write_report(out: Path, result: AgreementResult, *, figures: bool = True) -> None:
    sections = build_sections(result, out if figures else None)
    env_md = jinja2.Environment(
        loader=jinja2.PackageLoader("humdial_eval.agreement"), autoescape=False, trim_blocks=True, lstrip_blocks=True
    )
    env_md.filters["md"] = _markdown_cell
    env_html = jinja2.Environment(
        loader=jinja2.PackageLoader("humdial_eval.agreement"), autoescape=True, trim_blocks=True, lstrip_blocks=True
    )
    context = {"sections": sections, "title": "Judge agreement report"}
    write_atomic(out / "report.md", env_md.get_template("report.md.j2").render(**context))
    write_atomic(out / "report.html", env_html.get_template("report.html.j2").render(**context))


def build_sections(result: AgreementResult, out: Path | None) -> list[Section]:
    sections = [_sources_section(result)]
    if result.notes:
        sections.append(Section("Notes", paragraphs=list(dict.fromkeys(result.notes))))
    by_pair: dict[tuple[str, str], list[PairRecord]] = defaultdict(list)
    for record in result.pairs:
        by_pair[(record.source_a, record.source_b)].append(record)
    for index, ((a, b), records) in enumerate(by_pair.items(), start=1):
        sections.append(_pair_section(index, a, b, records, result, out))
    if result.reliability:
        sections.append(_reliability_section(result))
    if result.systems:
        sections.append(_systems_section(result))
    sections.extend(_diagnostic_sections(result, out))
    return sections


def _sources_section(result: AgreementResult) -> Section:
    rows = []
    for s in result.sources:
        where = ", ".join(run.path.as_posix() for run in s.runs) if s.kind == "judge" else (
            f"{len({r for x in s.ratings.values() for r in x})} raters"
        )
        rows.append([s.name, s.kind, ", ".join(s.systems()), str(len(s.items())), where])
    o = result.options
    settings = (
        f"Bootstrap: {o.resamples} item resamples, {o.confidence:.0%} percentile intervals, seed {o.seed}. "
        f"Rule-scored items {'included' if o.include_rule_scored else 'left out'}. A human panel's score is the mean "
        "of its raters; exact/adjacent agreement, kappa and alpha use that mean put on the nearest scale value."
    )
    return Section("Sources", paragraphs=[settings], tables=[Table(["source", "kind", "systems", "items", "from"], rows)])


def _pair_row(record: PairRecord) -> list[str]:
    if record.n == 0:
        return ["0"] + ["no overlap"] * (len(PAIR_COLUMNS) - 1)
    s = record.stats
    bias = s["mean_difference"].format(2)
    if s["loa_lower"].defined and s["loa_upper"].defined:
        bias += f" [{s['loa_lower'].value:.2f}, {s['loa_upper'].value:.2f}]"
    return [
        str(record.n), s["exact"].format(2), s["adjacent"].format(2), s["kappa_quadratic"].format(),
        s["alpha_ordinal"].format(), s["spearman_rho"].format(), s["kendall_tau_b"].format(),
        s["pearson_r"].format(), bias,
    ]


def _reasons(records: list[PairRecord]) -> list[str]:
    found: dict[str, list[str]] = defaultdict(list)
    for record in records:
        where = "/".join(x for x in (record.language, record.task, record.dimension))
        if record.n == 0:
            found["no items scored by both sources"].append(where)
            continue
        for name, value in record.stats.items():
            if value.undefined:
                found[f"{name}: {value.undefined}"].append(where)
            elif value.ci_undefined and "disabled" not in value.ci_undefined:
                found[f"{name} interval: {value.ci_undefined}"].append(where)
    lines = [f"{reason} ({', '.join(places)})" for reason, places in found.items()]
    return lines[:MAX_REASONS] + ([f"… and {len(lines) - MAX_REASONS} more"] if len(lines) > MAX_REASONS else [])


def _pair_section(
    index: int, a: str, b: str, records: list[PairRecord], result: AgreementResult, out: Path | None
) -> Section:
    section = Section(f"{a} vs {b}")
    overall = [r for r in records if r.language == ALL]
    section.paragraphs.append(
        f"Units both sources scored; bias is {a} minus {b}. Intervals are {result.options.confidence:.0%} "
        "bootstrap intervals over items."
    )
    section.tables.append(Table(
        ["task", "dimension", *PAIR_COLUMNS], [[r.task, r.dimension, *_pair_row(r)] for r in overall],
        "All languages", _reasons(overall),
    ))
    by_language = [r for r in records if r.language != ALL and r.dimension == ALL]
    if by_language:
        section.tables.append(Table(
            ["language", "task", *PAIR_COLUMNS], [[r.language, r.task, *_pair_row(r)] for r in by_language],
            "Per language (tasks pooled over their dimensions)", _reasons(by_language),
        ))
    if out is not None:
        tasks = list(dict.fromkeys(r.task for r in overall if r.task != ALL and r.dimension != ALL and r.n))
        for t_index, task in enumerate(tasks, start=1):
            dims = [r for r in overall if r.task == task and r.dimension != ALL and r.n]
            panels = [(r.dimension, result.paired[(a, b, (ALL, task, r.dimension))]) for r in dims]
            name = f"figures/confusion_p{index}_t{t_index}.png"
            plots.confusion_figure(out / name, [(d, p, tuple(r.scale)) for (d, p), r in zip(panels, dims)], a, b)
            section.figures.append(Figure(name, f"{task}: confusion matrices ({a} rows, {b} columns)"))
            name = f"figures/bland_altman_p{index}_t{t_index}.png"
            plots.bland_altman_figure(out / name, panels, result.options.confidence)
            section.figures.append(Figure(name, f"{task}: Bland-Altman plots ({a} minus {b})"))
    return section


def _reliability_section(result: AgreementResult) -> Section:
    rows = []
    for r in result.reliability:
        s = r.stats
        rows.append([
            r.language, r.task, r.dimension, str(r.raters), str(r.items), s["alpha_ordinal"].format(),
            s["icc_a1"].format(), s["icc_ak"].format(), s["mean_pairwise_kappa"].format(),
        ])
    notes = sorted({f"{name}: {v.undefined}" for r in result.reliability for name, v in r.stats.items() if v.undefined})
    return Section(
        "Human inter-rater reliability",
        paragraphs=["ICC from pingouin (two-way random effects, absolute agreement; 95% F-based intervals) on the "
                    "units every rater scored; alpha uses all units with two or more ratings."],
        tables=[Table(["language", "task", "dimension", "raters", "items", "α (ordinal)", "ICC(A,1)", "ICC(A,k)",
                       "mean pairwise κw"], rows, notes=notes[:MAX_REASONS])],
    )


def _systems_section(result: AgreementResult) -> Section:
    rows = [
        [r.source_a, r.source_b, r.task, r.dimension, str(len(r.systems)), r.stats["spearman_rho"].format(),
         r.stats["kendall_tau_b"].format()]
        for r in result.systems
    ]
    means = [
        [r.source_a, r.source_b, system, f"{ma:.3f}", f"{mb:.3f}", str(n)]
        for r in result.systems if r.task == ALL or len({x.task for x in result.systems}) == 1
        for system, ma, mb, n in zip(r.systems, r.means_a, r.means_b, r.units)
        if r.dimension == ALL
    ]
    notes = sorted({f"{k}: {v.undefined}" for r in result.systems for k, v in r.stats.items() if v.undefined})
    tables = [Table(["source A", "source B", "task", "dimension", "systems", "Spearman ρ", "Kendall τb"], rows,
                    notes=notes)]
    if means:
        tables.append(Table(["source A", "source B", "system", "mean A", "mean B", "units"], means, "System means"))
    return Section("System-level agreement", paragraphs=["Rank correlation of the systems' mean scores."], tables=tables)


def _diagnostic_sections(result: AgreementResult, out: Path | None) -> list[Section]:
    sections: list[Section] = []
    if result.consistency:
        rows = [
            [r.source, r.task, r.dimension, str(r.items), str(r.raters), r.stats["alpha_ordinal"].format(),
             r.stats["all_repeats_equal"].format(2), r.stats["mean_within_item_sd"].format(2)]
            for r in result.consistency
        ]
        sections.append(Section("Judge self-consistency", paragraphs=[
            "Items judged more than once (meta.repeat); agreement uses each item's first repeat."], tables=[
            Table(["source", "task", "dimension", "items", "repeats", "α (ordinal)", "all repeats equal",
                   "mean SD"], rows)]))
    bias = Section("Bias diagnostics")
    if result.lengths:
        bias.tables.append(Table(
            ["source", "language", "task", "dimension", "n", "mean length", "Spearman ρ (score, length)"],
            [[r["source"], r["language"], r["task"], r["dimension"], str(r["n"]),
              f"{r['mean_length']:.1f} {r['length_unit']}", _est(r["spearman_rho"])] for r in result.lengths],
            "Response length (words for en, characters for zh)",
        ))
    if result.language_means:
        languages = sorted({lang for r in result.language_means for lang in r["languages"]})
        bias.tables.append(Table(
            ["source", "task", "dimension", *[f"mean {lang} (n)" for lang in languages], "difference"],
            [[r["source"], r["task"], r["dimension"],
              *[f"{_est(r['languages'][lang]['mean'])} ({r['languages'][lang]['n']})" if lang in r["languages"]
                else "" for lang in languages],
              f"{r['difference']['value']:+.3f} ({r['difference']['between']})" if "difference" in r else ""]
             for r in result.language_means],
            "Mean score per language",
        ))
    if result.distributions:
        bias.tables.append(Table(
            ["source", "task", "dimension", "n", "counts per score"],
            [[r["source"], r["task"], r["dimension"], str(r["n"]),
              "  ".join(f"{k}: {v}" for k, v in r["counts"].items())] for r in result.distributions],
            "Distribution of scores",
        ))
        if out is not None:
            bias.figures.extend(_histograms(result, out))
    if bias.tables:
        sections.append(bias)
    return sections


def _histograms(result: AgreementResult, out: Path) -> list[Figure]:
    figures: list[Figure] = []
    tasks = list(dict.fromkeys(r["task"] for r in result.distributions))
    for t_index, task in enumerate(tasks, start=1):
        dims = list(dict.fromkeys(r["dimension"] for r in result.distributions if r["task"] == task))
        panels = []
        for dim in dims:
            scale = result.scales[(task, dim)].scale.values
            by_source = {
                r["source"]: {int(k): v for k, v in r["counts"].items()}
                for r in result.distributions if r["task"] == task and r["dimension"] == dim
            }
            panels.append((dim, scale, by_source))
        name = f"figures/histogram_t{t_index}.png"
        plots.histogram_figure(out / name, panels)
        figures.append(Figure(name, f"{task}: distribution of scores per source"))
    return figures


def _est(data: dict[str, object]) -> str:
    value = data.get("value")
    return "undefined" if value is None else f"{float(value):.3f}"  # type: ignore[arg-type]


def _markdown_cell(text: object) -> str:
    """Keep user-supplied names from breaking a Markdown table or injecting HTML tags."""
    return (
        str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("|", "\\|")
        .replace("\n", " ").replace("\r", " ")
    )

