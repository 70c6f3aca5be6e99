"""The organisers' process as one command family (``humdial-eval campaign run | finish | status``).

The challenge's own process (HumDial-Challenge ``content/track1/test_set.md``, "Evaluation & Ranking
Mechanism"): every submission is scored by the LLM judge, the top-ranked teams are shortlisted, their
T3 replies are rated by human evaluators, and the final ranking combines both. A campaign folder holds
every stage: one judgment store for all teams (a killed run resumes without asking a judgment twice),
each team's validation and scores, the preliminary leaderboard, blind rating sheets with the key kept
apart, and after ``finish`` the final leaderboard with the panel's reliability.
"""
