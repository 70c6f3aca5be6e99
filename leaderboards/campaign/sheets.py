"""Blind rating sheets for several teams at once: items of every shortlisted team interleaved at random, each
assigned to ``raters_per_item`` raters of the panel with the load balanced, the key written apart.

A rater's folder holds only neutral item ids, the texts and the audio; which team an item belongs to is in
the key (``private/key.json``), which never goes to raters. Sheets reuse `human export`'s item building, HTML
form and CSV template, so a rater sees the same sheet either way.
"""

from __future__ import annotations

import json
import random
import shutil
from dataclasses import dataclass, replace
from pathlib import Path

from humdial_eval.agreement.runs import opened_submission, read_run
from humdial_eval.errors import UserError
from humdial_eval.human.export import (
    KEY_SCHEMA,
    ExportResult,
    SheetItem,
    build_items,
    chosen_rows,
    copy_audio,
    run_tasks,
    write_html,
    write_template,
)
from humdial_eval.inputs.issues import IssueLog
from humdial_eval.inputs.loading import load_submission, load_testset


@dataclass
class TeamItem:
    team: str
    entry: SheetItem


def write_sheets(
    runs: dict[str, Path], sheets: Path, key_path: Path, *, dimensions: list[str], panel: int, raters_per_item: int,
    seed: int,
) -> dict[str, int]:
    """Sheets for the T3 items of every run (team -> score folder); returns the number of items per rater."""
    if not 1 <= raters_per_item <= panel:
        raise UserError(f"--raters {raters_per_item} must be from 1 to the panel size ({panel})")
    items: list[TeamItem] = []
    cache = sheets / ".audio"
    for index, (team, run_dir) in enumerate(sorted(runs.items())):
        items.extend(TeamItem(team, entry) for entry in _team_items(run_dir, dimensions, cache / str(index)))
    if not items:
        raise UserError("no T3 item of the shortlisted teams can be put on a rating sheet")
    rng = random.Random(seed)
    rng.shuffle(items)
    for number, item in enumerate(items, start=1):
        item.entry.item_id = f"item-{number:04d}"
    assignment = _assign(len(items), panel, raters_per_item, rng)
    load: dict[str, int] = {}
    for rater_index in range(panel):
        rater = f"rater-{rater_index + 1:02d}"
        mine = [items[i] for i in range(len(items)) if rater_index in assignment[i]]
        folder = sheets / rater
        (folder / "audio").mkdir(parents=True, exist_ok=True)
        for item in mine:
            copy_audio(item.entry, folder / "audio")
        entries = [item.entry for item in mine]
        write_template(folder / "rating_template.csv", entries, rater)
        write_html(folder / "rating_sheet.html", entries, seed + rater_index)
        load[rater] = len(mine)
    _write_key(key_path, items, assignment, seed)
    shutil.rmtree(cache, ignore_errors=True)
    return load


def _team_items(run_dir: Path, dimensions: list[str], audio_cache: Path) -> list[SheetItem]:
    """The team's T3 items as sheet entries; their audio is copied into ``audio_cache`` while the submission (a
    zip's extraction, maybe) is open, and the entries point there."""
    issues = IssueLog()
    run = read_run(run_dir, run_dir.name, issues)
    if run is None or run.submission is None or run.testset is None:
        raise UserError(f"{run_dir}: cannot read the run for rating sheets "
                        f"({'; '.join(i.format() for i in issues.errors[:3]) or 'no submission or test set recorded'})")
    result = ExportResult()
    rows = chosen_rows(run, ["T3"], None, False, result)
    tasks = run_tasks(["T3"], run, issues)
    if issues.errors or "T3" not in tasks:
        raise UserError(f"{run_dir}: {'; '.join(i.format() for i in issues.errors[:3])}")
    audio_cache.mkdir(parents=True, exist_ok=True)
    with opened_submission(run.submission) as folder:
        load_issues = IssueLog()
        languages = sorted({r.language for r in rows})
        testset = load_testset(run.testset, load_issues, tasks=["T3"], languages=languages)
        submission = load_submission(folder, load_issues, tasks=["T3"], languages=languages)
        built = build_items(rows, tasks, testset, submission, dimensions, result)
        for number, entry in enumerate(built):
            entry.item = replace(entry.item, response_audio=_kept(entry.item.response_audio, audio_cache, f"{number}_r"),
                                 user_audio=_kept(entry.item.user_audio, audio_cache, f"{number}_u"))
    return built


def _kept(path: Path | None, cache: Path, name: str) -> Path | None:
    if path is None or not path.is_file():
        return None
    target = cache / f"{name}.wav"
    shutil.copyfile(path, target)
    return target


def _assign(count: int, panel: int, per_item: int, rng: random.Random) -> list[set[int]]:
    """Each item to ``per_item`` distinct raters, dealt round-robin over a shuffled order so that no rater
    has more than one item more than another."""
    order = list(range(panel))
    rng.shuffle(order)
    assignment: list[set[int]] = []
    position = 0
    for _ in range(count):
        chosen: set[int] = set()
        while len(chosen) < per_item:
            chosen.add(order[position % panel])
            position += 1
        assignment.append(chosen)
    return assignment


def _write_key(path: Path, items: list[TeamItem], assignment: list[set[int]], seed: int) -> None:
    key = {
        "schema": KEY_SCHEMA,
        "system": None,
        "seed": seed,
        "items": [
            {
                "item": item.entry.item_id, "system": item.team, "task": item.entry.item.task,
                "language": item.entry.item.language, "dialogue_id": item.entry.item.dialogue_id,
                "turn_id": item.entry.item.turn_id,
                "dimensions": {d.key: list(d.scale.values) for d in item.entry.dimensions},
                "raters": sorted(f"rater-{index + 1:02d}" for index in assignment[number]),
            }
            for number, item in enumerate(items)
        ],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(key, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
