"""``humdial-eval generate`` (play a test set to a model) and ``humdial-eval run`` (generate, validate, score)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from humdial_eval.inputs import layout
from humdial_eval.cli.common import RANKED_TASKS, split_list
from humdial_eval.cli.errors import EXIT_INVALID, EXIT_OK, UserError
from humdial_eval.engine.profiles import DEFAULT_PROFILE


def register_generate(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("generate", help="run a spoken dialogue model over a test set and write a submission")
    _add_generation_arguments(parser, "output folder (gets HD-Track1/ and generation/; a rerun resumes)")
    parser.set_defaults(func=run_generate,
                        interrupt_note="finished turns are saved in the journal; the same command resumes")


def register_run(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("run", help="generate, validate and score in one command")
    _add_generation_arguments(parser, "output folder (gets submission/ and scores/; a rerun resumes)")
    parser.add_argument("--judge", action="append", metavar="PROFILE",
                        help=f"judge profile (repeatable; default {DEFAULT_PROFILE}); several write scores/<profile>/")
    parser.add_argument("--cache", type=Path, help="judgment store (as for `score`)")
    parser.add_argument("--no-cache", action="store_true", help="neither read nor write the judgment store")
    parser.add_argument("--bootstrap", type=int, default=2000, help="bootstrap resamples for the intervals (default 2000)")
    parser.add_argument("--t3-turn-rule", default="second_non_neutral", help="which T3 turn is evaluated (as for `score`)")
    parser.set_defaults(func=run_run,
                        interrupt_note="finished turns and judgments are saved; the same command resumes")


def _add_generation_arguments(parser: argparse.ArgumentParser, out_help: str) -> None:
    parser.add_argument("--model", required=True, help="model profile: a shipped name or a YAML path")
    parser.add_argument("--testset", type=Path, required=True, help="test set folder (HD-Track1-Test/ or its parent)")
    parser.add_argument("--out", type=Path, required=True, help=out_help)
    parser.add_argument("--tasks", default=",".join(RANKED_TASKS), help="comma-separated task ids (default: T1,T2,T3)")
    parser.add_argument("--languages", default=",".join(layout.LANGUAGES), help="comma-separated languages (default: zh,en)")
    parser.add_argument("--concurrency", type=int, metavar="N", help="dialogues in flight (overrides the profile)")
    parser.add_argument("--limit", type=int, metavar="N",
                        help="only the first N dialogues of each file (a quick look; not a valid submission)")
    parser.add_argument("--retry-failed", action="store_true",
                        help="ask failed turns again (and the later turns of their dialogues)")
    parser.add_argument("--fresh", action="store_true", help="forget earlier progress in --out and start over")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def run_generate(args: argparse.Namespace) -> int:
    summary = _generate(args, args.out)
    return EXIT_OK if summary is not None else EXIT_INVALID


def run_run(args: argparse.Namespace) -> int:
    from humdial_eval.cli import score_cmd, validate_cmd

    submission_dir = args.out / "submission"
    if _generate(args, submission_dir) is None:
        return EXIT_INVALID
    common = ["--testset", str(args.testset), "--tasks", args.tasks, "--languages", args.languages,
              "--t3-turn-rule", args.t3_turn_rule]
    parser = argparse.ArgumentParser(prog="humdial-eval")
    commands = parser.add_subparsers()
    validate_cmd.register(commands)
    score_cmd.register(commands)
    print("validating ...", file=sys.stderr)
    valid = validate_cmd.run(parser.parse_args(["validate", str(submission_dir), *common])) == EXIT_OK
    judges = args.judge or [DEFAULT_PROFILE]
    worst = EXIT_OK
    for judge, folder in zip(judges, _score_folders(judges)):
        out = args.out / "scores" / folder
        options = ["--judge", judge, "--out", str(out), "--bootstrap", str(args.bootstrap)]
        options += ["--cache", str(args.cache)] if args.cache else []
        options += ["--no-cache"] if args.no_cache else []
        options += ["--no-progress"] if args.no_progress else []
        print(f"scoring with {judge} ...", file=sys.stderr)
        code, _ = score_cmd.score(parser.parse_args(["score", str(submission_dir), *common, *options]))
        worst = max(worst, code)
    if not valid:
        print("the generated submission has validation errors (failed turns are listed in "
              f"{submission_dir / 'generation' / 'generation.json'})", file=sys.stderr)
    return worst if valid else EXIT_INVALID


def _score_folders(judges: list[str]) -> list[str]:
    """``scores/`` itself for one judge; ``scores/<profile name>`` (made unique) for several."""
    if len(judges) == 1:
        return [""]
    names: list[str] = []
    for judge in judges:
        name = Path(judge).stem or "judge"
        names.append(name if name not in names else f"{name}-{len(names) + 1}")
    return names


def _generate(args: argparse.Namespace, out: Path) -> object | None:
    from humdial_eval.engine.profiles import ProfileError
    from humdial_eval.models.generate import generate_submission
    from humdial_eval.models.journal import JournalError
    from humdial_eval.models.runner import GenerationError

    try:
        summary = generate_submission(
            args.model, args.testset, out, tasks=split_list(args.tasks, "tasks"),
            languages=split_list(args.languages, "languages"), concurrency=args.concurrency, limit=args.limit,
            fresh=args.fresh, retry_failed=args.retry_failed, progress=not args.no_progress and sys.stderr.isatty(),
        )
    except (ProfileError, GenerationError, JournalError) as exc:
        raise UserError(str(exc)) from None
    print(f"wrote {summary.root}: {summary.dialogues} dialogues, {summary.turns} turns "
          f"({summary.asked} asked now, {summary.resumed} from earlier runs), {summary.failed} failed", file=sys.stderr)
    for failure in summary.failures[:10]:
        print(f"failed: {failure['language']}/{failure['task']} dialogue {failure['dialogue_id']} "
              f"turn {failure['turn_id']}: {failure['error']}", file=sys.stderr)
    if len(summary.failures) > 10:
        print(f"... {len(summary.failures) - 10} more failed turn(s) in generation/generation.json", file=sys.stderr)
    if summary.failed:
        print("failed turns are left empty (validation reports them); --retry-failed asks them again", file=sys.stderr)
    return summary
