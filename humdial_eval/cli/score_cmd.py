"""``humdial-eval score``: judge a submission and write items.jsonl, summary.json/csv and report.md."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from rich.console import Console

from humdial_eval.cli.common import add_input_arguments, languages, make_tasks
from humdial_eval.cli.main import EXIT_INVALID, EXIT_OK, UserError
from humdial_eval.profiles import DEFAULT_PROFILE, ProfileError, build_judges
from humdial_eval.registry import PluginError
from humdial_eval.report import print_table, write_outputs
from humdial_eval.runner import run_judging
from humdial_eval.scoring import BootstrapSettings, summarise
from humdial_eval.store import JudgmentStore
from humdial_eval.validate import InputError, open_inputs

SCHEMA = "humdial-eval/summary/1"


def default_cache_path() -> Path:
    base = os.environ.get("HUMDIAL_EVAL_CACHE")
    if base:
        return Path(base)
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "humdial-eval" / "judgments.sqlite"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("score", help="score a submission against a test set")
    add_input_arguments(parser)
    parser.add_argument("--out", type=Path, required=True, help="output folder")
    parser.add_argument("--judge", default=DEFAULT_PROFILE, help="judge profile: a shipped name or a YAML path")
    parser.add_argument("--system-name", help="name of the system in reports (default: the submission's name)")
    parser.add_argument("--cache", type=Path, help="judgment store (default: $HUMDIAL_EVAL_CACHE or ~/.cache/humdial-eval/judgments.sqlite)")
    parser.add_argument("--no-cache", action="store_true", help="neither read nor write the judgment store")
    parser.add_argument("--strict", action="store_true", help="refuse to score a submission with validation errors")
    parser.add_argument("--bootstrap", type=int, default=2000, help="bootstrap resamples for the intervals (default 2000)")
    parser.add_argument("--seed", type=int, default=20260, help="seed of the bootstrap (default 20260)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.bootstrap < 100:
        raise UserError("--bootstrap must be at least 100")
    tasks = make_tasks(args)
    chosen_languages = languages(args)
    try:
        judges = build_judges(args.judge)
    except (ProfileError, PluginError) as exc:
        raise UserError(str(exc)) from exc
    console = Console()
    err = Console(stderr=True)
    try:
        with open_inputs(args.submission, args.testset, tasks, chosen_languages) as inputs:
            issues = inputs.issues
            if issues.errors:
                for issue in issues.errors[:20]:
                    err.print(issue.format(), markup=False, highlight=False)
                more = len(issues.errors) - 20
                err.print(f"{len(issues.errors)} validation error(s){f' ({more} more not shown)' if more > 0 else ''}; "
                          "run `humdial-eval validate` for the full list", markup=False)
                if args.strict:
                    return EXIT_INVALID
                err.print("scoring anyway: unanswerable items score the minimum (use --strict to refuse)", markup=False)
            store = None if args.no_cache else JudgmentStore(args.cache or default_cache_path())
            try:
                results = run_judging(
                    inputs, tasks, judges, store, show_progress=not args.no_progress and sys.stderr.isatty()
                )
            finally:
                if store is not None:
                    store.close()
            present_languages = [lang for lang in chosen_languages if lang in inputs.testset.languages()]
    except InputError as exc:
        raise UserError(str(exc)) from exc
    settings = BootstrapSettings(resamples=args.bootstrap, seed=args.seed)
    summary = _header(args, judges, settings, issues)
    summary.update(summarise(results, tasks, judges, present_languages, settings))
    write_outputs(args.out, results, summary, tasks)
    (args.out / "validation.jsonl").write_text(
        "".join(json.dumps(i.to_dict(), ensure_ascii=False) + "\n" for i in issues.issues), encoding="utf-8"
    )
    print_table(console, summary, tasks)
    console.print(f"Wrote {args.out}/items.jsonl, summary.json, summary.csv, report.md", markup=False, highlight=False)
    return EXIT_OK


def _header(args: argparse.Namespace, judges: list[Any], settings: BootstrapSettings, issues: Any) -> dict[str, Any]:
    name = args.system_name or _default_name(args.submission)
    return {
        "schema": SCHEMA,
        "system": name,
        "submission": str(args.submission.resolve()),
        "testset": str(args.testset.resolve()),
        "judges": [{"name": j.name, "identity": j.identity()} for j in judges],
        "options": {
            "t3_turn_rule": args.t3_turn_rule,
            "confidence": settings.confidence,
            "bootstrap_resamples": settings.resamples,
            "seed": settings.seed,
        },
        "validation": {"errors": len(issues.errors), "warnings": len(issues.warnings)},
    }


def _default_name(path: Path) -> str:
    resolved = path.resolve()
    name = resolved.stem if resolved.suffix.lower() == ".zip" else resolved.name
    if name in {"HD-Track1", "submission"} and resolved.parent.name:
        name = resolved.parent.name if name == "HD-Track1" else name
    return name
