"""The ``humdial-eval`` command line; sub-commands are plugins (``humdial_eval.commands`` entry points)."""
