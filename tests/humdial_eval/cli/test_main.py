"""The lazy command registry: the parser lists every command but loads only the one that runs."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest

from humdial_eval.engine import registry
from humdial_eval.cli.main import main, requested_command

REPO = Path(__file__).resolve().parents[3]
HEAVY = ("numpy", "scipy", "jinja2", "rich", "humdial_eval.cli.score_cmd", "humdial_eval.inputs.validation",
         "humdial_eval.leaderboards.cli", "humdial_eval.judges.llm", "humdial_eval.reference_model.cli", "humdial_eval.agreement.cli")


def imported_after(code: str) -> set[str]:
    """Run ``code`` in a fresh interpreter and return which of HEAVY it left imported."""
    probe = f"import sys\n{code}\nprint(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=True)
    last = done.stdout.rstrip("\n").rsplit("\n", 1)[-1]
    return set(filter(None, last.split(",")))


def test_top_level_help_lists_every_command_without_importing_any() -> None:
    code = ("from humdial_eval.cli.main import main\nimport contextlib, io\n"
            "with contextlib.redirect_stdout(io.StringIO()) as out: main(['--help'])\n"
            "assert 'score a submission against a test set' in out.getvalue(), out.getvalue()")
    assert imported_after(code) == set()


def test_a_command_imports_what_it_needs_and_no_other_command() -> None:
    code = ("from humdial_eval.cli.main import build_parser\n"
            "build_parser(['validate', 'x', '--testset', 'y']).parse_args(['validate', 'x', '--testset', 'y'])")
    loaded = imported_after(code)
    assert "humdial_eval.inputs.validation" in loaded
    assert not loaded & {"humdial_eval.cli.score_cmd", "humdial_eval.leaderboards.cli", "humdial_eval.judges.llm", "scipy", "humdial_eval.reference_model.cli"}


@pytest.fixture
def plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Two third-party commands installed as entry points: one with a HELP constant, one without."""
    (tmp_path / "hello_cmd.py").write_text(textwrap.dedent('''
        """Say hello (a third-party command)."""
        import argparse
        HELP = "greet someone by name"
        LOADED = True

        def register(subparsers: argparse._SubParsersAction) -> None:
            parser = subparsers.add_parser("hello", help=HELP)
            parser.add_argument("who")
            parser.set_defaults(func=lambda args: print(f"hello {args.who}") or 0)
    '''))
    (tmp_path / "bye_cmd.py").write_text(textwrap.dedent('''
        """Say goodbye."""
        raise RuntimeError("this plugin is broken")

        def register(subparsers):
            subparsers.add_parser("bye", help="wave " "goodbye")
    '''))
    monkeypatch.syspath_prepend(str(tmp_path))
    real = registry.command_registrars()
    extra = {name: EntryPoint(name=name, value=f"{name}_cmd:register", group=registry.COMMAND_GROUP)
             for name in ("hello", "bye")}
    monkeypatch.setattr(registry, "command_registrars", lambda: {**real, **extra})
    return tmp_path


def test_entry_point_commands_are_listed_from_their_source_and_loaded_only_to_run(
    plugin: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--help"]) == 0
    listing = capsys.readouterr().out
    assert "greet someone by name" in listing and "wave goodbye" in listing
    assert "hello_cmd" not in sys.modules and "bye_cmd" not in sys.modules
    assert main(["hello", "world"]) == 0
    assert capsys.readouterr().out.strip() == "hello world"
    assert sys.modules["hello_cmd"].LOADED
    sys.modules.pop("hello_cmd", None)


def test_a_broken_plugin_fails_only_its_own_command(plugin: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["hello", "you"]) == 0
    assert "broken" not in capsys.readouterr().err  # bye_cmd was never imported
    assert main(["bye"]) == 2
    err = capsys.readouterr().err
    assert "command plugin 'bye' (bye_cmd:register) failed to load: RuntimeError: this plugin is broken" in err
    assert "command 'bye' is not available" in err
    sys.modules.pop("hello_cmd", None)


def test_help_line_falls_back_to_the_docstring_and_missing_modules_get_none() -> None:
    assert registry._help_from_tree(__import__("ast").parse('"""First line.\n\nMore."""\n'), "x") == "First line."
    missing = EntryPoint(name="gone", value="no_such_module_xyz.cli:register", group=registry.COMMAND_GROUP)
    assert registry.command_help(missing) == ""


@pytest.mark.parametrize("argv, expected", [
    (["score", "a"], "score"), (["--version"], None), (["-h", "validate"], "validate"), (["nope"], None), ([], None),
])
def test_the_requested_command_is_the_first_word(argv: list[str], expected: str | None) -> None:
    assert requested_command(argv, {"score", "validate"}) == expected


def test_without_argv_the_parser_is_complete() -> None:
    from humdial_eval.cli.main import build_parser

    args = build_parser().parse_args(["validate", "sub", "--testset", "ts", "--json"])
    assert args.command == "validate" and args.json and callable(args.func)


@pytest.mark.parametrize("module", ["humdial_eval.cli.main", "humdial_eval"])
def test_a_users_mistake_is_exit_1_however_the_cli_is_started(module: str, tmp_path: Path) -> None:
    """Started as ``python -m humdial_eval.cli.main`` the entry module is ``__main__``; its error class must
    still be the one the commands raise, or every user error became "internal error" (exit 3)."""
    done = subprocess.run([sys.executable, "-m", module, "score", str(tmp_path / "absent"), "--testset",
                           str(tmp_path / "absent-testset"), "--out", str(tmp_path / "out")], capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stderr
    assert done.stderr.startswith("humdial-eval: error:") and "internal error" not in done.stderr
