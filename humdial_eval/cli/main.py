"""Entry point of ``humdial-eval``.

Exit codes: 0 success, 1 invalid input (the messages say what and where), 2 usage errors. A user's
mistake never ends in a traceback; set HUMDIAL_EVAL_DEBUG=1 to see one for a crash.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from humdial_eval import __version__, registry
from humdial_eval.terminal import printable

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2
# An error line quotes paths, ids and server messages: escaped, and cut beyond this many characters.
ERROR_LIMIT = 1000
# `score`: outputs written, but an expected item has no score because its judgment failed on the judge's
# side (transport, 429/5xx after retries, unreadable answers), so the final is incomplete. Not used when
# the user chose --on-failure exclude|min explicitly. (3 is an internal error.)
EXIT_INCOMPLETE = 4


class UserError(Exception):
    """A problem with the user's input or environment, reported as one clear line (exit 1)."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="humdial-eval",
        description="Evaluate HumDial Track 1 (Emotional Intelligence) submissions.",
    )
    parser.add_argument("--version", action="version", version=f"humdial-eval {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, entry in registry.command_registrars().items():
        try:
            entry.load()(subparsers)
        except Exception as exc:  # a third-party plugin's bug must not disable the other commands
            print(f"humdial-eval: warning: command plugin {name!r} ({entry.value}) failed to load: "
                  f"{type(exc).__name__}: {exc}", file=sys.stderr)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors and 0 on --help
        return int(exc.code or 0)
    if not getattr(args, "func", None):
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
