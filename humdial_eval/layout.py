"""Where the official layouts put things: one place, so no module spells a path twice.

Test set:   ``HD-Track1-Test/{zh,en}/HD-Track1-T{n}.jsonl`` + ``HD-Track1-T{n}/{dialogue_id}_{turn_id}.wav``
Submission: ``HD-Track1/{zh,en}/HD-Track1-T{n}.jsonl`` + ``HD-Track1-T3/{dialogue_id}_{turn_id}_response.wav``
"""

from __future__ import annotations

from pathlib import Path

LANGUAGES: tuple[str, ...] = ("zh", "en")
TESTSET_FOLDER = "HD-Track1-Test"
SUBMISSION_FOLDER = "HD-Track1"


def task_file(root: Path, language: str, task: str) -> Path:
    return root / language / f"HD-Track1-{task}.jsonl"


def audio_dir(root: Path, language: str, task: str) -> Path:
    return root / language / f"HD-Track1-{task}"


def user_audio_name(dialogue_id: str, turn_id: int) -> str:
    return f"{dialogue_id}_{turn_id}.wav"


def response_audio_name(dialogue_id: str, turn_id: int) -> str:
    return f"{dialogue_id}_{turn_id}_response.wav"


def response_audio_path(root: Path, language: str, task: str, dialogue_id: str, turn_id: int) -> Path:
    return audio_dir(root, language, task) / response_audio_name(dialogue_id, turn_id)


def collection_root(path: Path, folder: str) -> Path:
    """Accept either the official top folder itself or a directory that contains it."""
    if (path / folder).is_dir() and not any((path / lang).is_dir() for lang in LANGUAGES):
        return path / folder
    return path


def is_inside(path: Path, root: Path) -> bool:
    """True when ``path``, with symlinks and ``..`` resolved, lies under ``root``."""
    try:
        path.resolve().relative_to(root.resolve())
    except ValueError:
        return False
    return True
