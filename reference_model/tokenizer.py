"""Tokenizers for the language model: an offline character tokenizer, or a pretrained one from a folder.

The tiny configuration cannot download a tokenizer, so :class:`CharTokenizer` is built from the
training texts themselves: every character seen often enough gets an id, anything else falls back to
its UTF-8 bytes, so no text is ever unencodable. A pretrained backbone brings its own tokenizer
(:class:`PretrainedTokenizer`); both get the same special tokens, which is all the model relies on.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Protocol

# Special tokens shared by every tokenizer. Order matters only for CharTokenizer ids.
PAD = "<pad>"
EOT = "<|eot|>"  # end of an assistant turn
SYSTEM = "<|system|>"
USER = "<|user|>"
ASSISTANT = "<|assistant|>"
THINK = "<think>"
END_THINK = "</think>"
SPEECH = "<|speech|>"  # user speech embeddings follow
END_SPEECH = "<|/speech|>"
SPEAK = "<|speak|>"  # the reply's speech units follow
LANGUAGE_TOKENS = ("<|lang:zh|>", "<|lang:en|>")
TASK_TOKENS = tuple(f"<|task:T{n}|>" for n in range(1, 6))
SPECIAL_TOKENS: tuple[str, ...] = (
    PAD, EOT, SYSTEM, USER, ASSISTANT, THINK, END_THINK, SPEECH, END_SPEECH, SPEAK, *LANGUAGE_TOKENS, *TASK_TOKENS
)


def language_token(language: str) -> str:
    return f"<|lang:{language}|>"


def task_token(task: str) -> str:
    return f"<|task:{task}|>"


class Tokenizer(Protocol):
    """What the model and the packer need from a tokenizer."""

    @property
    def vocab_size(self) -> int: ...

    def encode(self, text: str) -> list[int]: ...

    def decode(self, ids: Iterable[int]) -> str: ...

    def special_id(self, token: str) -> int: ...

    def save(self, folder: Path) -> None: ...


class CharTokenizer:
    """Specials, then 256 byte tokens, then the characters learned from the corpus."""

    FILE = "tokenizer.json"

    def __init__(self, chars: list[str]) -> None:
        self.chars = list(chars)
        self._byte_base = len(SPECIAL_TOKENS)
        self._char_base = self._byte_base + 256
        self._char_ids = {ch: self._char_base + i for i, ch in enumerate(self.chars)}
        self._special_ids = {tok: i for i, tok in enumerate(SPECIAL_TOKENS)}

    @classmethod
    def train(cls, texts: Iterable[str], *, max_chars: int = 4000, min_count: int = 1) -> "CharTokenizer":
        """Keep the ``max_chars`` most frequent characters seen at least ``min_count`` times."""
        counts = Counter(ch for text in texts for ch in text)
        kept = [ch for ch, n in counts.most_common() if n >= min_count][:max_chars]
        return cls(sorted(kept))

    @property
    def vocab_size(self) -> int:
        return self._char_base + len(self.chars)

    def encode(self, text: str) -> list[int]:
        ids: list[int] = []
        for ch in text:
            known = self._char_ids.get(ch)
            if known is not None:
                ids.append(known)
            else:
                ids.extend(self._byte_base + b for b in ch.encode("utf-8"))
        return ids

    def decode(self, ids: Iterable[int]) -> str:
        out: list[str] = []
        pending = bytearray()
        for i in ids:
            if self._byte_base <= i < self._char_base:
                pending.append(i - self._byte_base)
                continue
            if pending:
                out.append(pending.decode("utf-8", errors="replace"))
                pending.clear()
            if i >= self._char_base and i - self._char_base < len(self.chars):
                out.append(self.chars[i - self._char_base])
            # special tokens and out-of-range ids carry no text
        if pending:
            out.append(pending.decode("utf-8", errors="replace"))
        return "".join(out)

    def special_id(self, token: str) -> int:
        return self._special_ids[token]

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        payload = {"kind": "char", "specials": list(SPECIAL_TOKENS), "chars": self.chars}
        (folder / self.FILE).write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> "CharTokenizer":
        payload = json.loads((folder / cls.FILE).read_text(encoding="utf-8"))
        if payload.get("specials") != list(SPECIAL_TOKENS):
            raise ValueError(f"{folder / cls.FILE}: special tokens differ from this version of the code")
        return cls(payload["chars"])


class PretrainedTokenizer:
    """A ``transformers`` tokenizer loaded from a local folder, with our special tokens added."""

    FILE = "tokenizer_kind.json"

    def __init__(self, source: Path) -> None:
        from transformers import AutoTokenizer

        self._tok = AutoTokenizer.from_pretrained(str(source), local_files_only=True)
        self._tok.add_special_tokens({"additional_special_tokens": list(SPECIAL_TOKENS)})
        self._special_ids = {t: self._tok.convert_tokens_to_ids(t) for t in SPECIAL_TOKENS}

    @property
    def vocab_size(self) -> int:
        return len(self._tok)

    def encode(self, text: str) -> list[int]:
        return list(self._tok.encode(text, add_special_tokens=False))

    def decode(self, ids: Iterable[int]) -> str:
        return str(self._tok.decode(list(ids), skip_special_tokens=True))

    def special_id(self, token: str) -> int:
        return self._special_ids[token]

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self._tok.save_pretrained(str(folder / "hf_tokenizer"))
        (folder / self.FILE).write_text(json.dumps({"kind": "pretrained"}), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> "PretrainedTokenizer":
        return cls(folder / "hf_tokenizer")


def load_tokenizer(folder: Path) -> Tokenizer:
    """Read back whichever tokenizer a checkpoint saved."""
    if (folder / CharTokenizer.FILE).is_file():
        return CharTokenizer.load(folder)
    if (folder / PretrainedTokenizer.FILE).is_file():
        return PretrainedTokenizer.load(folder)
    raise FileNotFoundError(f"{folder}: no tokenizer saved here")
