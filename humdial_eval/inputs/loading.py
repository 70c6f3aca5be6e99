"""Reading the official JSONL layouts into :class:`Dialogue` records.

Loading never raises on bad content: each problem becomes a :class:`ValidationIssue` naming the
file, line, dialogue, turn and field, and the loader goes on with whatever else it can read.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from humdial_eval.inputs import jsonl, layout
from humdial_eval.benchmark.dialogue import Dialogue, DialogueCollection, DialogueFile, Submission, TestSet, Turn
from humdial_eval.benchmark.emotions import UnknownEmotionError, normalise_emotion
from humdial_eval.inputs.inputfiles import InputFileError, check_regular
from humdial_eval.inputs.issues import IssueLog

Kind = Literal["testset", "submission"]

MAX_JSONL_BYTES = jsonl.MAX_JSONL_BYTES
MAX_LINE_BYTES = jsonl.MAX_LINE_BYTES
# The most characters of one text (a response, a user turn) that any judge gets to analyse. A spoken reply
# is a few hundred words; 20,000 characters is far beyond any real one, and bounds the work (and the LLM
# prompt) that one hostile line can cause. Longer texts are cut here, with a warning.
MAX_JUDGED_CHARS = 20_000

# A chat-template transcript ("system\n...user\n...assistant\n<reply>") left in front of a reply.
_TEMPLATE_PREFIX = re.compile(r"^\s*(?:<\|im_start\|>)?(?:system|user)\b.*assistant\n", re.DOTALL)
_SPECIAL_TOKENS = re.compile(r"<\|(?:im_start|im_end|endoftext)\|>")


def strip_chat_template(text: str) -> str:
    """Drop a chat-template prefix ending in ``assistant\\n`` and stray special tokens."""
    match = _TEMPLATE_PREFIX.match(text)
    if match:
        text = text[match.end() :]
    return _SPECIAL_TOKENS.sub("", text).strip()


class UnusableTestSet(ValueError):
    """A test set a system cannot be run over (no folder, errors in it, no files); the message lists the
    problems with file, line and field."""


def load_testset_strictly(path: Path, tasks: Sequence[str], languages: Sequence[str]) -> TestSet:
    """The test set to *answer* (``generate``, ``baseline infer``): unlike scoring, which reports test-set
    problems and goes on, a system run over a broken test set would write a submission for the wrong
    questions, so any error stops it."""
    if not path.is_dir():
        raise UnusableTestSet(f"test set folder not found: {path}")
    issues = IssueLog(root=path)
    testset = load_testset(path, issues, tasks=list(tasks), languages=list(languages))
    if issues.errors:
        shown = "\n".join(issue.format() for issue in issues.errors[:20])
        raise UnusableTestSet(f"{len(issues.errors)} problem(s) in the test set:\n{shown}")
    if not testset.files:
        raise UnusableTestSet(f"no test files under {path} (expected {{zh,en}}/HD-Track1-T{{n}}.jsonl)")
    return testset


def load_testset(
    path: Path, issues: IssueLog, *, tasks: list[str], languages: list[str] = list(layout.LANGUAGES)
) -> TestSet:
    root = layout.collection_root(path, layout.TESTSET_FOLDER)
    collection = TestSet(root=root)
    _load_collection(collection, "testset", issues, tasks, languages)
    return collection


def load_submission(
    path: Path, issues: IssueLog, *, tasks: list[str], languages: list[str] = list(layout.LANGUAGES)
) -> Submission:
    root = layout.collection_root(path, layout.SUBMISSION_FOLDER)
    collection = Submission(root=root)
    _load_collection(collection, "submission", issues, tasks, languages)
    expected = [layout.task_file(root, language, task) for language in languages for task in tasks]
    if root.is_dir() and not any(path.exists() or path.is_symlink() for path in expected):
        issues.add(
            "layout_not_found",
            f"no {{{','.join(languages)}}}/HD-Track1-T{{n}}.jsonl here, nor under {layout.SUBMISSION_FOLDER}/; "
            + layout.describe_contents(root, layout.SUBMISSION_FOLDER),
        )
    return collection


def _load_collection(
    collection: DialogueCollection, kind: Kind, issues: IssueLog, tasks: list[str], languages: list[str]
) -> None:
    with layout.resolving_once():
        _load_files(collection, kind, issues, tasks, languages)


def _load_files(
    collection: DialogueCollection, kind: Kind, issues: IssueLog, tasks: list[str], languages: list[str]
) -> None:
    for language in languages:
        for task in tasks:
            file = layout.task_file(collection.root, language, task)
            if not file.exists():
                continue
            if not layout.is_inside(file, collection.root):
                issues.add("path_outside", "file is a link that leaves the folder; refused", file=file)
                continue
            if not _regular(file, issues, {"file": file}):
                continue
            collection.files[(language, task)] = read_dialogue_file(
                file, language, task, kind, collection.root, issues
            )


def read_dialogue_file(
    path: Path, language: str, task: str, kind: Kind, root: Path, issues: IssueLog
) -> DialogueFile:
    result = DialogueFile(language=language, task=task, path=path)
    for line_no, record in jsonl.read_jsonl(path, issues, max_bytes=MAX_JSONL_BYTES, max_line_bytes=MAX_LINE_BYTES):
        dialogue = _parse_dialogue(record, language, task, kind, root, path, line_no, issues)
        if dialogue is None:
            continue
        if dialogue.dialogue_id in result.dialogues:
            first = result.dialogues[dialogue.dialogue_id].line
            issues.add(
                "duplicate_dialogue",
                f"dialogue_id already used on line {first}; the later line is ignored",
                file=path,
                line=line_no,
                dialogue_id=dialogue.dialogue_id,
                field="dialogue_id",
            )
            continue
        result.dialogues[dialogue.dialogue_id] = dialogue
    return result


def _parse_dialogue(
    record: dict[str, Any],
    language: str,
    task: str,
    kind: Kind,
    root: Path,
    path: Path,
    line_no: int,
    issues: IssueLog,
) -> Dialogue | None:
    where: dict[str, Any] = {"file": path, "line": line_no}
    dialogue_id = record.get("dialogue_id")
    if isinstance(dialogue_id, int) and not isinstance(dialogue_id, bool):
        dialogue_id = str(dialogue_id)
    if not isinstance(dialogue_id, str) or not dialogue_id.strip():
        issues.add("missing_field", "dialogue_id must be a non-empty string", field="dialogue_id", **where)
        return None
    if not _SAFE_ID.fullmatch(dialogue_id):
        issues.add(
            "invalid_id",
            "dialogue_id may hold only letters, digits, '-', '_' and '.' (it names audio files)",
            dialogue_id=dialogue_id,
            field="dialogue_id",
            **where,
        )
        return None
    where["dialogue_id"] = dialogue_id
    raw_turns = record.get("turns")
    if not isinstance(raw_turns, list) or not raw_turns:
        issues.add("missing_field", "turns must be a non-empty list", field="turns", **where)
        return None
    turns: list[Turn] = []
    seen: set[int] = set()
    for index, raw_turn in enumerate(raw_turns):
        turn = _parse_turn(raw_turn, index, language, task, kind, root, dialogue_id, where, issues)
        if turn is None:
            continue
        if turn.turn_id in seen:
            issues.add(
                "duplicate_turn",
                "turn_id appears twice in this dialogue",
                turn_id=turn.turn_id,
                field=f"turns[{index}].turn_id",
                **where,
            )
            continue
        seen.add(turn.turn_id)
        turns.append(turn)
    if not turns:
        return None
    turns.sort(key=lambda t: t.turn_id)
    return Dialogue(dialogue_id, language, task, tuple(turns), source=path, line=line_no)


_SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,199}")
# str.isdigit() and int() accept '²', Arabic-Indic and fullwidth digits: an id is plain ASCII.
_ASCII_TURN_ID = re.compile(r"[0-9]{1,3}")


def _parse_turn(
    raw: Any,
    index: int,
    language: str,
    task: str,
    kind: Kind,
    root: Path,
    dialogue_id: str,
    where: dict[str, Any],
    issues: IssueLog,
) -> Turn | None:
    prefix = f"turns[{index}]"
    if not isinstance(raw, dict):
        issues.add("invalid_turn", "turn is not a JSON object", field=prefix, **where)
        return None
    turn_id = raw.get("turn_id")
    if isinstance(turn_id, str) and _ASCII_TURN_ID.fullmatch(turn_id.strip()):
        turn_id = int(turn_id)
    if not isinstance(turn_id, int) or isinstance(turn_id, bool) or not 0 <= turn_id < 1000:
        issues.add(
            "missing_field",
            "turn_id must be an integer from 0 to 999 (ASCII digits 0-9 only)",
            field=f"{prefix}.turn_id",
            **where,
        )
        return None
    turn_where = {**where, "turn_id": turn_id}
    text = _first_string(raw, ("text", "input_text"))
    if text is not None:
        text = _capped(text, f"{prefix}.text", turn_id, where, issues)
    emotion = None
    emotion_field = "emotion" if "emotion" in raw else "input_emotion"
    raw_emotion = raw.get(emotion_field)
    if raw_emotion is not None and raw_emotion != "":
        if not isinstance(raw_emotion, str):
            issues.add("invalid_emotion", "emotion must be a string", field=f"{prefix}.{emotion_field}", **turn_where)
        else:
            try:
                emotion = normalise_emotion(raw_emotion)
            except UnknownEmotionError as exc:
                issues.add("invalid_emotion", str(exc), field=f"{prefix}.{emotion_field}", **turn_where)
    if kind == "testset":
        if text is None:
            issues.add("missing_field", "user turn has no text (text or input_text)", field=f"{prefix}.text", **turn_where)
            text = ""
        user_audio = _user_audio(raw, root, language, task, dialogue_id, turn_id, prefix, turn_where, issues)
        return Turn(turn_id=turn_id, text=text, emotion=emotion, user_audio=user_audio, extra=_extra_fields(raw),
                    raw_emotion=_raw_label(raw))
    response_text = raw.get("response_text")
    if response_text is not None and not isinstance(response_text, str):
        issues.add("invalid_field", "response_text must be a string", field=f"{prefix}.response_text", **turn_where)
        response_text = None
    if isinstance(response_text, str):
        response_text = _capped(strip_chat_template(response_text), f"{prefix}.response_text", turn_id, where, issues)
    response_audio = _response_audio(raw, root, language, task, dialogue_id, turn_id, prefix, turn_where, issues)
    return Turn(
        turn_id=turn_id,
        text=text or "",
        emotion=emotion,
        response_text=response_text,
        response_audio=response_audio,
        extra=_extra_fields(raw),
        raw_emotion=_raw_label(raw),
    )


def _raw_label(raw: dict[str, Any]) -> str | None:
    """The label the published scripts read: ``input_emotion or emotion`` (first non-empty), unnormalised."""
    value = raw.get("input_emotion") or raw.get("emotion")
    return value if isinstance(value, str) else None


def _capped(text: str, field_name: str, turn_id: int, where: dict[str, Any], issues: IssueLog) -> str:
    if len(text) <= MAX_JUDGED_CHARS:
        return text
    issues.warn(
        "text_truncated",
        f"{len(text)} characters; judges see only the first {MAX_JUDGED_CHARS}",
        turn_id=turn_id,
        field=field_name,
        **where,
    )
    return text[:MAX_JUDGED_CHARS]


_KNOWN_TURN_FIELDS = frozenset(
    {"turn_id", "text", "input_text", "emotion", "input_emotion", "split_audio_file", "response_text", "response_audio"}
)
MAX_EXTRA_CHARS = 10_000


def _extra_fields(raw: dict[str, Any]) -> dict[str, Any]:
    """Scalar fields of a turn that the loader does not interpret; task plugins may read them."""
    extra: dict[str, Any] = {}
    for key, value in raw.items():
        if key in _KNOWN_TURN_FIELDS or not isinstance(key, str):
            continue
        if isinstance(value, str) and len(value) <= MAX_EXTRA_CHARS:
            extra[key] = value
        elif isinstance(value, (bool, int, float)):
            extra[key] = value
    return extra


def _first_string(raw: dict[str, Any], keys: tuple[str, ...]) -> str | None:
    for key in keys:
        value = raw.get(key)
        if isinstance(value, str):
            return value
    return None


def _user_audio(
    raw: dict[str, Any],
    root: Path,
    language: str,
    task: str,
    dialogue_id: str,
    turn_id: int,
    prefix: str,
    where: dict[str, Any],
    issues: IssueLog,
) -> Path | None:
    declared = raw.get("split_audio_file")
    if isinstance(declared, str) and declared:
        safe = _safe_relative(declared, root, language, f"{prefix}.split_audio_file", where, issues)
        if safe is not None and safe.is_file() and layout.is_inside(safe, root):
            return safe
    default = layout.audio_dir(root, language, task) / layout.user_audio_name(dialogue_id, turn_id)
    if default.is_file() and layout.is_inside(default, root):
        return default
    return None


def _response_audio(
    raw: dict[str, Any],
    root: Path,
    language: str,
    task: str,
    dialogue_id: str,
    turn_id: int,
    prefix: str,
    where: dict[str, Any],
    issues: IssueLog,
) -> Path | None:
    """The official location is authoritative; a declared path must agree with it."""
    official = layout.response_audio_path(root, language, task, dialogue_id, turn_id)
    declared = raw.get("response_audio")
    field_name = f"{prefix}.response_audio"
    if isinstance(declared, str) and declared:
        safe = _safe_relative(declared, root, language, field_name, where, issues)
        if safe is None:
            return None
        expected = layout.response_audio_name(dialogue_id, turn_id)
        if Path(declared).name != expected:
            issues.add(
                "wrong_audio_name",
                f"response audio is named {Path(declared).name!r}; expected {expected!r} in {official.parent.name}/",
                field=field_name,
                **where,
            )
            return None
    if official.exists() or official.is_symlink():
        if not layout.is_inside(official, root):
            issues.add("path_outside", "response audio is a link that leaves the submission; refused", field=field_name, **where)
            return None
        if not _regular(official, issues, {**where, "field": field_name}, name=official.name):
            return None
        return official
    return None


def _regular(path: Path, issues: IssueLog, where: dict[str, Any], name: str | None = None) -> bool:
    """Only regular files are read: a FIFO would block, a device never end, a directory crash the reader."""
    try:
        check_regular(path)
    except InputFileError as exc:
        issues.add(exc.code, f"{name + ': ' if name else ''}{exc.reason}", **where)
        return False
    except OSError as exc:
        issues.add("unreadable_file", f"{name + ': ' if name else ''}cannot be read ({exc.strerror or exc})", **where)
        return False
    return True


def _safe_relative(
    declared: str, root: Path, language: str, field_name: str, where: dict[str, Any], issues: IssueLog
) -> Path | None:
    """Resolve a path written in a file, refusing any that leaves the collection root."""
    path = Path(declared)
    if path.is_absolute() or declared.startswith(("\\", "/")) or re.match(r"^[A-Za-z]:", declared):
        issues.add("path_outside", f"absolute path {declared!r} refused; paths must be relative", field=field_name, **where)
        return None
    if ".." in (Path(declared.replace("\\", "/")) if "\\" in declared else path).parts:
        issues.add("path_outside", f"path {declared!r} leaves the folder; refused", field=field_name, **where)
        return None
    candidate = root.joinpath(language, path)
    exists = candidate.exists()
    if not exists:
        candidate = root / path
        exists = candidate.exists()
    if (exists or candidate.is_symlink()) and not layout.is_inside(candidate, root):
        issues.add("path_outside", f"path {declared!r} resolves outside the folder; refused", field=field_name, **where)
        return None
    return candidate
