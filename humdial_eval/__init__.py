"""humdial-eval: the evaluation engine for HumDial Track 1 (Emotional Intelligence).

The engine knows no specific task or judge: those are plugins found through entry points
(see :mod:`humdial_eval.registry`).
"""

__version__ = "0.1.0"
