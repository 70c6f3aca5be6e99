"""The hash of each judge prompt, remembered beside the judgment store, so that a re-score need not render it.

An LLM judge's cache key holds the sha256 of the prompt it renders for an item. Rendering every prompt
of the full-size set (Jinja2 in its sandbox) cost a warm re-score about 0.1 s, to find hashes the last
run already found. A prompt is a pure function of its template's text, the values the template is given
(the item's texts and labels, the task, the rubric's dimensions: :func:`prompting.render_inputs`), the
code that builds and fences those values and defines the dimensions, and the template engine. The key
hashes all of them: the values by their ``repr`` (type and content), the code by the source of
``judges/llm/prompting.py`` and of the modules that define the dimension types, the engine by the
Jinja2 and Python versions. Any change to any of them misses and renders as always; a hit gives the
hash of exactly the text that rendering would produce.

The file sits beside the store (``<store>.prompts.json``), as the bootstrap intervals do; a missing,
unreadable or foreign file is an empty memo, and one that cannot be written is skipped. ``--no-cache``
keeps no store and so no memo.
"""

from __future__ import annotations

import hashlib
import inspect
import sys
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

from humdial_eval.engine.json_memo import JsonMemo

SCHEMA = "humdial-eval/prompt-hashes/1"
MAX_ENTRIES = 100_000  # about 13 MB of JSON; a full-size run adds 826
_HEX = frozenset("0123456789abcdef")


@cache
def _source(path: str) -> bytes:
    """A module's source, read once per process (the same module cannot change under a running process)."""
    try:
        return Path(path).read_bytes()
    except OSError:
        return b"?"  # unreadable: the salt still differs from a readable version's


_PLAIN = frozenset({str, int, float, bool, type(None)})


def canonical(value: Any, modules: set[str]) -> Any:
    """``value`` as nested tuples of type names and contents, which ``repr`` shows in full; the modules that
    define the dataclasses met on the way are added to ``modules``. Raises TypeError for any other kind of
    object (its content could hide from the text: a subclass of ``str`` may print as something else)."""
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is list or kind is tuple:
        return (kind.__name__, tuple([v if type(v) in _PLAIN else canonical(v, modules) for v in value]))
    if kind is dict:
        return ("dict", tuple([(k if type(k) in _PLAIN else canonical(k, modules),
                                v if type(v) in _PLAIN else canonical(v, modules)) for k, v in value.items()]))
    fields = getattr(kind, "__dataclass_fields__", None)
    if fields is None or isinstance(value, type):
        raise TypeError(f"{kind.__qualname__} is not memoisable")
    seen = _dataclasses_seen.get(id(value))
    if seen is not None and seen[0] is value:  # the same object (a rubric's dimension): worked out once
        modules.update(seen[2])
        return seen[1]
    own: set[str] = {klass.__module__ for klass in inspect.getmro(kind) if klass is not object}
    text = repr((f"{kind.__module__}.{kind.__qualname__}",
                 tuple((name, canonical(getattr(value, name), own)) for name in fields)))
    form = _Shown(f"<{kind.__qualname__} {hashlib.sha256(text.encode('utf-8', 'surrogatepass')).hexdigest()}>")
    if len(_dataclasses_seen) >= 4096:
        _dataclasses_seen.clear()
    _dataclasses_seen[id(value)] = (value, form, frozenset(own))
    modules.update(own)
    return form


class _Shown(str):
    """A dataclass's canonical form, shown by the sha256 of its text (``repr`` gives this string as it is): a
    dimension's form is long, and is part of every prompt's key."""

    def __repr__(self) -> str:
        return str.__str__(self)


# Dataclass objects already put in canonical form, by identity (the object is held, so its id stays its own).
# The values met are the rubric's dimensions, frozen constants of their task, given to every prompt of it.
_dataclasses_seen: dict[int, tuple[Any, Any, frozenset[str]]] = {}


@cache
def code_salt(modules: frozenset[str]) -> bytes | None:
    """What, besides the values themselves, decides what a template makes of them: the source of the module
    that builds them (``prompting``) and of the modules defining the values' classes (their properties and
    methods), and the engine's versions. None when a module has no source file to read (it could change
    unseen): such items are not memoised."""
    from humdial_eval.judges.llm import prompting

    digest = hashlib.sha256(f"{SCHEMA}|{sys.version}|jinja2={jinja2.__version__}".encode())
    digest.update(_source(prompting.__file__))
    for module in sorted(modules):
        path = getattr(sys.modules.get(module), "__file__", None)
        if not path:
            return None
        digest.update(b"\0" + module.encode() + b"\0" + _source(path))
    return digest.digest()


class PromptMemo(JsonMemo):
    """A JSON file of ``key -> prompt sha256``."""

    schema = SCHEMA
    keep = MAX_ENTRIES

    @staticmethod
    def key(template_sha256: str, values: Any) -> str | None:
        """The key of a prompt: the template's hash, the values it is rendered with (:func:`canonical`), the
        code (:func:`code_salt`); None when the values cannot be keyed faithfully."""
        modules: set[str] = set()
        try:
            text = repr(canonical(values, modules))
        except TypeError:
            return None
        salt = code_salt(frozenset(modules))
        if salt is None:
            return None
        digest = hashlib.sha256(salt)
        digest.update(template_sha256.encode() + b"\0" + text.encode("utf-8", "surrogatepass"))
        return digest.hexdigest()

    def get(self, key: str) -> str | None:
        found = self._load().get(key)
        return found if isinstance(found, str) and len(found) == 64 and _HEX.issuperset(found) else None

    def put(self, key: str, sha256: str) -> None:
        entries = self._load()
        if entries.get(key) != sha256:
            entries.pop(key, None)
            entries[key] = sha256
            self._changed = True


def memo_beside(store: Path) -> PromptMemo:
    return PromptMemo(Path(f"{store}.prompts.json"))
