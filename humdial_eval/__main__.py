"""``python -m humdial_eval``: the same CLI as the ``humdial-eval`` command, for environments without its script."""

from humdial_eval.cli.main import run

run()
