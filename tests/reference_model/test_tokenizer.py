from __future__ import annotations

from pathlib import Path

import pytest

from humdial_eval.reference_model.tokenizer import SPECIAL_TOKENS, THINK, CharTokenizer, load_tokenizer


def test_round_trip_with_byte_fallback_for_unseen_characters(tmp_path: Path) -> None:
    tok = CharTokenizer.train(["hello world", "你好"])
    text = "hello 你好 — naïve 😀"
    ids = tok.encode(text)
    assert tok.decode(ids) == text
    assert len(tok.encode("hello")) == 5  # learned characters are one token each
    assert len(tok.encode("😀")) == 4  # unseen: its four UTF-8 bytes
    tok.save(tmp_path)
    again = load_tokenizer(tmp_path)
    assert again.encode(text) == ids and again.vocab_size == tok.vocab_size


def test_specials_have_distinct_ids_and_decode_to_nothing() -> None:
    tok = CharTokenizer.train(["abc"])
    ids = [tok.special_id(s) for s in SPECIAL_TOKENS]
    assert len(set(ids)) == len(ids)
    assert tok.decode([tok.special_id(THINK), *tok.encode("a")]) == "a"
    assert max(ids) < min(tok.encode("abc"))


def test_max_chars_keeps_the_most_frequent() -> None:
    tok = CharTokenizer.train(["aaab", "aac"], max_chars=1)
    assert tok.chars == ["a"]


def test_a_tokenizer_with_other_specials_is_refused(tmp_path: Path) -> None:
    (tmp_path / "tokenizer.json").write_text('{"kind": "char", "specials": ["<x>"], "chars": []}')
    with pytest.raises(ValueError, match="special tokens differ"):
        load_tokenizer(tmp_path)
