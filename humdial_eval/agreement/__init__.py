"""Agreement between scorers: LLM judge vs LLM judge vs human raters.

Anyone who swaps the official judge for another one must show how well the two agree. This package
reads `score` output folders and human ratings, pairs up the items two scorers both rated, and
reports agreement statistics, human inter-rater reliability, system-level rank agreement and bias
diagnostics. Every statistic either has a finite value or says why it is undefined; nothing here
writes NaN.
"""
