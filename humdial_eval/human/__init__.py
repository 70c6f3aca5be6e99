"""Human ratings with the same rubric the LLM judge uses.

`human export` writes blind rating sheets for a scored run; `human import` reads the filled sheets
back into the long ratings CSV that `agreement --human` compares judges against.
"""
