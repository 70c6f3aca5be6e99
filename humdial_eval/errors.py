"""The exceptions the harness raises for a user's mistake, shared by the API, the CLI and its plugins.

They live in the core, not in the CLI, so that the pipeline and the Python API raise them without
importing the command line; ``humdial_eval.cli.errors`` re-exports them with the exit codes.
"""

from __future__ import annotations


class UserError(Exception):
    """A problem with the user's input or environment, reported as one clear line (CLI: exit 1)."""


class InvalidArgument(UserError, TypeError, ValueError):
    """An API function was given an argument of the wrong type or value (an unknown option, a ``None``
    path, a negative count). It is a :class:`UserError` with the CLI's wording, and also a ``TypeError``
    and a ``ValueError``, so code that catches the built-in exceptions keeps working."""
