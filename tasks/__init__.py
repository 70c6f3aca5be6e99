"""Task plugins T1-T3 of HumDial Track 1, registered through the ``humdial_eval.tasks`` entry points."""
