"""Leaderboards: official tables rebuilt from per-dimension scores, with uncertainty, plots and an HTML page.

A board is a definition folder (``leaderboard.yaml`` + ``scores.csv``); ``humdial-eval leaderboard build``
adds teams from ``score`` output folders and writes Markdown, CSV, LaTeX, HTML, JSON and figures.
"""
