"""Systems under test: backends that play a test set to a spoken dialogue model and write a submission.

A model profile (YAML) names a backend (an entry point in ``humdial_eval.model_backends``) and its
settings; ``humdial-eval generate --model PROFILE`` runs it. See docs/generate.md.
"""
