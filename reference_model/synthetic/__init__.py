"""Synthetic HumDial-style training data: bilingual dialogues with emotional user speech."""
