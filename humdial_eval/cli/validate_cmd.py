"""``humdial-eval validate``: list every problem of a submission; exit 0 when valid, 1 when not."""

from __future__ import annotations

import argparse
import sys

from humdial_eval.cli.common import add_input_arguments, languages, task_list
from humdial_eval.cli.errors import EXIT_INVALID, EXIT_OK, UserError
from humdial_eval.engine.pipeline import Validation, ValidateOptions, validate
from humdial_eval.benchmark.protocol import DEFAULT_PROTOCOL, PROTOCOLS, get_protocol
from humdial_eval.terminal import json_line


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("validate", help="check a submission against a test set")
    add_input_arguments(parser)
    parser.add_argument("--strict", action="store_true",
                        help="the challenge's packaging rules (a package named HD-Track1.zip, a system description "
                             "PDF of at least 2 pages in HD-Track1/) are errors, not warnings")
    parser.add_argument("--json", action="store_true", help="print the issues as JSON lines")
    parser.add_argument("--protocol", choices=sorted(PROTOCOLS), default=DEFAULT_PROTOCOL,
                        help="check the turns this scoring protocol scores (official: the turn the published "
                             "scripts pick from the submitted line; docs/protocols.md)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        protocol = get_protocol(args.protocol, t3_turn_rule=args.t3_turn_rule)
    except ValueError as exc:
        raise UserError(str(exc)) from exc
    result = validate(ValidateOptions(args.submission, args.testset, task_list(args), tuple(languages(args)), protocol,
                                      package_rules="error" if args.strict else "warn"))
    return print_validation(result, as_json=args.json)


def print_validation(result: Validation, *, as_json: bool = False) -> int:
    """Every issue on stdout (text or JSON lines), the verdict on stderr; the exit code."""
    issues, testset_issues = result.issues, result.testset_issues
    for issue in [*issues.issues, *testset_issues.issues]:
        print(json_line(issue.to_dict()) if as_json else issue.format())
    errors, warnings = len(issues.errors), len(issues.warnings)
    verdict = "valid" if not errors else "INVALID"
    print(f"{verdict}: {errors} error(s), {warnings} warning(s)", file=sys.stderr)
    if testset_issues.issues:
        print(f"note: the test set has {len(testset_issues.issues)} problem(s) of its own (marked [test set]); "
              "they do not count against the submission", file=sys.stderr)
    return EXIT_INVALID if errors else EXIT_OK
