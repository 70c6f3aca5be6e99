"""Judges: scorers of EvalItems, registered through the ``humdial_eval.judges`` entry points."""
