"""``humdial-eval leaderboard build``: rebuild a board's tables, plots and page from per-dimension scores.

Exit codes: 0 written, 1 invalid input (every problem listed with its file, line and field) or an
unwritable --out, 2 usage error.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path
from typing import Any

from humdial_eval.inputs.issues import IssueLog
from humdial_eval.outputs.output_dir import OutputError, check_output_folder, staged_output
from humdial_eval.terminal import printable
from humdial_eval.leaderboards.definition import load_definition, resolve_definition_dir
from humdial_eval.leaderboards.entries import TeamEntry, read_scores_csv, team_name_problem
from humdial_eval.leaderboards.formats import markdown_overall, render_csv, render_json, render_latex, render_markdown
from humdial_eval.leaderboards.html import render_html
from humdial_eval.leaderboards.runs import read_run
from humdial_eval.leaderboards.standings import SUBSTITUTIONS, Leaderboard, build_leaderboard
from humdial_eval.leaderboards.uncertainty import add_uncertainty

OUTPUT_STEM = "leaderboard"


class _FromResults(argparse.Action):
    """``--from-results RUN_DIR``: appends a run folder; a following ``--name`` names its team."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any,
                 option_string: str | None = None) -> None:
        runs = list(getattr(namespace, self.dest) or [])
        runs.append([Path(values), None])
        setattr(namespace, self.dest, runs)


class _Name(argparse.Action):
    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any,
                 option_string: str | None = None) -> None:
        runs = getattr(namespace, "runs", None)
        if not runs:
            parser.error("--name must follow the --from-results RUN_DIR whose team it names")
        if runs[-1][1] is not None:
            parser.error(f"--name given twice for --from-results {runs[-1][0]}")
        runs[-1][1] = values


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("leaderboard", help="rebuild leaderboards (tables, plots, HTML) from scores",
                                   description="Leaderboards: official tables rebuilt from per-dimension scores.")
    commands = parser.add_subparsers(dest="leaderboard_command", metavar="COMMAND")
    commands.required = True
    build = commands.add_parser(
        "build",
        help="write a board as Markdown, CSV, LaTeX, HTML, JSON and plots",
        description="Compute task averages, per-language and overall finals and ranks of every team in a "
                    "leaderboard definition (plus teams from `score` output folders), with bootstrap intervals "
                    "where item scores exist, and write every format into --out.",
    )
    build.add_argument("definition", metavar="DEFINITION_DIR",
                       help="a folder holding leaderboard.yaml, or the name of a shipped one (icassp2026_track1)")
    build.add_argument("--out", required=True, type=Path, metavar="DIR", help="folder to write the board into")
    build.add_argument("--from-results", dest="runs", action=_FromResults, metavar="RUN_DIR", default=[],
                       help="add a team from a `humdial-eval score` output folder (summary.json, and items.jsonl "
                            "for intervals); repeatable")
    build.add_argument("--name", action=_Name, metavar="NAME",
                       help="team name for the preceding --from-results (default: summary.json 'system')")
    build.add_argument("--substitute-missing", choices=SUBSTITUTIONS, default="none",
                       help="none (default): a team missing a weighted dimension gets no final; renormalise: "
                            "rescale the official weights over the dimensions present (marked † everywhere)")
    build.add_argument("--resamples", type=_resample_count, default=2000, help="bootstrap resamples (default 2000)")
    build.add_argument("--confidence", type=_confidence, default=0.95, help="interval level (default 0.95)")
    build.add_argument("--seed", type=int, default=0, help="bootstrap seed (default 0)")
    build.add_argument("--no-plots", action="store_true", help="skip the figures (tables and HTML only)")
    build.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if not args.no_plots and importlib.util.find_spec("matplotlib") is None:
        print("leaderboard: plots need matplotlib: pip install 'humdial-eval[report]', or pass --no-plots",
              file=sys.stderr)
        return 2
    folder = resolve_definition_dir(args.definition)
    try:  # before any work; a replaced --out must not hold the definition or a run folder
        out_folder = check_output_folder(args.out, "leaderboard build", {
            "the leaderboard definition": folder, **{f"run folder {run_dir}": run_dir for run_dir, _ in args.runs}})
    except OutputError as exc:
        print(f"leaderboard: cannot write into --out ({printable(exc, None)})", file=sys.stderr)
        return 1
    issues = IssueLog(root=Path.cwd())
    definition = load_definition(folder, issues)
    entries: list[TeamEntry] = []
    if definition is not None:
        if definition.scores_path is not None:
            entries.extend(read_scores_csv(definition.scores_path, definition, issues))
        for run_dir, name in args.runs:
            if name is not None and (problem := team_name_problem(name.strip())):
                issues.add("team_name", f"--name {name!r}: {problem}", file=run_dir)
                continue
            entry = read_run(run_dir, definition, issues, None if name is None else name.strip())
            if entry is not None:
                entries.append(entry)
        _check_unique(entries, issues)
        if not entries and not issues.errors:
            issues.add("no_teams", "the board has no teams: give the definition a scores file or add "
                       "--from-results RUN_DIR", file=folder)
    for issue in issues.warnings:
        print(issue.format(), file=sys.stderr)
    if issues.errors or definition is None:
        for issue in issues.errors:
            print(issue.format(), file=sys.stderr)
        print(f"leaderboard: {len(issues.errors)} problem(s) in the input; nothing written", file=sys.stderr)
        return 1
    board = build_leaderboard(definition, entries, args.substitute_missing)
    # leaderboard.json is shared: its warnings name the file by its folder and name only, never a host path.
    board.warnings = [f"{_short(issue.file)}{issue.field and ', field ' + issue.field or ''}: {issue.message}"
                      for issue in issues.warnings]
    if any(entry.items is not None for entry in entries):
        add_uncertainty(board, entries, resamples=args.resamples, confidence=args.confidence, seed=args.seed)
    try:
        with staged_output(out_folder) as staging:
            written = [args.out / path.relative_to(staging) for path in _write(board, staging, plots=not args.no_plots)]
    except OutputError as exc:
        print(f"leaderboard: cannot write into --out ({printable(exc, None)})", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"leaderboard: cannot write into --out {args.out}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    print(markdown_overall(board))
    print("\nwrote " + ", ".join(path.as_posix() for path in written))
    return 0


def _write(board: Leaderboard, out: Path, *, plots: bool) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    figures: dict[str, dict[str, Path]] = {}
    if plots:
        from humdial_eval.leaderboards.plots import write_plots  # matplotlib is the optional `report` extra

        figures = write_plots(board, out / "plots")
    outputs = {
        "md": render_markdown(board),
        "csv": render_csv(board),
        "tex": render_latex(board),
        "json": render_json(board),
        "html": render_html(board, figures),
    }
    written = []
    for suffix, text in outputs.items():
        path = out / f"{OUTPUT_STEM}.{suffix}"
        path.write_text(text, encoding="utf-8")
        written.append(path)
    written.extend(path for paths in figures.values() for path in paths.values())
    return written


def _short(file: str | None) -> str:
    if not file:
        return ""
    path = Path(file)
    return f"{path.parent.name}/{path.name}" if path.parent.name else path.name


def _check_unique(entries: list[TeamEntry], issues: IssueLog) -> None:
    seen: dict[str, TeamEntry] = {}
    for entry in entries:
        if entry.name in seen:
            issues.add("team_duplicate", f"team {entry.name!r} comes from both {seen[entry.name].source} and "
                       f"{entry.source}; give one of them another name with --name after its --from-results",
                       file=entry.source)
        else:
            seen[entry.name] = entry


def _resample_count(text: str) -> int:
    value = int(text)
    if value < 100:
        raise argparse.ArgumentTypeError("must be at least 100")
    return value


def _confidence(text: str) -> float:
    value = float(text)
    if not 0.5 <= value < 1:
        raise argparse.ArgumentTypeError("must lie in [0.5, 1)")
    return value
