"""Language identification for the language rule (a reply in the wrong language scores the minimum).

py3langid is restricted to the benchmark's two languages. Very short or letter-free replies give no
reliable answer; they are reported as undetermined and the rule does not fire on them.

py3langid ships its model LZMA-compressed and decompresses it at every start (0.4-0.7 s of a warm
re-score). The decompressed model, byte for byte the file py3langid would read, is kept once in the
user's cache folder; from it, the arrays the identifier holds once restricted to zh and en are kept too
(a folder of .npy files), and a run reads those: two columns of the feature table instead of 142, and
the byte automaton mapped into memory (0.1-0.15 s less per run). Without a writable cache the model is
loaded the library's own way. Either way the identifier is built only when a reply needs classifying.
"""

from __future__ import annotations

import json
import lzma
import os
import re
import shutil
import tempfile
import zipfile
from functools import cache
from pathlib import Path
from typing import Any

_LETTERS = re.compile(r"[A-Za-z\u4e00-\u9fff]")
MIN_LETTERS = 4


LANGUAGES = ["zh", "en"]


@cache
def _identifier():  # type: ignore[no-untyped-def]
    from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

    compressed = MODEL_DIR / MODEL_FILE
    restricted = _restricted_model(compressed)
    if restricted is not None:
        ptc, pc, classes, nextmove, row, output = restricted
        identifier = LanguageIdentifier(ptc, pc, classes, nextmove, output, norm_probs=True, tk_row=row)
        identifier.set_languages(LANGUAGES)  # already these two: the same arrays again
        return identifier
    return _full_identifier(compressed)


def _full_identifier(compressed: Path):  # type: ignore[no-untyped-def]
    """The identifier from the whole model (the decompressed copy, else py3langid's own loading), restricted."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    model = _cached_model(compressed)
    if model is None:
        identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    else:
        ptc, pc, classes, nextmove, row, output = model
        identifier = LanguageIdentifier(ptc, pc, classes, nextmove, output, norm_probs=True, tk_row=row)
    identifier.set_languages(LANGUAGES)
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
            _prune(copy.parent, "py3langid-*.npz", copy)
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


_RESTRICTED_FILES = ("ptc.npy", "pc.npy", "classes.json", "nextmove.npy", "nextmove_row.npy", "out_feat.npy")


def _restricted_model(compressed: Path):  # type: ignore[no-untyped-def]
    """The model's arrays as the identifier holds them once restricted to zh and en, from a folder in the user
    cache made on first use; None when it can be neither read nor made (the caller loads the whole model).

    Restricting keeps two of the 142 columns of the feature table (28 MB -> 0.4 MB); the byte automaton
    (39 MB) is mapped into memory rather than read, so a run reads only the states its replies visit. The
    folder is named after the library version, the compressed model's size and time and the languages; it
    is written whole under a temporary name and renamed, so a reader never sees half of one."""
    import numpy as np
    from py3langid import __version__
    from py3langid.modelio import _to_array

    folder: Path | None = None
    try:
        stat = compressed.stat()
        folder = model_cache_dir() / (f"py3langid-{__version__}-{stat.st_size}-{stat.st_mtime_ns}-"
                                      f"{'-'.join(LANGUAGES)}")
        if not folder.is_dir():
            _write_restricted(compressed, folder)
            _prune(folder.parent, f"py3langid-*-{'-'.join(LANGUAGES)}", folder)
        classes = json.loads((folder / "classes.json").read_text(encoding="utf-8"))
        ptc = np.load(folder / "ptc.npy", allow_pickle=False)
        pc = np.load(folder / "pc.npy", allow_pickle=False)
        nextmove = np.load(folder / "nextmove.npy", mmap_mode="r", allow_pickle=False)
        row = np.load(folder / "nextmove_row.npy", allow_pickle=False)
        output = np.load(folder / "out_feat.npy", allow_pickle=False)
        if (not isinstance(classes, list) or sorted(classes) != sorted(LANGUAGES) or ptc.ndim != 2
                or ptc.shape[1] != len(classes) or pc.shape != (len(classes),) or nextmove.ndim != 1
                or row.shape != output.shape):
            raise ValueError("not a restricted model")
        return ptc, pc, classes, memoryview(nextmove), _to_array(row), output.tolist()
    except (OSError, ValueError, KeyError, TypeError, EOFError):
        if folder is not None:  # damaged (a full disk, an edit): dropped, the next run makes it again
            shutil.rmtree(folder, ignore_errors=True)
        return None


def _write_restricted(compressed: Path, folder: Path) -> None:
    import numpy as np

    identifier = _full_identifier(compressed)
    folder.parent.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(dir=folder.parent, prefix=".py3langid-restricted-"))
    try:
        np.save(building / "ptc.npy", np.ascontiguousarray(identifier.nb_ptc), allow_pickle=False)
        np.save(building / "pc.npy", np.asarray(identifier.nb_pc), allow_pickle=False)
        (building / "classes.json").write_text(json.dumps(list(identifier.nb_classes)), encoding="utf-8")
        np.save(building / "nextmove.npy", np.frombuffer(identifier.tk_nextmove, dtype=_dtype(identifier.tk_nextmove)),
                allow_pickle=False)
        np.save(building / "nextmove_row.npy", np.frombuffer(identifier.tk_row, dtype=_dtype(identifier.tk_row)),
                allow_pickle=False)
        np.save(building / "out_feat.npy", np.asarray(identifier.tk_output, dtype=np.int32), allow_pickle=False)
        try:
            os.rename(building, folder)  # whole or not at all; another run may have made it meanwhile
        except OSError:
            if not folder.is_dir():
                raise
    finally:
        shutil.rmtree(building, ignore_errors=True)


# Copies of other models (each reinstall of py3langid is a new file time, so a new copy) kept besides the
# newest: enough for two environments used in turn, without a cache that grows by 107 MB per install.
KEEP_OTHER_COPIES = 1


def _prune(folder: Path, pattern: str, made: Path) -> None:
    """Remove all but the newest copies matching ``pattern`` after ``made`` was made; never fails a run."""
    try:
        others = sorted((p for p in folder.glob(pattern) if p != made), key=lambda p: p.stat().st_mtime, reverse=True)
        for stale in others[KEEP_OTHER_COPIES:]:
            if stale.is_dir():
                shutil.rmtree(stale, ignore_errors=True)
            else:
                stale.unlink(missing_ok=True)
    except OSError:
        pass


def _dtype(values: Any) -> str:
    """The numpy type of a stdlib array (py3langid keeps the automaton in array('H'/'I'/'L'))."""
    return {"H": "uint16", "I": "uint32", "L": "uint64"}[values.typecode]


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
