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
from humdial_eval.injection import FLAG_INJECTION
from humdial_eval.runner import ON_FAILURE, run_judging
from humdial_eval.scoring import REPEAT_AGGREGATES, BootstrapSettings, summarise
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
    judging = parser.add_argument_group("judging")
    judging.add_argument("--repeat", type=int, default=1, metavar="K",
                         help="ask each judge K times with different seeds (judge self-consistency; default 1)")
    judging.add_argument("--repeat-aggregate", choices=sorted(REPEAT_AGGREGATES), default="mean",
                         help="how the K repeats of an item become one score (default mean)")
    judging.add_argument("--on-failure", choices=ON_FAILURE, default="exclude",
                         help="a judgment that failed (unreachable judge, unparsable answer): exclude it from the "
                              "means and count it (default), or score it the minimum as the official scoring did")
    judging.add_argument("--prompt-file", action="append", default=[], metavar="TASK=PATH",
                         help="use your own Jinja2 prompt template for a task (repeatable), e.g. T1=my_t1.j2")
    judging.add_argument("--concurrency", type=int, metavar="N",
                         help="requests in flight per judge (overrides the profiles' concurrency)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.bootstrap < 100:
        raise UserError("--bootstrap must be at least 100")
    if not 1 <= args.repeat <= 100:
        raise UserError("--repeat must be from 1 to 100")
    if args.concurrency is not None and not 1 <= args.concurrency <= 512:
        raise UserError("--concurrency must be from 1 to 512")
    prompt_files = _prompt_files(args.prompt_file)
    tasks = make_tasks(args)
    chosen_languages = languages(args)
    try:
        judges = build_judges(args.judge)
        if prompt_files and not [judge for judge in judges if judge.use_prompt_files(prompt_files)]:
            raise UserError(f"--prompt-file: no judge of profile {args.judge!r} uses prompt templates")
    except (ProfileError, PluginError, ValueError) as exc:
        raise UserError(str(exc)) from exc
    for judge in judges:
        if args.concurrency is not None:
            judge.concurrency = args.concurrency
    console = Console()
    err = Console(stderr=True)
    try:
        with open_inputs(args.submission, args.testset, tasks, chosen_languages) as inputs:
            issues = inputs.issues
            testset_issues = inputs.testset_issues
            if testset_issues.issues:
                err.print(f"note: the test set has {len(testset_issues.issues)} problem(s) of its own (see "
                          "validation.jsonl, scope \"testset\"); they do not count against the submission",
                          markup=False, highlight=False)
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
                    inputs, tasks, judges, store, show_progress=not args.no_progress and sys.stderr.isatty(),
                    repeats=args.repeat, on_failure=args.on_failure,
                )
            finally:
                if store is not None:
                    store.close()
            present_languages = [lang for lang in chosen_languages if lang in inputs.testset.languages()]
    except InputError as exc:
        raise UserError(str(exc)) from exc
    settings = BootstrapSettings(resamples=args.bootstrap, seed=args.seed)
    summary = _header(args, judges, settings, issues)
    summary.update(summarise(results, tasks, judges, present_languages, settings, args.repeat_aggregate))
    write_outputs(args.out, results, summary, tasks)
    (args.out / "validation.jsonl").write_text(
        "".join(json.dumps(i.to_dict(), ensure_ascii=False) + "\n" for i in [*issues.issues, *testset_issues.issues]),
        encoding="utf-8",
    )
    print_table(console, summary, tasks)
    console.print(f"Wrote {args.out}/items.jsonl, summary.json, summary.csv, report.md", markup=False, highlight=False)
    _print_warnings(err, summary["counts"], args.on_failure)
    if summary["counts"].get("failed") and not any(r.judged for r in results):
        err.print("error: every judgment failed; check the judge (e.g. `humdial-eval judge probe PROFILE`)",
                  markup=False, highlight=False)
        return EXIT_INVALID
    return EXIT_OK


def _print_warnings(err: Console, counts: dict[str, int], on_failure: str) -> None:
    if counts.get("failed"):
        treated = "scored the minimum" if on_failure == "min" else "excluded from the means"
        err.print(f"warning: {counts['failed']} judgment(s) failed and were {treated} (see report.md; "
                  "running again with the same --cache retries only those)", markup=False, highlight=False)
    if counts.get(FLAG_INJECTION):
        err.print(f"warning: {counts[FLAG_INJECTION]} item(s) flagged {FLAG_INJECTION}: their responses seem to "
                  "address the judge (see report.md)", markup=False, highlight=False)


def _prompt_files(specs: list[str]) -> dict[str, Path]:
    files: dict[str, Path] = {}
    for spec in specs:
        task_id, sep, path = spec.partition("=")
        if not sep or not task_id.strip() or not path.strip():
            raise UserError(f"--prompt-file {spec!r}: expected TASK=PATH, e.g. T1=my_prompt.j2")
        if task_id.strip() in files:
            raise UserError(f"--prompt-file: {task_id.strip()} given twice")
        if not Path(path).is_file():
            raise UserError(f"--prompt-file {spec}: file not found: {path}")
        files[task_id.strip()] = Path(path)
    return files


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
            "repeat": args.repeat,
            "repeat_aggregate": args.repeat_aggregate,
            "on_failure": args.on_failure,
            "prompt_files": {task: str(path) for task, path in _prompt_files(args.prompt_file).items()},
        },
        "validation": {"errors": len(issues.errors), "warnings": len(issues.warnings)},
    }


def _default_name(path: Path) -> str:
    resolved = path.resolve()
    name = resolved.stem if resolved.suffix.lower() == ".zip" else resolved.name
    if name in {"HD-Track1", "submission"} and resolved.parent.name:
        name = resolved.parent.name if name == "HD-Track1" else name
    return name
