"""``humdial-eval campaign run | finish | status``: the organisers' process, resumable at every stage."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from humdial_eval.benchmark.protocol import DEFAULT_PROTOCOL, PROTOCOLS, get_protocol
from humdial_eval.cli.errors import EXIT_OK, UserError
from humdial_eval.engine.profiles import DEFAULT_PROFILE
from humdial_eval.terminal import printable


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("campaign", help="the organisers' process: score every team, shortlist, rate, rank",
                                   description="Score every team's submission with one judge and one judgment store, "
                                               "shortlist the top teams, write blind rating sheets for their T3 "
                                               "replies, and after the panel has rated, the final leaderboard.")
    commands = parser.add_subparsers(dest="campaign_command", metavar="COMMAND")
    commands.required = True
    run = commands.add_parser("run", help="validate and score every team, the preliminary board, shortlist and sheets")
    run.add_argument("submissions", type=Path, help="a folder of team submissions: HD-Track1 zips or folders, one "
                                                    "per team (the team is the file or folder name)")
    run.add_argument("--testset", type=Path, required=True, help="test set folder (HD-Track1-Test/ or its parent)")
    run.add_argument("--judge", default=DEFAULT_PROFILE, help="judge profile for every team (default offline-rubric)")
    run.add_argument("--out", type=Path, required=True, help="the campaign folder (a rerun resumes in it)")
    run.add_argument("--shortlist", type=int, default=3, metavar="K", help="teams to shortlist (default 3)")
    run.add_argument("--raters", type=int, default=3, metavar="R", help="raters per item (default 3)")
    run.add_argument("--panel", type=int, metavar="N", help="raters in the panel (default R: each rates every item)")
    run.add_argument("--protocol", choices=sorted(PROTOCOLS), default=DEFAULT_PROTOCOL, help="scoring protocol")
    run.add_argument("--exclude", metavar="LIST", help="as for `score` (default: the protocol's)")
    run.add_argument("--cache", type=Path, help="judgment store (default: judgments.sqlite in the campaign folder)")
    run.add_argument("--bootstrap", type=int, default=2000, help="bootstrap resamples (default 2000)")
    run.add_argument("--seed", type=int, default=20260, help="seed of the sheets' order and the intervals")
    run.set_defaults(func=run_run, interrupt_note="judgments made so far are in the campaign's store; the same "
                                                  "command resumes")
    finish = commands.add_parser("finish", help="the panel's filled sheets in; final scores and leaderboard out")
    finish.add_argument("campaign", type=Path, help="the campaign folder")
    finish.add_argument("--human-ratings", type=Path, nargs="+", required=True, metavar="CSV",
                        help="the filled rating_template.csv of every rater")
    finish.set_defaults(func=run_finish)
    status = commands.add_parser("status", help="where each team and stage stands")
    status.add_argument("campaign", type=Path, help="the campaign folder")
    status.set_defaults(func=run_status)


def run_run(args: argparse.Namespace) -> int:
    from humdial_eval.leaderboards.campaign.workflow import CampaignOptions, run_campaign

    try:
        protocol = get_protocol(args.protocol)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    options = CampaignOptions(submissions=args.submissions, testset=args.testset, judge=args.judge, out=args.out,
                              protocol=protocol, shortlist=args.shortlist, raters_per_item=args.raters,
                              panel=args.panel, cache=args.cache, exclude=args.exclude, bootstrap=args.bootstrap,
                              seed=args.seed)
    campaign = run_campaign(options, _say)
    _print_status(campaign)
    print(f"rating sheets: {printable(args.out / 'sheets')} (one folder per rater); keep "
          f"{printable(args.out / 'private')} away from raters; then `humdial-eval campaign finish {printable(args.out)} "
          "--human-ratings FILLED.csv ...`")
    return EXIT_OK


def run_finish(args: argparse.Namespace) -> int:
    from humdial_eval.leaderboards.campaign.workflow import finish_campaign

    campaign, reliability = finish_campaign(args.campaign, args.human_ratings, _say)
    _print_status(campaign)
    for group in reliability["groups"]:
        alpha = group.get("alpha_ordinal", {})
        value = alpha.get("value") if isinstance(alpha, dict) else None
        shown = f"{value:.3f}" if isinstance(value, float) else f"undefined ({alpha.get('reason', '')})"
        print(f"panel reliability {group['language']} {group['task']} {group['dimension']}: Krippendorff's ordinal "
              f"alpha {shown} over {group['items']} items")
    print(f"final leaderboard: {printable(args.campaign / 'final')}")
    return EXIT_OK


def run_status(args: argparse.Namespace) -> int:
    from humdial_eval.leaderboards.campaign.workflow import load_campaign

    _print_status(load_campaign(args.campaign))
    return EXIT_OK


def _print_status(campaign: object) -> None:
    from humdial_eval.leaderboards.campaign.workflow import Campaign

    assert isinstance(campaign, Campaign)
    stages = campaign.stages
    print(f"campaign {printable(campaign.out)}: run {stages.get('run', 'not started')}"
          f"{'; finished with ' + str(stages['finish']['ratings']) + ' ratings' if stages.get('finish') else ''}")
    print(f"{'team':30} {'valid':>6} {'errors':>6} {'prelim':>7} {'short':>5} {'final':>6}")
    for team in campaign.teams.values():
        valid = "-" if team.valid is None else ("yes" if team.valid else "no")
        prelim = "-" if team.preliminary is None else f"{team.preliminary:.2f}" + ("" if team.preliminary_complete else "*")
        final = "-" if team.final is None else f"{team.final:.2f}"
        print(f"{printable(team.name)[:30]:30} {valid:>6} {team.errors:>6} {prelim:>7} "
              f"{'yes' if team.shortlisted else '':>5} {final:>6}")
    if any(not t.preliminary_complete and t.preliminary is not None for t in campaign.teams.values()):
        print("* partial final (the judge scores not every dimension of the final; official weights renormalised)")


def _say(line: str) -> None:
    print(printable(line, 2000), file=sys.stderr)
