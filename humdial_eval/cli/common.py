"""Options and helpers shared by the sub-commands that read a submission and a test set."""

from __future__ import annotations

import argparse
from pathlib import Path

from humdial_eval.engine import registry

from humdial_eval.inputs import layout
from humdial_eval.cli.errors import UserError
from humdial_eval.benchmark.task import Task

RANKED_TASKS = ("T1", "T2", "T3")


def add_input_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("submission", type=Path, help="submission folder (HD-Track1/ or its parent) or a .zip of it")
    parser.add_argument("--testset", type=Path, required=True, help="test set folder (HD-Track1-Test/ or its parent)")
    parser.add_argument("--tasks", default=",".join(RANKED_TASKS), help="comma-separated task ids (default: T1,T2,T3)")
    parser.add_argument("--languages", default=",".join(layout.LANGUAGES), help="comma-separated languages (default: zh,en)")
    parser.add_argument(
        "--t3-turn-rule",
        default=None,
        help="which T3 turn is evaluated: second_non_neutral (default: second emotional turn on normalised labels, "
             "else the last one), last_non_neutral, or published_second_raw (what eval_task3.py does; the "
             "official protocol's rule)",
    )


def split_list(value: str, name: str) -> list[str]:
    items = [part.strip() for part in value.split(",") if part.strip()]
    if not items:
        raise UserError(f"--{name} is empty")
    return items


def make_tasks(args: argparse.Namespace, options: dict[str, str] | None = None) -> list[Task]:
    """The chosen task plugins with ``options`` (a protocol's task options; default: the turn rule alone)."""
    options = dict(options) if options is not None else {"t3_turn_rule": args.t3_turn_rule or "second_non_neutral"}
    tasks = []
    for task_id in split_list(args.tasks, "tasks"):
        try:
            tasks.append(registry.task_class(task_id)(options))
        except (registry.PluginError, ValueError) as exc:
            raise UserError(str(exc)) from exc
    return tasks


def languages(args: argparse.Namespace) -> list[str]:
    chosen = split_list(args.languages, "languages")
    unknown = [lang for lang in chosen if lang not in layout.LANGUAGES]
    if unknown:
        raise UserError(f"unknown language(s) {', '.join(unknown)}; the benchmark has {', '.join(layout.LANGUAGES)}")
    return chosen
