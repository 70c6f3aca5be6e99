"""`humdial-eval human export` / `human import`: rating sheets for people, and their ratings back."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from humdial_eval.human.export import KEY_FILE, SHEET_FOLDER, export_sheets
from humdial_eval.human.importer import import_ratings, read_key
from humdial_eval.human.ratings import write_ratings_csv
from humdial_eval.inputs.issues import IssueLog
from humdial_eval.outputs.output_dir import Discard, OutputError, check_output_folder, staged_output
from humdial_eval.terminal import printable

MAX_SHOWN_ISSUES = 50


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("human", help="human rating sheets: export blind sheets, import filled ones")
    commands = parser.add_subparsers(dest="human_command", metavar="ACTION")
    export = commands.add_parser(
        "export",
        help="write blind rating sheets for a scored run",
        description=(
            f"Writes DIR/{SHEET_FOLDER}/ (rating_sheet.html, rating_template.csv, audio/) for raters and "
            f"DIR/{KEY_FILE}, which links the neutral item ids to the run: keep it, do not send it to raters."
        ),
    )
    export.add_argument("run", type=Path, metavar="RUN_DIR", help="a `score` --out folder")
    export.add_argument("--out", required=True, type=Path, metavar="DIR")
    export.add_argument("--seed", type=int, default=0, help="seed of the item order (default 0)")
    export.add_argument("--tasks", help="comma-separated task ids (default: every task of the run)")
    export.add_argument("--languages", help="comma-separated languages (default: both)")
    export.add_argument("--dimensions", help="comma-separated dimension keys to rate (default: all of each task)")
    export.add_argument("--include-rule-scored", action="store_true",
                        help="also put items scored by a rule (language_rule, missing_response) on the sheet")
    export.set_defaults(func=run_export)
    imp = commands.add_parser(
        "import",
        help="read filled rating sheets into the long ratings CSV",
        description="Validates every row (file, line and column named on error) and writes "
                    "language,task,dialogue_id,dimension,rater,score[,system][,turn_id].",
    )
    imp.add_argument("filled", nargs="+", type=Path, metavar="FILLED.csv")
    imp.add_argument("--out", required=True, type=Path, metavar="ratings.csv")
    imp.add_argument("--key", type=Path, metavar="EXPORT_DIR",
                     help=f"the export folder (or its {KEY_FILE}): checks items and adds the system column")
    imp.add_argument("--raters", help="comma-separated rater ids allowed (default: any)")
    imp.set_defaults(func=run_import)
    parser.set_defaults(func=lambda args: _missing_action(parser))


def _missing_action(parser: argparse.ArgumentParser) -> int:
    parser.print_usage(sys.stderr)
    print("humdial-eval human: error: choose an action: export or import", file=sys.stderr)
    return 2


def _split(value: str | None) -> list[str] | None:
    if value is None:
        return None
    return [part.strip() for part in value.split(",") if part.strip()] or None


def run_export(args: argparse.Namespace) -> int:
    if args.out.exists() and not args.out.is_dir():
        print(f"humdial-eval human export: error: --out {args.out} exists and is not a folder", file=sys.stderr)
        return 2
    try:  # before any work; the run folder (and the submission it names) must survive a replaced --out
        out_folder = check_output_folder(args.out, "human export", _run_inputs(args.run))
    except OutputError as exc:
        print(f"humdial-eval human export: error: {printable(exc, None)}", file=sys.stderr)
        return 1
    issues = IssueLog()
    with staged_output(out_folder) as staging:
        result = export_sheets(
            args.run, staging, issues, seed=args.seed, tasks=_split(args.tasks), languages=_split(args.languages),
            dimensions=_split(args.dimensions), include_rule_scored=args.include_rule_scored,
        )
        if issues.errors or result is None:
            raise Discard
    if _show(issues) or result is None:
        return 1
    for note in result.notes:
        print(f"note: {printable(note, 1000)}")
    scores = sum(len(e.dimensions) for e in result.items)
    audio = sum(bool(e.response_audio) + bool(e.user_audio) for e in result.items)
    print(f"wrote {len(result.items)} items ({scores} scores to give, {audio} audio files) to "
          f"{args.out / SHEET_FOLDER}; keep {args.out / KEY_FILE} away from raters")
    return 0


def run_import(args: argparse.Namespace) -> int:
    if args.out.exists() and not args.out.is_file():
        print(f"humdial-eval human import: error: --out {printable(args.out)} exists and is not a file", file=sys.stderr)
        return 1
    inputs = [*args.filled, *([args.key] if args.key else [])]
    if any(args.out.resolve() == path.resolve() for path in inputs):
        print(f"humdial-eval human import: error: --out {printable(args.out)} is one of the input files; "
              "write the ratings to a new file", file=sys.stderr)
        return 1
    issues = IssueLog()
    key = read_key(args.key, issues) if args.key else None
    if _show(issues):
        return 1
    result = import_ratings(args.filled, issues, key=key, raters=_split(args.raters))
    if _show(issues):
        return 1
    if not result.ratings:
        print("humdial-eval human import: error: the sheets hold no scores", file=sys.stderr)
        return 1
    for file, blank in result.blank.items():
        if blank:
            print(f"note: {printable(file)}: {blank} score(s) left empty")
    for note in result.notes:
        print(f"note: {printable(note, 1000)}")
    count = write_ratings_csv(args.out, result.ratings)
    raters = len({r.rater for r in result.ratings})
    print(f"wrote {count} ratings by {raters} rater(s) to {args.out}")
    return 0


def _run_inputs(run: Path) -> dict[str, Path | None]:
    """The run folder and the submission and test set it names: a replaced --out must not hold any of them."""
    found: dict[str, Path | None] = {"the run folder": run}
    try:
        summary = json.loads((run / "summary.json").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return found  # export_sheets reports an unreadable run
    for name, label in (("submission", "the run's submission"), ("testset", "the run's test set")):
        value = summary.get(name) if isinstance(summary, dict) else None
        found[label] = Path(value) if isinstance(value, str) and value else None
    return found


def _show(issues: IssueLog) -> bool:
    for issue in issues.issues[:MAX_SHOWN_ISSUES]:
        print(issue.format(), file=sys.stderr)
    if len(issues.issues) > MAX_SHOWN_ISSUES:
        print(f"... and {len(issues.issues) - MAX_SHOWN_ISSUES} more problem(s)", file=sys.stderr)
    return bool(issues.errors)
