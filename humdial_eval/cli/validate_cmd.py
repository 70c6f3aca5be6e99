"""``humdial-eval validate``: list every problem of a submission; exit 0 when valid, 1 when not."""

from __future__ import annotations

import argparse
import sys

from humdial_eval.cli.common import add_input_arguments, languages, task_list
from humdial_eval.cli.errors import ERROR_LIMIT, EXIT_INVALID, EXIT_OK, UserError
from humdial_eval.engine.pipeline import Validation, ValidateOptions, validate
from humdial_eval.benchmark.protocol import DEFAULT_PROTOCOL, PROTOCOLS, get_protocol
from humdial_eval.terminal import json_line, printable


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("validate", help="check a submission against a test set")
    add_input_arguments(parser)
    parser.add_argument("--strict", action="store_true",
                        help="the challenge's packaging rules (a package named HD-Track1.zip, a system description "
                             "PDF of at least 2 pages in HD-Track1/) are errors, not warnings")
    parser.add_argument("--protocol", choices=sorted(PROTOCOLS), default=DEFAULT_PROTOCOL,
                        help="check the turns this scoring protocol scores (official: the turn the published "
                             "scripts pick from the submitted line; docs/protocols.md)")
    parser.add_argument("--json", action="store_true",
                        help="print one JSON document on stdout: the verdict, the counts and every issue")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        protocol = get_protocol(args.protocol, t3_turn_rule=args.t3_turn_rule)
    except ValueError as exc:
        raise UserError(str(exc)) from exc
    try:
        result = validate(ValidateOptions(args.submission, args.testset, task_list(args), tuple(languages(args)),
                                          protocol, package_rules="error" if args.strict else "warn"))
    except UserError as exc:  # the inputs could not be read at all; --json still answers with one document
        if args.json:
            print(json_line({"valid": False, "errors": 1, "warnings": 0, "testset_problems": 0, "issues": [],
                             "error": printable(exc, ERROR_LIMIT)}, indent=2))
        raise
    return print_validation(result, as_json=args.json)


def print_validation(result: Validation, *, as_json: bool = False) -> int:
    """Every issue on stdout (as text, or one JSON document that a valid submission gets too), the verdict on
    stderr; the exit code."""
    issues, testset_issues = result.issues, result.testset_issues
    errors, warnings = len(issues.errors), len(issues.warnings)
    if as_json:
        print(json_line({
            "valid": not errors, "errors": errors, "warnings": warnings,
            "testset_problems": len(testset_issues.issues),
            "issues": [issue.to_dict() for issue in [*issues.issues, *testset_issues.issues]],
        }, indent=2))
    else:
        for issue in [*issues.issues, *testset_issues.issues]:
            print(issue.format())
    verdict = "valid" if not errors else "INVALID"
    print(f"{verdict}: {errors} error(s), {warnings} warning(s)", file=sys.stderr)
    if testset_issues.issues:
        print(f"note: the test set has {len(testset_issues.issues)} problem(s) of its own (marked [test set]); "
              "they do not count against the submission", file=sys.stderr)
    return EXIT_INVALID if errors else EXIT_OK
