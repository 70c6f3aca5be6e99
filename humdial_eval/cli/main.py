"""Entry point of ``humdial-eval``.

Exit codes: 0 success, 1 invalid input (the messages say what and where), 2 usage errors. A user's
mistake never ends in a traceback; set HUMDIAL_EVAL_DEBUG=1 to see one for a crash.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Collection, Sequence

from humdial_eval import __version__

# Defined in their own module: run as ``python -m humdial_eval.cli.main`` this file is ``__main__``, and a

from humdial_eval.engine import registry
# UserError class defined here would be a different class from the one the commands import and raise.
# Re-exported here for command plugins written against this module.
from humdial_eval.cli.errors import ERROR_LIMIT, EXIT_INCOMPLETE, EXIT_INVALID, EXIT_OK, EXIT_USAGE, UserError
from humdial_eval.terminal import printable

__all__ = ["ERROR_LIMIT", "EXIT_INCOMPLETE", "EXIT_INVALID", "EXIT_OK", "EXIT_USAGE", "UserError", "main", "run"]


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The ``humdial-eval`` parser, with only the command that ``argv`` asks for loaded.

    Every command is a ``humdial_eval.commands`` entry point. Loading one imports what that command
    needs (numpy, scipy, the judges...), so only the command being run (or whose ``--help`` is asked)
    is loaded; the others are listed with a help line read from their source (see
    :func:`humdial_eval.engine.registry.command_help`). Without ``argv`` every command is loaded: the
    complete parser, for tools that want all of it.
    """
    parser = argparse.ArgumentParser(
        prog="humdial-eval",
        description="Evaluate HumDial Track 1 (Emotional Intelligence) submissions.",
    )
    parser.add_argument("--version", action="version", version=f"humdial-eval {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    entries = registry.command_registrars()
    wanted = None if argv is None else requested_command(argv, entries)
    for name, entry in entries.items():
        if argv is None or name == wanted:
            try:
                entry.load()(subparsers)
                continue
            except Exception as exc:  # a third-party plugin's bug must not disable the other commands
                print(f"humdial-eval: warning: command plugin {name!r} ({entry.value}) failed to load: "
                      f"{type(exc).__name__}: {exc}", file=sys.stderr)
                if name in subparsers.choices:
                    continue
        # A stand-in for the listing; it is never parsed with, since only the command given is loaded.
        subparsers.add_parser(name, help=registry.command_help(entry), add_help=False)
    return parser


def requested_command(argv: Sequence[str], names: Collection[str]) -> str | None:
    """The command ``argv`` names: its first word that is not an option (the top level takes no values)."""
    for word in argv:
        if word == "--":
            return None
        if not word.startswith("-"):
            return word if word in names else None
    return None


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(argv)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors and 0 on --help
        return int(exc.code or 0)
    if not getattr(args, "func", None):
        if args.command:  # its plugin failed to load (the warning above says why)
            print(f"humdial-eval: error: command {args.command!r} is not available", file=sys.stderr)
        else:
            parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        return int(args.func(args))
    except UserError as exc:
        print(f"humdial-eval: error: {printable(exc, ERROR_LIMIT)}", file=sys.stderr)
        return EXIT_INVALID
    except KeyboardInterrupt:
        # Only a command that keeps partial work says so (``score``: the judgment store); set with set_defaults.
        note = getattr(args, "interrupt_note", None)
        print(f"humdial-eval: interrupted{'; ' + note if note else ''}", file=sys.stderr)
        return 130
    except Exception as exc:
        if os.environ.get("HUMDIAL_EVAL_DEBUG"):
            raise
        print(f"humdial-eval: internal error: {type(exc).__name__}: {printable(exc, ERROR_LIMIT)} "
              "(HUMDIAL_EVAL_DEBUG=1 shows the traceback)", file=sys.stderr)
        return 3


def run() -> None:
    sys.exit(main())


if __name__ == "__main__":
    run()
