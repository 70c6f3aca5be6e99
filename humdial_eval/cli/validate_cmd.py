"""``humdial-eval validate``: list every problem of a submission; exit 0 when valid, 1 when not."""

from __future__ import annotations

import argparse
import sys

from humdial_eval.cli.common import add_input_arguments, languages, make_tasks
from humdial_eval.cli.errors import EXIT_INVALID, EXIT_OK, UserError
from humdial_eval.terminal import json_line
from humdial_eval.inputs.validation import InputError, open_inputs


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("validate", help="check a submission against a test set")
    add_input_arguments(parser)
    parser.add_argument("--json", action="store_true", help="print the issues as JSON lines")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    tasks = make_tasks(args)
    try:
        with open_inputs(args.submission, args.testset, tasks, languages(args)) as inputs:
            issues = inputs.issues
            testset_issues = inputs.testset_issues
    except InputError as exc:
        raise UserError(str(exc)) from exc
    for issue in [*issues.issues, *testset_issues.issues]:
        print(json_line(issue.to_dict()) if args.json else issue.format())
    errors, warnings = len(issues.errors), len(issues.warnings)
    verdict = "valid" if not errors else "INVALID"
    print(f"{verdict}: {errors} error(s), {warnings} warning(s)", file=sys.stderr)
    if testset_issues.issues:
        print(f"note: the test set has {len(testset_issues.issues)} problem(s) of its own (marked [test set]); "
              "they do not count against the submission", file=sys.stderr)
    return EXIT_INVALID if errors else EXIT_OK
