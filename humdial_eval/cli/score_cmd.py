"""``humdial-eval score``: judge a submission and write items.jsonl, summary.json/csv and report.md."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from rich.console import Console

from humdial_eval.engine import pipeline
from humdial_eval.cli.common import add_input_arguments, languages, task_list
from humdial_eval.cli.errors import EXIT_INCOMPLETE, EXIT_INVALID, EXIT_OK, UserError
from humdial_eval.benchmark.injection import FLAG_INJECTION
from humdial_eval.engine.pipeline import ScoreOptions
from humdial_eval.engine.store import default_cache_path
from humdial_eval.engine.profiles import DEFAULT_PROFILE
from humdial_eval.benchmark.protocol import DEFAULT_PROTOCOL, PROTOCOLS, get_protocol
from humdial_eval.outputs.judge_usage import model_mismatches, usage_totals
from humdial_eval.outputs.report import print_table
from humdial_eval.engine.runner import ON_FAILURE
from humdial_eval.outputs.scoring import REPEAT_AGGREGATES
from humdial_eval.terminal import printable

__all__ = ["default_cache_path", "register", "report_outcome", "run", "score"]


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
    parser.add_argument("--limit", type=int, metavar="N",
                        help="a trial: judge only the first N dialogues of each task and language (marked as a "
                             "trial in every output)")
    protocol = parser.add_argument_group("scoring protocol (docs/protocols.md)")
    protocol.add_argument("--protocol", choices=sorted(PROTOCOLS), default=DEFAULT_PROTOCOL,
                          help="humdial (default): the harness's rules with integrity rules; official: the published "
                               "scripts eval_task{1,2,3}.py item for item, plus the challenge's language rule")
    protocol.add_argument("--exclude", metavar="LIST",
                          help="leave the organisers' excluded items out (never judged, in no mean, listed in the "
                               "summary): a shipped list (icassp2026), a file of dialogue ids (a trailing * makes a "
                               "prefix), or none. Default: the protocol's (official: icassp2026; humdial: none)")
    protocol.add_argument("--no-language-rule", action="store_true",
                          help="do not score a reply in the wrong language the minimum (with --protocol official: "
                               "the published scripts alone, which have no language rule)")
    parser.add_argument("--human-ratings", type=Path, action="append", default=[], metavar="CSV",
                        help="human ratings (the `human import` CSV; repeatable): the panel becomes the source of every "
                             "dimension it rates (per item the mean of its raters), as in the challenge's final, where "
                             "T3 D2/D3 are human ratings. Rows with a `system` column count for --system-name")
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


def options_from(args: argparse.Namespace) -> ScoreOptions:
    """The command line's arguments as the pipeline's typed options."""
    try:
        protocol = get_protocol(args.protocol, language_rule=not args.no_language_rule, t3_turn_rule=args.t3_turn_rule)
    except ValueError as exc:
        raise UserError(str(exc)) from exc
    return ScoreOptions(
        submission=args.submission, testset=args.testset, out=args.out, judge=args.judge,
        tasks=task_list(args), languages=tuple(languages(args)), protocol=protocol, system_name=args.system_name,
        cache=args.cache, use_cache=not args.no_cache, strict=args.strict, bootstrap=args.bootstrap, seed=args.seed,
        repeat=args.repeat, repeat_aggregate=args.repeat_aggregate, on_failure=args.on_failure,
        prompt_files=_prompt_files(args.prompt_file), concurrency=args.concurrency,
        progress=not args.no_progress and sys.stderr.isatty(), exclude=args.exclude,
        human_ratings=tuple(args.human_ratings), limit=args.limit,
    )


def score(args: argparse.Namespace, console: Console | None = None) -> tuple[int, dict[str, Any] | None]:
    """`score` on the command line: the pipeline, its console table and lines, and the exit code."""
    return report_outcome(options_from(args), console)


def report_outcome(options: ScoreOptions, console: Console | None = None) -> tuple[int, dict[str, Any] | None]:
    """Run the pipeline with ``options`` and say what happened as `score` does; the exit code and the summary."""
    console = console or Console()
    err = Console(stderr=True)
    # lines before judging are not wrapped: a grep or a log keeps each one whole
    outcome = pipeline.score(options, notify=lambda line: err.print(line, markup=False, highlight=False, soft_wrap=True))
    if outcome.status == "refused":
        return EXIT_INVALID, None
    summary = outcome.summary
    assert summary is not None
    print_table(console, summary, outcome.tasks)
    console.print(f"Wrote {printable(options.out)}/items.jsonl, summary.json, summary.csv, report.md, report.html",
                  markup=False, highlight=False)
    on_failure = options.on_failure or "exclude"
    _print_warnings(err, summary["counts"], on_failure)
    _print_judge_reports(err, summary, outcome.results)
    _print_completeness(err, summary)
    if outcome.status == "all_failed":
        err.print("error: every judgment failed; check the judge (e.g. `humdial-eval judge probe PROFILE`)",
                  markup=False, highlight=False)
        return EXIT_INVALID, summary
    if outcome.status == "incomplete":
        err.print(f"incomplete: {summary['counts']['judge_side_failed']} expected item(s) have no score because their "
                  f"judgment failed on the judge's side; exit code {EXIT_INCOMPLETE} (rerun with the same --cache to "
                  "retry only those, or choose --on-failure exclude|min)", markup=False, highlight=False)
        return EXIT_INCOMPLETE, summary
    return EXIT_OK, summary


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
    if counts.get("language_rule"):
        err.print(f"note: {counts['language_rule']} item(s) fell under the language rule (the reply is not in the test "
                  "set's language) and score the minimum; flag language_rule in items.jsonl", markup=False,
                  highlight=False, soft_wrap=True)
    if counts.get(FLAG_INJECTION):
        err.print(f"warning: {counts[FLAG_INJECTION]} item(s) flagged {FLAG_INJECTION}: their responses seem to "
                  "address the judge (see report.md)", markup=False, highlight=False)


def _print_judge_reports(err: Console, summary: dict[str, Any], results: list[Any]) -> None:
    """The model a server answered as when it is not the profile's, and the tokens the servers counted for
    the answers of this run (summary.json has the totals over every judgment, reused ones included)."""
    for name, wanted, served in model_mismatches(summary.get("judges", [])):
        err.print(f"warning: judge {printable(name)}'s profile names the model {printable(wanted)}, but its server "
                  f"answered as {printable(', '.join(served))}; the scores are that model's (see summary.json, "
                  "judges[].served_models)", markup=False, highlight=False, soft_wrap=True)
    fresh = usage_totals(results, cached=False)
    for name, total in sorted(summary.get("usage", {}).items()):
        usage = fresh.get(name, {"answers": 0, "prompt_tokens": 0, "completion_tokens": 0})
        reused = total["answers"] - usage["answers"]
        err.print(f"usage: {printable(name)}: {usage['answers']} answer(s) this run, {usage['prompt_tokens']:,} prompt + "
                  f"{usage['completion_tokens']:,} completion tokens as the server reported"
                  f"{f'; {reused} reused from the store' if reused else ''}", markup=False, highlight=False,
                  soft_wrap=True)


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
