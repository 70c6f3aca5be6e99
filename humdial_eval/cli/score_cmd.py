"""``humdial-eval score``: judge a submission and write items.jsonl, summary.json/csv and report.md."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from rich.console import Console

from humdial_eval.cli.common import add_input_arguments, languages, make_tasks
from humdial_eval.cli.errors import EXIT_INCOMPLETE, EXIT_INVALID, EXIT_OK, UserError
from humdial_eval.engine.credentials import redact
from humdial_eval.engine.profiles import DEFAULT_PROFILE, ProfileError, build_judges
from humdial_eval.benchmark.protocol import DEFAULT_PROTOCOL, PROTOCOLS, Protocol, get_protocol
from humdial_eval.engine.registry import PluginError
from humdial_eval.outputs.report import print_table, write_outputs
from humdial_eval.benchmark.injection import FLAG_INJECTION
from humdial_eval.outputs.output_dir import OutputError, check_output_folder, staged_output
from humdial_eval.engine.runner import ON_FAILURE, run_judging
from humdial_eval.outputs.scoring import REPEAT_AGGREGATES, BootstrapSettings, memo_for, summarise
from humdial_eval.engine.store import JudgmentStore, StoreError
from humdial_eval.terminal import json_line, printable
from humdial_eval.inputs.validation import InputError, open_inputs

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
    protocol = parser.add_argument_group("scoring protocol (docs/protocols.md)")
    protocol.add_argument("--protocol", choices=sorted(PROTOCOLS), default=DEFAULT_PROTOCOL,
                          help="humdial (default): the harness's rules with integrity rules; official: the published "
                               "scripts eval_task{1,2,3}.py item for item, plus the challenge's language rule")
    protocol.add_argument("--no-language-rule", action="store_true",
                          help="do not score a reply in the wrong language the minimum (with --protocol official: "
                               "the published scripts alone, which have no language rule)")
    judging = parser.add_argument_group("judging")
    judging.add_argument("--repeat", type=int, default=1, metavar="K",
                         help="ask each judge K times with different seeds (judge self-consistency; default 1)")
    judging.add_argument("--repeat-aggregate", choices=sorted(REPEAT_AGGREGATES), default="mean",
                         help="how the K repeats of an item become one score (default mean)")
    judging.add_argument("--on-failure", choices=ON_FAILURE, default=None,
                         help="a judgment that failed on the judge's side (unreachable judge, unparsable answer): "
                              "exclude it from the means and count it, or score it the minimum. Unset (default): "
                              "excluded, the summary says final_complete: false and the exit code is 4")
    judging.add_argument("--prompt-file", action="append", default=[], metavar="TASK=PATH",
                         help="use your own Jinja2 prompt template for a task (repeatable), e.g. T1=my_t1.j2")
    judging.add_argument("--concurrency", type=int, metavar="N",
                         help="requests in flight per judge (overrides the profiles' concurrency)")
    parser.set_defaults(func=run, interrupt_note="judgments made so far are saved in the store")


def run(args: argparse.Namespace) -> int:
    return score(args)[0]


def score(args: argparse.Namespace, console: Console | None = None) -> tuple[int, dict[str, Any] | None]:
    """The pipeline behind `score`, `run` and ``humdial_eval.score``: the exit code and the summary written."""
    if args.bootstrap < 100:
        raise UserError("--bootstrap must be at least 100")
    if not 1 <= args.repeat <= 100:
        raise UserError("--repeat must be from 1 to 100")
    if args.concurrency is not None and not 1 <= args.concurrency <= 512:
        raise UserError("--concurrency must be from 1 to 512")
    prompt_files = _prompt_files(args.prompt_file)
    try:
        protocol = get_protocol(args.protocol, language_rule=not args.no_language_rule, t3_turn_rule=args.t3_turn_rule)
    except ValueError as exc:
        raise UserError(str(exc)) from exc
    try:  # every output path is checked before the first judgment, so no judging is wasted on a bad --out
        out_folder = check_output_folder(args.out, "score", {
            "the submission": args.submission, "the test set": args.testset,
            "the judgment store": None if args.no_cache else args.cache or default_cache_path()})
    except OutputError as exc:
        raise UserError(str(exc)) from None
    tasks = make_tasks(args, protocol.task_options())
    chosen_languages = languages(args)
    try:
        judges = build_judges(args.judge)
        if prompt_files and not [judge for judge in judges if judge.use_prompt_files(prompt_files)]:
            raise UserError(f"--prompt-file: no judge of profile {args.judge!r} uses prompt templates")
    except (ProfileError, PluginError, ValueError) as exc:
        raise UserError(str(exc)) from exc
    for judge in judges:
        judge.use_protocol(protocol)
        if args.concurrency is not None:
            judge.concurrency = args.concurrency
    console = console or Console()
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
                    return EXIT_INVALID, None
                err.print("scoring anyway: unanswerable items score the minimum (use --strict to refuse)", markup=False)
            try:
                store = None if args.no_cache else JudgmentStore(args.cache or default_cache_path())
                try:
                    results = run_judging(
                        inputs, tasks, judges, store, show_progress=not args.no_progress and sys.stderr.isatty(),
                        repeats=args.repeat, on_failure=args.on_failure or "exclude", protocol=protocol,
                    )
                finally:
                    if store is not None:
                        store.close()
            except StoreError as exc:
                raise UserError(str(exc)) from None
            _stop_if_unusable(judges, results)
            present_languages = [lang for lang in chosen_languages if lang in inputs.testset.languages()]
    except InputError as exc:
        raise UserError(str(exc)) from exc
    settings = BootstrapSettings(resamples=args.bootstrap, seed=args.seed)
    summary = _header(args, judges, settings, issues, protocol, tasks)
    # bootstrap intervals are remembered beside the judgment store: a re-score need not compute them again
    intervals = None if args.no_cache else memo_for(Path(f"{args.cache or default_cache_path()}.intervals.json"))
    summary.update(summarise(results, tasks, judges, present_languages, settings, args.repeat_aggregate, intervals))
    try:
        with staged_output(out_folder) as staging:
            write_outputs(staging, results, summary, tasks)
            (staging / "validation.jsonl").write_text(
                "".join(json_line(i.to_dict()) + "\n" for i in [*issues.issues, *testset_issues.issues]), encoding="utf-8"
            )
    except OutputError as exc:
        raise UserError(str(exc)) from None
    print_table(console, summary, tasks)
    console.print(f"Wrote {printable(args.out)}/items.jsonl, summary.json, summary.csv, report.md", markup=False,
                  highlight=False)
    _print_warnings(err, summary["counts"], args.on_failure or "exclude")
    _print_completeness(err, summary)
    if summary["counts"].get("failed") and not any(r.judged for r in results):
        err.print("error: every judgment failed; check the judge (e.g. `humdial-eval judge probe PROFILE`)",
                  markup=False, highlight=False)
        return EXIT_INVALID, summary
    if summary["counts"].get("judge_side_failed") and args.on_failure is None:
        err.print(f"incomplete: {summary['counts']['judge_side_failed']} expected item(s) have no score because their "
                  f"judgment failed on the judge's side; exit code {EXIT_INCOMPLETE} (rerun with the same --cache to "
                  "retry only those, or choose --on-failure exclude|min)", markup=False, highlight=False)
        return EXIT_INCOMPLETE, summary
    return EXIT_OK, summary


def _stop_if_unusable(judges: list[Any], results: list[Any]) -> None:
    """A judge that could not judge at all (e.g. no base_url accepts connections) ends the run with its reason
    instead of a report of failures; a judge that failed only part-way still gets its results written."""
    for judge in judges:
        reason = judge.unusable()
        if reason and not any(r.judged and r.judge == judge.name for r in results):
            raise UserError(f"judge {judge.name!r}: {reason} (no results written)")


def _print_completeness(err: Console, summary: dict[str, Any]) -> None:
    """Say when the final is not over every expected item, and when it is one language's only."""
    if summary.get("one_language_final"):
        one = summary["one_language_final"]
        value = f"its final {_fmt(one['final'])} is" if one["final"] is not None else "this run gives"
        err.print(f"note: {one['language']} only: {value} a one-language result, not the official final "
                  "(which needs zh and en)", markup=False, highlight=False)
    short = summary.get("unscored_expected") or {}
    if short:
        listed = ", ".join(f"{name} {n}" for name, n in sorted(short.items())[:6])
        err.print(f"warning: final_complete is false: expected items without a score ({listed}"
                  f"{', ...' if len(short) > 6 else ''}); see n and n_expected in summary.json",
                  markup=False, highlight=False)


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


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


def _header(
    args: argparse.Namespace, judges: list[Any], settings: BootstrapSettings, issues: Any, protocol: Protocol,
    tasks: list[Any],
) -> dict[str, Any]:
    name = args.system_name or _default_name(args.submission)
    return {
        "schema": SCHEMA,
        "system": name,
        "protocol": protocol.record(),
        "prompts": _prompt_origin(judges, [task.id for task in tasks]),
        "submission": str(args.submission.resolve()),
        "testset": str(args.testset.resolve()),
        # Profiles with credentials are refused when loaded; a judge plugin's identity is scrubbed anyway.
        "judges": [{"name": j.name, "identity": redact(j.identity())} for j in judges],
        "options": {
            "t3_turn_rule": protocol.t3_turn_rule,
            "confidence": settings.confidence,
            "bootstrap_resamples": settings.resamples,
            "seed": settings.seed,
            "repeat": args.repeat,
            "repeat_aggregate": args.repeat_aggregate,
            "on_failure": args.on_failure or "exclude",
            "on_failure_chosen": args.on_failure is not None,
            "prompt_files": {task: str(path) for task, path in _prompt_files(args.prompt_file).items()},
        },
        "validation": {"errors": len(issues.errors), "warnings": len(issues.warnings)},
    }


def _prompt_origin(judges: list[Any], task_ids: list[str]) -> dict[str, str]:
    """Per task, whether the judges' prompts are the shipped ones or the user's (--prompt-file): under the
    official protocol the report must say when the published prompt texts were not used."""
    origin: dict[str, str] = {}
    for judge in judges:
        library = getattr(judge, "prompts", None)
        describe = getattr(library, "describe", None)
        if describe is None:
            continue
        for task_id, info in describe().items():
            if task_id not in task_ids:
                continue
            origin.setdefault(task_id, f"custom {info['path']}" if info.get("custom") else f"shipped {info['version']}")
    return origin


def _default_name(path: Path) -> str:
    resolved = path.resolve()
    name = resolved.stem if resolved.suffix.lower() == ".zip" else resolved.name
    if name in {"HD-Track1", "submission"} and resolved.parent.name:
        name = resolved.parent.name if name == "HD-Track1" else name
    return name
