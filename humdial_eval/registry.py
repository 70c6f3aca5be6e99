"""Plugin discovery through Python entry points, so the core never imports a task or judge by name.

Groups: ``humdial_eval.tasks`` (Task subclasses), ``humdial_eval.judges`` (Judge factories keyed by
profile ``backend``), ``humdial_eval.profile_dirs`` (folders of judge profile YAML files) and
``humdial_eval.commands`` (functions that add a sub-command to the CLI).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from typing import Any

TASK_GROUP = "humdial_eval.tasks"
JUDGE_GROUP = "humdial_eval.judges"
PROFILE_DIR_GROUP = "humdial_eval.profile_dirs"
COMMAND_GROUP = "humdial_eval.commands"


class PluginError(LookupError):
    """A plugin was asked for by a name no installed package provides."""


def _entries(group: str) -> dict[str, EntryPoint]:
    return {ep.name: ep for ep in entry_points(group=group)}


@cache
def task_classes() -> dict[str, Any]:
    """Task id -> Task subclass, ordered by id (T1, T2, ...)."""
    return {name: ep.load() for name, ep in sorted(_entries(TASK_GROUP).items())}


def task_class(task_id: str) -> Any:
    """Load only the task asked for, so a broken plugin for another task cannot get in the way."""
    entries = _entries(TASK_GROUP)
    if task_id not in entries:
        raise PluginError(f"no task plugin named {task_id!r}; installed: {', '.join(sorted(entries)) or 'none'}")
    return entries[task_id].load()


def judge_factory(backend: str) -> Callable[..., Any]:
    entries = _entries(JUDGE_GROUP)
    if backend not in entries:
        raise PluginError(f"no judge backend named {backend!r}; installed: {', '.join(sorted(entries)) or 'none'}")
    return entries[backend].load()


def judge_backends() -> list[str]:
    return sorted(_entries(JUDGE_GROUP))


def profile_dirs() -> list[Path]:
    return [Path(ep.load()) for ep in _entries(PROFILE_DIR_GROUP).values()]


def command_registrars() -> dict[str, EntryPoint]:
    """Sub-command entry points, not yet loaded: the CLI loads each one on its own so that one broken
    plugin cannot take the other commands down with it."""
    return dict(sorted(_entries(COMMAND_GROUP).items()))
