"""``humdial-eval judge probe PROFILE``: check an LLM judge's endpoint before a long scoring run."""

from __future__ import annotations

import argparse
import asyncio

from humdial_eval.cli.errors import EXIT_INVALID, EXIT_OK, UserError
from humdial_eval.engine.profiles import ProfileError, build_judges
from humdial_eval.engine.registry import PluginError
from humdial_eval.terminal import json_line, printable
from humdial_eval.judges.llm.base import LLMJudge
from humdial_eval.judges.llm.probe import ProbeReport, probe

_MARK = {"ok": "ok  ", "warn": "WARN", "fail": "FAIL"}


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("judge", help="tools for LLM judges")
    actions = parser.add_subparsers(dest="judge_action", metavar="ACTION", required=True)
    probe_parser = actions.add_parser(
        "probe", help="send a short known request (text and audio) and check the endpoint hears the audio and "
                      "answers in the expected format"
    )
    probe_parser.add_argument("profile", help="judge profile: a shipped name or a YAML path")
    probe_parser.add_argument("--json", action="store_true", help="print the findings as JSON")
    probe_parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        judges = build_judges(args.profile)
    except (ProfileError, PluginError) as exc:
        raise UserError(str(exc)) from exc
    llm_judges = [judge for judge in judges if isinstance(judge, LLMJudge)]
    if not llm_judges:
        raise UserError(f"profile {args.profile!r} has no LLM judge to probe")
    reports = [asyncio.run(probe(judge)) for judge in llm_judges]
    if args.json:
        print(json_line([r.to_dict() for r in reports], indent=2))
    else:
        for report in reports:
            _print(report)
    return EXIT_OK if all(r.ready for r in reports) else EXIT_INVALID


def _print(report: ProbeReport) -> None:
    print(f"judge {report.judge}: {report.backend}, model {report.model}, endpoint(s) {', '.join(report.endpoints)}")
    for check in report.checks:
        print(f"  [{_MARK[check.verdict]}] {check.name}: {printable(check.detail, 1000)}")  # quotes the server
    print(f"  verdict: {'ready' if report.ready else 'NOT ready'}")
