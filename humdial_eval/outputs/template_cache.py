"""Compiled Jinja2 templates kept between runs, so that a re-score does not compile them again.

Compiling the judge prompts and the report template (Jinja2's lexer, parser and code generator) cost a
warm re-score about 0.1 s, for code that is the same every time. Jinja2's file-system bytecode cache
keeps the compiled code in the user's cache folder. Each entry's name holds everything that shapes the
code: the template's text (its sha256), its name and file name, the environment's class and syntax
options, and the autoescape verdict for the template; the Jinja2 version names the folder, and Jinja2
checks the source checksum and the Python version it wrote into the entry when it reads it. So an edited
template, another environment or another Jinja2 is compiled afresh, never served old code.

Loading code from a file runs it, so the folder must be the user's own and writable by nobody else;
otherwise, and whenever an entry cannot be read or written, templates are compiled as before.
"""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import Environment
from jinja2.bccache import Bucket, FileSystemBytecodeCache

from humdial_eval.benchmark.language import model_cache_dir

# The environment's settings that change the code Jinja2 generates (runtime settings, such as the undefined
# type, the filters or the sandbox's checks, are looked up on the environment when a template renders).
_SHAPING = ("block_start_string", "block_end_string", "variable_start_string", "variable_end_string",
            "comment_start_string", "comment_end_string", "line_statement_prefix", "line_comment_prefix",
            "trim_blocks", "lstrip_blocks", "newline_sequence", "keep_trailing_newline", "optimized", "is_async",
            "sandboxed")


def cache_folder() -> Path:
    """``$XDG_CACHE_HOME/humdial-eval/jinja2-<version>`` (``~/.cache/...``), beside the language model's copy."""
    return model_cache_dir() / f"jinja2-{jinja2.__version__}"


class CodeCache(FileSystemBytecodeCache):
    """A Jinja2 bytecode cache (give it as ``Environment(bytecode_cache=...)``) in :func:`cache_folder`,
    looked up afresh at each use (the environment may change), and silent when it cannot serve."""

    def __init__(self) -> None:
        super().__init__(str(cache_folder()), "%s.jinja")

    def get_bucket(self, environment: Environment, name: str | None, filename: str | None, source: str) -> Bucket:
        bucket = Bucket(environment, "", self.get_source_checksum(source))
        key = entry_name(environment, name, filename, source)
        if key is None or not self._ready():
            return bucket
        bucket.key = key
        try:
            self.load_bytecode(bucket)
        except Exception:  # noqa: BLE001 - a damaged entry (unreadable, cut short, garbage) only means compiling
            bucket.reset()
        return bucket

    def set_bucket(self, bucket: Bucket) -> None:
        if not bucket.key or not self._ready():
            return
        try:
            self.dump_bytecode(bucket)
        except OSError:  # a full or read-only disk: this run compiled it, the next one will too
            pass

    def _ready(self) -> bool:
        folder = cache_folder()
        self.directory = str(folder)
        try:
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            return _private(folder)
        except OSError:
            return False


def compile_template(env: Environment, source: str) -> Any:
    """``env.from_string(source)``, the compiled code read from (or written to) the cache when possible.
    A template with a syntax error raises ``TemplateSyntaxError`` as ``from_string`` does (only code that
    compiled is ever stored)."""
    cache = CodeCache()
    bucket = cache.get_bucket(env, None, None, source)
    code = bucket.code
    if code is None:
        code = env.compile(source)
        bucket.code = code
        cache.set_bucket(bucket)
    return env.template_class.from_code(env, code, env.make_globals(None), None)


def entry_name(env: Environment, name: str | None, filename: str | None, source: str) -> str | None:
    """The entry's name, or None when the environment has a setting that cannot be named (a ``finalize``
    function): such templates are always compiled."""
    if env.finalize is not None:
        return None
    shape: dict[str, Any] = {option: getattr(env, option, None) for option in _SHAPING}
    shape["autoescape"] = env.autoescape(name) if callable(env.autoescape) else env.autoescape
    shape["extensions"] = sorted(env.extensions)
    text = hashlib.sha256(source.encode("utf-8")).hexdigest()
    described = f"{type(env).__module__}.{type(env).__qualname__}|{shape!r}|{name!r}|{filename!r}|{text}"
    return hashlib.sha256(described.encode("utf-8")).hexdigest()


def _private(folder: Path) -> bool:
    """A real folder (not a link), owned by this user, that no one else can write to."""
    info = os.lstat(folder)
    if not stat.S_ISDIR(info.st_mode) or info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return False
    return not hasattr(os, "getuid") or info.st_uid == os.getuid()
