"""Exit codes and the one exception a command raises for a user's mistake, shared by the CLI and its plugins."""

from __future__ import annotations

from humdial_eval.errors import InvalidArgument, UserError

__all__ = ["ERROR_LIMIT", "EXIT_INCOMPLETE", "EXIT_INVALID", "EXIT_OK", "EXIT_USAGE", "InvalidArgument", "UserError"]

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2
# An error line quotes paths, ids and server messages: escaped, and cut beyond this many characters.
ERROR_LIMIT = 1000
# `score`: outputs written, but an expected item has no score because its judgment failed on the judge's
# side (transport, 429/5xx after retries, unreadable answers), so the final is incomplete. Not used when
# the user chose --on-failure exclude|min explicitly. (3 is an internal error.)
EXIT_INCOMPLETE = 4

