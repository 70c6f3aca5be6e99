"""The campaign's stages: ``run`` (validate and score every team, preliminary board, shortlist, sheets),
``finish`` (the panel's ratings in, final scores and board out) and ``status``.

Every stage can be run again: validation and scoring are repeated from the campaign's one judgment store,
which answers every judgment already made (a run killed at any point resumes without asking one twice),
and every file is replaced whole. ``campaign.json`` records what each stage decided.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from humdial_eval.benchmark.protocol import Protocol
from humdial_eval.engine.pipeline import ScoreOptions, ValidateOptions, score, validate
from humdial_eval.errors import UserError
from humdial_eval.human.importer import read_key, import_ratings
from humdial_eval.human.ratings import HumanRating, write_ratings_csv
from humdial_eval.inputs.issues import IssueLog
from humdial_eval.leaderboards.campaign.sheets import write_sheets
from humdial_eval.leaderboards.definition import LeaderboardDefinition, load_definition, resolve_definition_dir
from humdial_eval.leaderboards.entries import TeamEntry, team_name_problem
from humdial_eval.leaderboards.runs import read_run
from humdial_eval.leaderboards.standings import Leaderboard, build_leaderboard
from humdial_eval.leaderboards.uncertainty import add_uncertainty
from humdial_eval.outputs.atomic_write import write_atomic
from humdial_eval.outputs.run_folder import RunFolderError, read_json_object, read_summary
from humdial_eval.terminal import json_line

STATE_FILE = "campaign.json"
SCHEMA = "humdial-eval/campaign/1"
STORE_FILE = "judgments.sqlite"
BOARD = "icassp2026_track1"
# The dimensions the challenge's panel rated (results.md: T3 D2 and D3 by 20 human evaluators).
PANEL_DIMENSIONS = ("vocal_empathy_congruence", "audio_quality_naturalness")
_SLUG = re.compile(r"[^A-Za-z0-9_.-]+")


@dataclass
class CampaignOptions:
    submissions: Path
    testset: Path
    judge: str
    out: Path
    protocol: Protocol
    shortlist: int = 3
    raters_per_item: int = 3
    panel: int | None = None  # raters in the panel (default: raters_per_item, each rates every item)
    cache: Path | None = None
    exclude: str | None = None
    bootstrap: int = 2000
    seed: int = 20260
    resamples: int = 2000


@dataclass
class Team:
    name: str
    submission: Path
    folder: str
    valid: bool | None = None
    errors: int = 0
    warnings: int = 0
    preliminary: float | None = None
    preliminary_complete: bool = False
    shortlisted: bool = False
    final: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {**dataclasses.asdict(self), "submission": str(self.submission)}


@dataclass
class Campaign:
    out: Path
    options: dict[str, Any] = field(default_factory=dict)
    teams: dict[str, Team] = field(default_factory=dict)
    stages: dict[str, Any] = field(default_factory=dict)

    def team_dir(self, team: Team) -> Path:
        return self.out / "teams" / team.folder

    def save(self) -> None:
        data = {"schema": SCHEMA, "options": self.options, "stages": self.stages,
                "teams": {name: team.to_dict() for name, team in self.teams.items()}}
        _write_atomically(self.out / STATE_FILE, json_line(data, indent=1) + "\n")


def run_campaign(options: CampaignOptions, say: Callable[[str], None]) -> Campaign:
    """Validate and score every team with one judge and one store, rank them, shortlist the top K and write
    blind sheets for their T3 items."""
    if options.shortlist < 1:
        raise UserError("--shortlist must be at least 1")
    panel = options.panel or options.raters_per_item
    campaign = Campaign(out=options.out)
    options.out.mkdir(parents=True, exist_ok=True)
    store = options.cache or options.out / STORE_FILE
    campaign.options = {"submissions": str(options.submissions), "testset": str(options.testset), "judge": options.judge,
                        "protocol": options.protocol.record(), "shortlist": options.shortlist, "panel": panel,
                        "raters_per_item": options.raters_per_item, "store": str(store), "exclude": options.exclude,
                        "seed": options.seed, "bootstrap": options.bootstrap, "resamples": options.resamples}
    for team in discover_teams(options.submissions):
        campaign.teams[team.name] = team
    campaign.stages = {"run": "started"}
    campaign.save()
    for team in campaign.teams.values():
        say(f"{team.name}: validating ...")
        checked = validate(ValidateOptions(team.submission, options.testset, protocol=options.protocol))
        team.valid, team.errors, team.warnings = checked.valid, len(checked.issues.errors), len(checked.issues.warnings)
        folder = campaign.team_dir(team)
        folder.mkdir(parents=True, exist_ok=True)
        _write_atomically(folder / "validation.jsonl",
                          "".join(json_line(issue.to_dict()) + "\n" for issue in checked.issues.issues))
        say(f"{team.name}: scoring ({team.errors} validation error(s)) ...")
        outcome = score(_score_options(options, team, folder / "preliminary", store))
        summary = outcome.summary or {}
        team.preliminary = summary.get("final") if summary.get("final") is not None else summary.get("final_partial")
        team.preliminary_complete = summary.get("final") is not None
        campaign.save()
    ranked = sorted(campaign.teams.values(), key=lambda t: (t.preliminary is None, -(t.preliminary or 0.0), t.name))
    for position, team in enumerate(ranked):
        team.shortlisted = position < options.shortlist and team.preliminary is not None
    shortlisted = {t.name: campaign.team_dir(t) / "preliminary" for t in ranked if t.shortlisted}
    definition = _definition(options.protocol, campaign, "preliminary", human_panel=False)
    # a judge that scores no D2/D3 (the offline one) leaves no final: the preliminary board then renormalises (marked †)
    _write_board(definition, {t.name: campaign.team_dir(t) / "preliminary" for t in ranked}, options.out / "preliminary",
                 options.resamples, options.seed, substitution="renormalise")
    say(f"shortlisted: {', '.join(shortlisted)}")
    load = write_sheets(shortlisted, options.out / "sheets", options.out / "private" / "key.json",
                        dimensions=list(PANEL_DIMENSIONS), panel=panel, raters_per_item=options.raters_per_item,
                        seed=options.seed)
    campaign.stages = {"run": "done", "shortlist": list(shortlisted), "sheets": load}
    campaign.save()
    return campaign


def finish_campaign(out: Path, filled: Sequence[Path], say: Callable[[str], None]) -> tuple[Campaign, dict[str, Any]]:
    """Import the filled sheets, re-score the shortlisted teams with the panel as the source of the dimensions
    it rated (every other judgment comes from the store), and write the final board and the panel's reliability."""
    campaign = load_campaign(out)
    if campaign.stages.get("run") != "done":
        raise UserError(f"{out}: `campaign run` has not finished; run it again first")
    issues = IssueLog()
    key = read_key(out / "private" / "key.json", issues)
    result = import_ratings(list(filled), issues, key=key) if key is not None else None
    if issues.errors or result is None:
        shown = "; ".join(issue.format() for issue in issues.errors[:10])
        raise UserError(f"the filled sheets cannot be used ({len(issues.errors)} problem(s)): {shown}")
    if not result.ratings:
        raise UserError("the filled sheets hold no score")
    for note in result.notes:
        say(f"note: {note}")
    ratings_csv = out / "private" / "ratings.csv"  # it names each item's team: kept with the key
    ratings_csv.parent.mkdir(parents=True, exist_ok=True)
    write_ratings_csv(ratings_csv, result.ratings)
    options = _options_of(campaign)
    store = Path(campaign.options["store"])
    finals: dict[str, Path] = {}
    for team in campaign.teams.values():
        if not team.shortlisted:  # shown with its preliminary scores, named so, and marked by its sources
            finals[f"{team.name} (preliminary)"] = campaign.team_dir(team) / "preliminary"
            continue
        say(f"{team.name}: final scores with the panel ...")
        outcome = score(dataclasses.replace(_score_options(options, team, campaign.team_dir(team) / "final", store),
                                            human_ratings=(ratings_csv,)))
        team.final = (outcome.summary or {}).get("final")
        finals[team.name] = campaign.team_dir(team) / "final"
    definition = _definition(options.protocol, campaign, "final", human_panel=True)
    _write_board(definition, finals, out / "final", options.resamples, options.seed)
    reliability = panel_reliability(result.ratings)
    _write_atomically(out / "final" / "panel_reliability.json", json_line(reliability, indent=1) + "\n")
    campaign.stages["finish"] = {"ratings": len(result.ratings), "raters": len({r.rater for r in result.ratings})}
    campaign.save()
    return campaign, reliability


def load_campaign(out: Path) -> Campaign:
    try:
        data = _read_json(out / STATE_FILE)
    except UserError:
        raise UserError(f"{out}: not a campaign folder (no readable {STATE_FILE}; start with `campaign run`)") from None
    campaign = Campaign(out=out, options=data.get("options", {}), stages=data.get("stages", {}))
    for name, entry in data.get("teams", {}).items():
        fields = {f.name for f in dataclasses.fields(Team)}
        campaign.teams[name] = Team(**{**{k: v for k, v in entry.items() if k in fields},
                                       "submission": Path(entry["submission"])})
    return campaign


def discover_teams(folder: Path) -> list[Team]:
    """Every team in ``folder``: a ``.zip`` (team = its name without .zip) or a folder (team = its name) holding a
    submission. Hidden entries are skipped; two entries of one team name are refused."""
    if not folder.is_dir():
        raise UserError(f"{folder}: not a folder of team submissions")
    teams: dict[str, Team] = {}
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith(".") or entry.is_symlink():
            continue
        if entry.is_file() and entry.suffix.lower() == ".zip":
            name = entry.stem
        elif entry.is_dir():
            name = entry.name
        else:
            continue
        problem = team_name_problem(name)
        if problem:
            raise UserError(f"{entry}: {problem}")
        if name in teams:
            raise UserError(f"team {name!r} comes from both {teams[name].submission.name} and {entry.name}")
        slug = _SLUG.sub("_", name).strip("_") or "team"
        while any(t.folder == slug for t in teams.values()):
            slug += "_"
        teams[name] = Team(name=name, submission=entry, folder=slug)
    if not teams:
        raise UserError(f"{folder}: no team submission (.zip files or folders) found")
    return list(teams.values())


def panel_reliability(ratings: Sequence[HumanRating]) -> dict[str, Any]:
    """Krippendorff's ordinal alpha and ICC of the panel per language and dimension (the agreement module's
    statistics), over every item with two or more ratings."""
    from humdial_eval.agreement.reliability import panel_reliability as reliability_of
    from humdial_eval.agreement.sources import ItemKey, Source

    source = Source(name="panel", kind="human")
    for rating in ratings:
        unit = (ItemKey(rating.system or "", rating.task, rating.language, rating.dialogue_id), rating.dimension)
        source.ratings.setdefault(unit, {})[rating.rater] = rating.score
    groups = sorted({(r.language, r.task, r.dimension) for r in ratings})
    labels = {(task, dimension): (1, 2, 3, 4, 5) for _, task, dimension in groups}
    records = reliability_of(source, groups, labels)
    return {"raters": len({r.rater for r in ratings}), "ratings": len(ratings),
            "groups": [record.to_dict() for record in records]}


def _score_options(options: CampaignOptions, team: Team, out: Path, store: Path) -> ScoreOptions:
    return ScoreOptions(submission=team.submission, testset=options.testset, out=out, judge=options.judge,
                        protocol=options.protocol, system_name=team.name, cache=store, bootstrap=options.bootstrap,
                        seed=options.seed, exclude=options.exclude)


def _options_of(campaign: Campaign) -> CampaignOptions:
    from humdial_eval.benchmark.protocol import get_protocol

    recorded = campaign.options
    protocol = get_protocol(recorded["protocol"]["name"], language_rule=recorded["protocol"]["language_rule"],
                            t3_turn_rule=recorded["protocol"]["t3_turn_rule"])
    return CampaignOptions(
        submissions=Path(recorded["submissions"]), testset=Path(recorded["testset"]), judge=recorded["judge"],
        out=campaign.out, protocol=protocol, shortlist=recorded["shortlist"], raters_per_item=recorded["raters_per_item"],
        panel=recorded["panel"], exclude=recorded.get("exclude"), bootstrap=recorded["bootstrap"],
        seed=recorded["seed"], resamples=recorded["resamples"])


def _definition(protocol: Protocol, campaign: Campaign, stage: str, *, human_panel: bool) -> LeaderboardDefinition:
    """The ICASSP 2026 board without its published teams, declaring this campaign's own sources: the judge's for
    every dimension (preliminary), with the panel for D2/D3 in the final, so that a team without the panel's
    ratings is marked there."""
    issues = IssueLog()
    definition = load_definition(resolve_definition_dir(BOARD), issues)
    if definition is None:
        raise UserError(f"the shipped {BOARD} definition cannot be read")
    sources: dict[str, dict[str, Any]] = {}
    for team in campaign.teams.values():
        try:
            summary = read_summary(campaign.team_dir(team) / "preliminary")
        except UserError:
            continue
        for component, source in (summary.get("sources") or {}).items():
            sources[component] = {k: v for k, v in source.items() if k in ("kind", "model", "protocol")}
        break
    if human_panel:
        for dimension in PANEL_DIMENSIONS:
            sources[f"T3.{dimension}"] = {"kind": "human"}
    return dataclasses.replace(definition, scores_path=None, sources=sources,
                               title=f"Campaign {stage} leaderboard ({protocol.name} protocol)")


def _write_board(definition: LeaderboardDefinition, runs: dict[str, Path], out: Path, resamples: int, seed: int,
                 substitution: str = "none") -> None:
    from humdial_eval.leaderboards.cli import write_board

    issues = IssueLog()
    entries: list[TeamEntry] = []
    for name, folder in runs.items():
        entry = read_run(folder, definition, issues, name)
        if entry is not None:
            entries.append(entry)
    if issues.errors:
        raise UserError("; ".join(issue.format() for issue in issues.errors[:5]))
    board: Leaderboard = build_leaderboard(definition, entries, substitution)
    if any(entry.items is not None for entry in entries):
        add_uncertainty(board, entries, resamples=resamples, confidence=0.95, seed=seed)
    write_board(board, out)


def _read_json(path: Path) -> dict[str, Any]:
    try:
        return read_json_object(path)
    except RunFolderError as exc:
        raise UserError(f"{path}: cannot be read ({exc.reason})") from None


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, text)
