"""`humdial-eval agreement`: compare judges with each other and with human raters.

The statistics stack (scikit-learn, pingouin, statsmodels, matplotlib) takes over a second to
import, so it is imported when the command runs, not when the CLI lists its commands.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from humdial_eval.inputs.issues import IssueLog
from humdial_eval.outputs.output_dir import OutputError, check_output_folder, staged_output
from humdial_eval.terminal import printable

if TYPE_CHECKING:
    from humdial_eval.agreement.runs import RunFolder

MAX_SHOWN_ISSUES = 50


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "agreement",
        help="agreement between judges (score output folders) and human raters",
        description=(
            "Compare the judges of two or more `score` output folders, or one folder with human ratings: "
            "agreement per task x dimension (exact, adjacent, quadratic kappa, ordinal alpha, Spearman, Kendall, "
            "Pearson, bias with limits of agreement), human inter-rater reliability, system-level rank agreement "
            "and bias diagnostics. Writes agreement.json, agreement.csv, report.md, report.html and figures/."
        ),
    )
    parser.add_argument(
        "runs", nargs="+", metavar="RUN_DIR",
        help="a `score` --out folder; write LABEL=DIR to name the source (folders with the same label and "
             "different systems form one source, for system-level agreement)",
    )
    parser.add_argument("--human", action="append", type=Path, default=[], metavar="CSV",
                        help="human ratings in long format (language,task,dialogue_id,dimension,rater,score"
                             "[,system][,turn_id]); may be given several times")
    parser.add_argument("--out", required=True, type=Path, metavar="DIR", help="folder for the results")
    parser.add_argument("--bootstrap", type=int, default=1000, metavar="N",
                        help="bootstrap resamples for the intervals of kappa, alpha and rho (0: none; default 1000)")
    parser.add_argument("--confidence", type=float, default=0.95, help="interval level (default 0.95)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the bootstrap (default 0)")
    parser.add_argument("--include-rule-scored", action="store_true",
                        help="keep items scored by a rule (language_rule, missing_response); left out by default")
    parser.add_argument("--no-per-language", action="store_true", help="only pool the languages together")
    parser.add_argument("--no-figures", action="store_true", help="skip the plots (faster)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    usage = _usage_problem(args)
    if usage:
        print(f"humdial-eval agreement: error: {usage}", file=sys.stderr)
        return 2
    try:
        from humdial_eval.agreement.analysis import AgreementOptions, analyse, build_sources
        from humdial_eval.agreement.output import write_csv, write_json
        from humdial_eval.agreement.pairing import ALL
        from humdial_eval.agreement.report import write_report
        from humdial_eval.human.ratings import HumanRating, drop_duplicates, read_ratings_csv
    except ImportError as exc:
        print(f"humdial-eval agreement: error: {exc}; install the statistics extra: pip install 'humdial-eval[stats]'",
              file=sys.stderr)
        return 1
    try:  # before any reading: a bad --out must not cost an analysis
        out_folder = check_output_folder(args.out, "agreement", _inputs(args))
    except OutputError as exc:
        print(f"humdial-eval agreement: error: {printable(exc, None)}", file=sys.stderr)
        return 1
    issues = IssueLog()
    runs = _read_runs(args.runs, issues)
    ratings: list[HumanRating] = []
    for path in args.human:
        ratings.extend(read_ratings_csv(path, issues))
    ratings = drop_duplicates(ratings, issues)
    options = AgreementOptions(
        resamples=args.bootstrap, confidence=args.confidence, seed=args.seed,
        include_rule_scored=args.include_rule_scored, per_language=not args.no_per_language,
    )
    sources = build_sources(runs, ratings, issues, options) if not issues.errors else []
    if _report_issues(issues):
        return 1
    if len(sources) < 2:
        names = ", ".join(s.name for s in sources) or "none"
        print(
            "humdial-eval agreement: error: need at least two sources to compare (two run folders, a folder "
            f"with several judges, or a run folder and --human); found: {names}",
            file=sys.stderr,
        )
        return 2 if not args.human else 1
    result = analyse(runs, sources, options)
    with staged_output(out_folder) as staging:
        write_json(staging / "agreement.json", result)
        write_csv(staging / "agreement.csv", result)
        write_report(staging, result, figures=not args.no_figures)
    for record in result.pairs:
        if record.language == ALL and record.dimension == ALL:
            print(
                f"{printable(record.source_a)} vs {printable(record.source_b)}, "
                f"{'all tasks' if record.task == ALL else printable(record.task)}: "
                f"n={record.n}, exact={record.stats['exact'].format(2)}, "
                f"kappa_w={record.stats['kappa_quadratic'].format()}"
            )
    print(f"wrote {args.out / 'agreement.json'}, agreement.csv, report.md, report.html")
    return 0


def _usage_problem(args: argparse.Namespace) -> str | None:
    if not 0.5 <= args.confidence < 1:
        return f"--confidence must be at least 0.5 and below 1, not {args.confidence}"
    if args.bootstrap < 0 or args.bootstrap > 100_000:
        return f"--bootstrap must be between 0 and 100000, not {args.bootstrap}"
    if args.out.exists() and not args.out.is_dir():
        return f"--out {args.out} exists and is not a folder"
    return None


def _inputs(args: argparse.Namespace) -> dict[str, Path]:
    """The folders and files ``--out`` must keep apart from (replacing ``--out`` would delete them)."""
    from humdial_eval.agreement.sources import source_label

    found: dict[str, Path] = {}
    for spec in args.runs:
        path = source_label(spec, set())[1]
        found[f"run folder {path}"] = path
    found.update({f"ratings file {path}": path for path in args.human})
    return found


def _read_runs(specs: list[str], issues: IssueLog) -> list[RunFolder]:
    from humdial_eval.agreement.runs import read_run
    from humdial_eval.agreement.sources import source_label

    runs: list[RunFolder] = []
    taken: set[str] = set()
    for spec in specs:
        label, path = source_label(spec, taken)
        taken.add(label)
        run = read_run(path, label, issues)
        if run is not None:
            runs.append(run)
    return runs


def _report_issues(issues: IssueLog) -> bool:
    """Print problems; True when any is an error (the analysis must not go on)."""
    for issue in issues.issues[:MAX_SHOWN_ISSUES]:
        print(issue.format(), file=sys.stderr)
    if len(issues.issues) > MAX_SHOWN_ISSUES:
        print(f"... and {len(issues.issues) - MAX_SHOWN_ISSUES} more problem(s)", file=sys.stderr)
    return bool(issues.errors)
