"""Language identification for the language rule (a reply in the wrong language scores the minimum).

py3langid is restricted to the benchmark's two languages. Very short or letter-free replies give no
reliable answer; they are reported as undetermined and the rule does not fire on them.

py3langid ships its model LZMA-compressed and decompresses it at every start (0.4-0.7 s of a warm
re-score). The decompressed model, byte for byte the file py3langid would read, is kept once in the
user's cache folder and read from there afterwards; without a writable cache the model is loaded the
library's own way. Either way the identifier is built only when a reply needs classifying.
"""

from __future__ import annotations

import lzma
import os
import re
import shutil
import tempfile
import zipfile
from functools import cache
from pathlib import Path

_LETTERS = re.compile(r"[A-Za-z\u4e00-\u9fff]")
MIN_LETTERS = 4


@cache
def _identifier():  # type: ignore[no-untyped-def]
    from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

    compressed = MODEL_DIR / MODEL_FILE
    model = _cached_model(compressed)
    if model is None:
        identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    else:
        ptc, pc, classes, nextmove, row, output = model
        identifier = LanguageIdentifier(ptc, pc, classes, nextmove, output, norm_probs=True, tk_row=row)
    identifier.set_languages(["zh", "en"])
    return identifier


def model_cache_dir() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "humdial-eval"


def _cached_model(compressed: Path):  # type: ignore[no-untyped-def]
    """The model's arrays as py3langid's ``load_model`` returns them, read from the decompressed copy
    (made on first use); None when no copy can be read or made (the caller then loads it as py3langid does)."""
    import numpy as np
    from py3langid import __version__
    from py3langid.modelio import _to_array

    try:
        stat = compressed.stat()
        # the copy is named after the library version and the compressed file's size and time: a new model is a new copy
        copy = model_cache_dir() / f"py3langid-{__version__}-{stat.st_size}-{stat.st_mtime_ns}.npz"
        if not copy.is_file():
            copy.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=copy.parent, prefix=".py3langid-", suffix=".tmp", delete=False) as tmp:
                try:
                    with lzma.open(compressed) as source:
                        shutil.copyfileobj(source, tmp, length=1 << 20)
                except BaseException:
                    os.unlink(tmp.name)
                    raise
            os.replace(tmp.name, copy)  # whole or not at all: a concurrent or killed run never sees half a model
    except (OSError, lzma.LZMAError, EOFError):
        return None
    try:
        with np.load(copy, allow_pickle=False) as data:
            return (data["ptc"], data["pc"], data["classes"].tolist(), _to_array(data["nextmove"]),
                    _to_array(data["nextmove_row"]), data["out_feat"].tolist())
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
        try:  # a damaged copy (a full disk, an edit): the next run makes it again
            copy.unlink()
        except OSError:
            pass
        return None


def detect_language(text: str) -> str | None:
    """``"zh"``, ``"en"``, or None when the text is too short to tell."""
    if len(_LETTERS.findall(text)) < MIN_LETTERS:
        return None
    language, _ = _identifier().classify(text)
    return str(language)


def language_mismatch(text: str, expected: str) -> str | None:
    """The detected language when it differs from ``expected``, else None."""
    detected = detect_language(text)
    return detected if detected is not None and detected != expected else None
