"""Plugin discovery through Python entry points, so the core never imports a task or judge by name.

Groups: ``humdial_eval.tasks`` (Task subclasses), ``humdial_eval.judges`` (Judge factories keyed by
profile ``backend``), ``humdial_eval.profile_dirs`` (folders of judge profile YAML files) and
``humdial_eval.commands`` (functions that add a sub-command to the CLI).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from functools import cache
from importlib.metadata import EntryPoint, entry_points
from importlib.util import find_spec
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
    """Sub-command entry points, not yet loaded: the CLI loads only the command it runs, so that one
    broken or slow-to-import plugin cannot take the other commands down with it."""
    return dict(sorted(_entries(COMMAND_GROUP).items()))


def command_help(entry: EntryPoint) -> str:
    """A command's one-line help for the top-level listing, read from its module's source without running it.

    Importing a command module imports everything its command needs (numpy, scipy, torch...), which
    would make ``humdial-eval --help`` as slow as the slowest command. So the source is parsed instead,
    and the line is, in order: a module-level ``HELP = "..."`` constant; the literal ``help=`` of the
    ``add_parser("<name>", ...)`` call that registers the command; the module docstring's first line.
    A module that cannot be found or parsed gets no help line (it is still listed, and still runs).
    """
    source = _module_source(entry.module)
    if source is None:
        return ""
    try:
        text = source.read_text(encoding="utf-8")
        # Parsing a whole module costs milliseconds per command; the registrar function alone is enough
        # when it holds the help line, so that is tried first (the full parse is the fallback).
        block = re.search(rf"^(?:async\s+)?def\s+{re.escape(entry.attr)}\b.*?(?=^\S|\Z)", text, re.M | re.S)
        if block and "HELP" not in text:
            found = _help_from_tree(ast.parse(block.group(0)), entry.name)
            if found:
                return found
        return _help_from_tree(ast.parse(text, filename=str(source)), entry.name)
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
        return ""


def _help_from_tree(tree: ast.Module, name: str) -> str:
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "HELP" for t in node.targets):
            text = _literal_text(node.value)
            if text:
                return text
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "add_parser"
                and node.args and _literal_text(node.args[0]) == name):
            for keyword in node.keywords:
                if keyword.arg == "help":
                    text = _literal_text(keyword.value)
                    if text:
                        return text
    docstring = ast.get_docstring(tree) or ""
    return docstring.strip().splitlines()[0] if docstring.strip() else ""


def _literal_text(node: ast.expr) -> str:
    try:
        value = ast.literal_eval(node)
    except ValueError:
        return ""
    return " ".join(value.split()) if isinstance(value, str) else ""


def _module_source(module: str) -> Path | None:
    """The ``.py`` file of a dotted module name, found without importing it (a package's ``__init__`` may
    import as much as the command itself). Folders are searched part by part; a subpackage that lives
    elsewhere (``humdial_eval.judges`` is the repository's ``judges/``, mapped by the build) is asked of
    the import system, which imports only its parents."""
    parts = module.split(".")
    try:
        spec = find_spec(parts[0])
    except (ImportError, ValueError):
        return None
    if spec is None:
        return None
    origin = spec.origin
    locations = list(spec.submodule_search_locations or [])
    for depth in range(1, len(parts)):
        found = _in_folders(locations, parts[depth])
        if found is None:
            try:
                sub = find_spec(".".join(parts[: depth + 1]))
            except (ImportError, ValueError):
                return None
            if sub is None:
                return None
            origin, locations = sub.origin, list(sub.submodule_search_locations or [])
        else:
            origin = str(found)
            locations = [str(found.parent)] if found.name == "__init__.py" else []
    return Path(origin) if origin and origin.endswith(".py") else None


def _in_folders(folders: list[str], name: str) -> Path | None:
    for folder in folders:
        base = Path(folder) / name
        for candidate in (base.with_suffix(".py"), base / "__init__.py"):
            if candidate.is_file():
                return candidate
    return None
