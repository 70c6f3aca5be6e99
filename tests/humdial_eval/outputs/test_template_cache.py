"""Compiled templates kept between runs: the same text as compiling, and never old code for a new template."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from jinja2 import DictLoader, Environment, StrictUndefined, TemplateSyntaxError, select_autoescape
from jinja2.sandbox import SandboxedEnvironment

from humdial_eval.outputs import template_cache
from humdial_eval.outputs.template_cache import CodeCache, cache_folder, compile_template

TEMPLATE = "{% for x in items %}\n  <{{ x }}>\n{% endfor %}\nend {{ name }}"


@pytest.fixture(autouse=True)
def own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def sandbox(**options: object) -> SandboxedEnvironment:
    return SandboxedEnvironment(undefined=StrictUndefined, **options)  # type: ignore[arg-type]


def render(env: Environment, source: str) -> str:
    return compile_template(env, source).render(items=[1, "a&b"], name="<n>")


def no_compiling(monkeypatch: pytest.MonkeyPatch, env: Environment) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("compiled although the cache holds the code")

    monkeypatch.setattr(env, "compile", refuse)


def entries() -> list[Path]:
    return sorted(cache_folder().glob("*.jinja"))


def test_cached_code_renders_what_compiling_renders(monkeypatch: pytest.MonkeyPatch) -> None:
    expected = sandbox(trim_blocks=True).from_string(TEMPLATE).render(items=[1, "a&b"], name="<n>")
    assert render(sandbox(trim_blocks=True), TEMPLATE) == expected
    assert len(entries()) == 1
    env = sandbox(trim_blocks=True)
    no_compiling(monkeypatch, env)
    assert render(env, TEMPLATE) == expected


def test_an_edited_template_is_compiled_afresh() -> None:
    render(sandbox(), TEMPLATE)
    assert render(sandbox(), TEMPLATE.replace("end {{", "END {{")).endswith("END <n>")
    assert len(entries()) == 2


def test_environments_that_compile_differently_do_not_share_code() -> None:
    plain, trimmed = sandbox(), sandbox(trim_blocks=True, lstrip_blocks=True)
    assert render(plain, TEMPLATE) == plain.from_string(TEMPLATE).render(items=[1, "a&b"], name="<n>")
    assert render(trimmed, TEMPLATE) == trimmed.from_string(TEMPLATE).render(items=[1, "a&b"], name="<n>")
    escaping = Environment(autoescape=True)
    assert render(escaping, TEMPLATE) == escaping.from_string(TEMPLATE).render(items=[1, "a&b"], name="<n>")
    assert "a&amp;b" in render(escaping, TEMPLATE) and "a&b" in render(Environment(), TEMPLATE)
    assert len(entries()) == 4


def test_loader_templates_keep_their_name_and_autoescape_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    def env() -> Environment:
        return Environment(loader=DictLoader({"a.html": "{{ v }}", "a.md": "{{ v }}"}),
                           autoescape=select_autoescape(["html"]), bytecode_cache=CodeCache())

    first = env()
    assert first.get_template("a.html").render(v="<b>") == "&lt;b&gt;"
    assert first.get_template("a.md").render(v="<b>") == "<b>"
    again = env()
    no_compiling(monkeypatch, again)
    template = again.get_template("a.html")
    assert template.name == "a.html" and template.render(v="<b>") == "&lt;b&gt;"
    assert again.get_template("a.md").render(v="<b>") == "<b>"


def test_a_syntax_error_is_raised_and_nothing_is_kept() -> None:
    with pytest.raises(TemplateSyntaxError):
        compile_template(sandbox(), "{% for x in %}")
    assert entries() == []


def test_a_damaged_entry_is_compiled_again() -> None:
    render(sandbox(), TEMPLATE)
    (entry,) = entries()
    entry.write_bytes(entry.read_bytes()[:30])
    assert render(sandbox(), TEMPLATE).endswith("end <n>")
    entry.write_bytes(b"garbage")
    assert render(sandbox(), TEMPLATE).endswith("end <n>")


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX permissions")
def test_a_folder_others_can_write_to_is_not_used(monkeypatch: pytest.MonkeyPatch) -> None:
    render(sandbox(), TEMPLATE)
    cache_folder().chmod(0o777)
    env = sandbox()
    no_compiling(monkeypatch, env)
    with pytest.raises(AssertionError, match="compiled although"):
        render(env, TEMPLATE)  # the entry is there, but is not read


def test_no_usable_folder_still_compiles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))  # a file where the folder should be
    assert render(sandbox(), TEMPLATE).endswith("end <n>")


def test_a_finalize_function_is_never_cached() -> None:
    env = Environment(finalize=lambda value: "" if value is None else value)
    assert template_cache.entry_name(env, None, None, TEMPLATE) is None
    assert render(env, TEMPLATE).endswith("end <n>") and entries() == []
