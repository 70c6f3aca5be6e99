"""``humdial-eval generate`` (play a test set to a model) and ``humdial-eval run`` (generate, validate, score)."""

from __future__ import annotations

import argparse
import re
import shutil
import sys
from pathlib import Path

from humdial_eval.inputs import layout
from humdial_eval.cli.common import split_list, task_list
from humdial_eval.cli.errors import EXIT_INVALID, EXIT_OK, UserError
from humdial_eval.engine.profiles import DEFAULT_PROFILE
from humdial_eval.benchmark.protocol import DEFAULT_PROTOCOL, PROTOCOLS, get_protocol
from humdial_eval.terminal import printable


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
    parser.add_argument("--system-name", help="name of the system in reports (default: the model profile's name)")
    parser.add_argument("--cache", type=Path, help="judgment store (as for `score`)")
    parser.add_argument("--no-cache", action="store_true", help="neither read nor write the judgment store")
    parser.add_argument("--bootstrap", type=int, default=2000, help="bootstrap resamples for the intervals (default 2000)")
    parser.add_argument("--t3-turn-rule", default=None, help="which T3 turn is evaluated (as for `score`)")
    parser.add_argument("--protocol", choices=sorted(PROTOCOLS), default=DEFAULT_PROTOCOL,
                        help="scoring protocol for validation and scoring (as for `score`; default humdial)")
    parser.add_argument("--no-language-rule", action="store_true", help="as for `score`")
    parser.set_defaults(func=run_run,
                        interrupt_note="finished turns and judgments are saved; the same command resumes")


def _add_generation_arguments(parser: argparse.ArgumentParser, out_help: str) -> None:
    parser.add_argument("--model", required=True, help="model profile: a shipped name or a YAML path")
    parser.add_argument("--testset", type=Path, required=True, help="test set folder (HD-Track1-Test/ or its parent)")
    parser.add_argument("--out", type=Path, required=True, help=out_help)
    parser.add_argument("--tasks", default=None,
                        help="comma-separated task ids (default: the ranked tasks of the installed plugins, T1,T2,T3)")
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
    from humdial_eval.cli.score_cmd import report_outcome
    from humdial_eval.cli.validate_cmd import print_validation
    from humdial_eval.engine.pipeline import ScoreOptions, ValidateOptions, validate
    from humdial_eval.outputs.run_folder import RUN_SCORES_FOLDER

    try:
        protocol = get_protocol(args.protocol, language_rule=not args.no_language_rule, t3_turn_rule=args.t3_turn_rule)
    except ValueError as exc:
        raise UserError(str(exc)) from exc
    tasks, languages = task_list(args), tuple(split_list(args.languages, "languages"))
    submission_dir = args.out / "submission"
    if _generate(args, submission_dir) is None:
        return EXIT_INVALID
    print("validating ...", file=sys.stderr)
    valid = print_validation(validate(ValidateOptions(submission_dir, args.testset, tasks, languages, protocol,
                                                      package_rules="off"))) == EXIT_OK
    judges = args.judge or [DEFAULT_PROFILE]
    system_name = args.system_name or _profile_name(args.model)
    scores = args.out / RUN_SCORES_FOLDER
    _clear_earlier_scores(scores)
    worst = EXIT_OK
    for judge, folder in zip(judges, _score_folders(judges)):
        print(f"scoring with {printable(judge)} ...", file=sys.stderr)
        options = ScoreOptions(
            submission=submission_dir, testset=args.testset, out=scores / folder, judge=judge,
            tasks=tasks, languages=languages, protocol=protocol, system_name=system_name, cache=args.cache,
            use_cache=not args.no_cache, bootstrap=args.bootstrap,
            progress=not args.no_progress and sys.stderr.isatty(),
        )
        code, _ = report_outcome(options)
        worst = max(worst, code)
    if not valid:
        print("the generated submission has validation errors (failed turns are listed in "
              f"{printable(submission_dir / 'generation' / 'generation.json')})", file=sys.stderr)
    return worst if valid else EXIT_INVALID


def _profile_name(spec: str) -> str:
    """The model profile's name (its ``name`` field, else its file name): what `run` calls the system."""
    from humdial_eval.engine.profiles import ProfileError
    from humdial_eval.models.profile import load_model_profile

    try:
        return load_model_profile(spec).name
    except ProfileError as exc:
        raise UserError(str(exc)) from None


# Hidden folders that `score` stages its results in, beside its --out (see outputs/output_dir.py).
_STAGING = re.compile(r"\..+\.(?:tmp|old)-.+")


def _clear_earlier_scores(scores: Path) -> None:
    """`run` replaces its whole ``scores/`` folder, so that a rerun with other judges leaves no earlier
    judge's files beside the new ones (a reader would take ``scores/summary.json`` for the run's result).
    Only what humdial-eval wrote is removed: anything else there stops the run, named."""
    from humdial_eval.outputs.output_dir import is_result_folder

    if not scores.exists() and not scores.is_symlink():
        return
    if scores.is_symlink() or not scores.is_dir():
        raise UserError(f"{scores} exists and is not a folder `run` wrote; move it away (run writes its scores there)")
    if not is_result_folder(scores):
        for entry in sorted(scores.iterdir()):
            ours = entry.is_dir() and not entry.is_symlink() and (is_result_folder(entry) or _STAGING.fullmatch(entry.name))
            if not ours:
                raise UserError(f"{entry} was not written by humdial-eval; `run` replaces {scores} whole, so move it "
                                "away first")
    shutil.rmtree(scores)


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
            args.model, args.testset, out, tasks=task_list(args),
            languages=split_list(args.languages, "languages"), concurrency=args.concurrency, limit=args.limit,
            fresh=args.fresh, retry_failed=args.retry_failed, progress=not args.no_progress and sys.stderr.isatty(),
        )
    except (ProfileError, GenerationError, JournalError) as exc:
        raise UserError(str(exc)) from None
    print(f"wrote {printable(summary.root)}: {summary.dialogues} dialogues, {summary.turns} turns "
          f"({summary.asked} asked now, {summary.resumed} from earlier runs), {summary.failed} failed", file=sys.stderr)
    for failure in summary.failures[:10]:  # the ids come from the test set, the error from the model's server
        where = "/".join(printable(failure[key]) for key in ("language", "task"))
        print(f"failed: {where} dialogue {printable(failure['dialogue_id'])} turn {printable(failure['turn_id'])}: "
              f"{printable(failure['error'], 400)}", file=sys.stderr)
    if len(summary.failures) > 10:
        print(f"... {len(summary.failures) - 10} more failed turn(s) in generation/generation.json", file=sys.stderr)
    if summary.failed:
        print("failed turns are left empty (validation reports them); --retry-failed asks them again", file=sys.stderr)
    return summary
