"""Validation of a submission against its test set: every problem, with file, line, dialogue, turn, field."""

from __future__ import annotations

import re
import sys
import types
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

from humdial_eval.inputs import layout
from humdial_eval.inputs.archive import UnsafeArchiveError, extracted
from humdial_eval.inputs.audio_check import check_content, check_wav
from humdial_eval.benchmark.protocol import reply_cap
from humdial_eval.benchmark.dialogue import Dialogue, DialogueFile, Submission, TestSet
from humdial_eval.inputs.issues import IssueLog, Severity
from humdial_eval.inputs.loading import MAX_JUDGED_CHARS, load_submission, load_testset
from humdial_eval.benchmark.task import Task

_RESPONSE_WAV = re.compile(r"(?P<dialogue>.+)_(?P<turn>[0-9]+)_response\.wav")


class InputError(ValueError):
    """The inputs cannot be read at all (missing folder, refused archive); the message says which."""


@dataclass
class Inputs:
    testset: TestSet
    submission: Submission
    issues: IssueLog
    # Response audio that validation refused (unreadable, not WAV, absurd size): scorers never see it,
    # and the item is scored as one without audio.
    unusable_audio: set[Path] = field(default_factory=set)
    # Response audio that is readable but cannot be speech (integrity codes: NaN/Inf samples, digital
    # silence, a duration absurd for its text), with its code. A protocol with integrity rules scores it
    # as no audio; the official protocol sends it to the judge, as the published scripts would.
    faulty_audio: dict[Path, str] = field(default_factory=dict)
    # Problems of the test set itself: reported apart, never counted against the submission.
    testset_issues: IssueLog = field(default_factory=IssueLog)


@contextmanager
def open_inputs(
    submission_path: Path, testset_path: Path, tasks: Sequence[Task], languages: Sequence[str]
) -> Iterator[Inputs]:
    """Load test set and submission (a folder or a ``.zip``) and check one against the other."""
    if not testset_path.is_dir():
        raise InputError(f"test set folder not found: {testset_path}")
    task_ids = [task.id for task in tasks]
    if submission_path.is_file() and submission_path.suffix.lower() == ".zip":
        try:
            with extracted(submission_path) as folder:
                yield _load_and_check(folder, testset_path, tasks, task_ids, languages)
        except UnsafeArchiveError as exc:
            raise InputError(str(exc)) from exc
        return
    if not submission_path.is_dir():
        raise InputError(f"submission not found (expected a folder or a .zip): {submission_path}")
    yield _load_and_check(submission_path, testset_path, tasks, task_ids, languages)


def _load_and_check(
    submission_path: Path, testset_path: Path, tasks: Sequence[Task], task_ids: list[str], languages: Sequence[str]
) -> Inputs:
    testset_issues = IssueLog(root=testset_path)
    testset = load_testset(testset_path, testset_issues, tasks=task_ids, languages=list(languages))
    if not testset.files:
        raise InputError(
            f"no test files found under {testset_path} (expected {{zh,en}}/HD-Track1-T{{n}}.jsonl, "
            f"optionally inside {layout.TESTSET_FOLDER}/)"
        )
    if not any(gold.dialogues for gold in testset.files.values()):
        raise InputError(
            f"the test set under {testset_path} has no usable dialogue ({len(testset.files)} file(s) read: "
            f"{len(testset_issues.errors)} problem(s) in them); nothing can be scored"
        )
    root = layout.collection_root(submission_path, layout.SUBMISSION_FOLDER)
    issues = IssueLog(root=root)
    submission = load_submission(submission_path, issues, tasks=task_ids, languages=list(languages))
    testset_issues.issues = [replace(i, file=f"[test set] {i.file}", scope="testset") for i in testset_issues.issues]
    faulty: dict[Path, str] = {}
    unusable = check_submission(testset, submission, tasks, issues, faulty)
    return Inputs(testset=testset, submission=submission, issues=issues, unusable_audio=unusable,
                  faulty_audio=faulty, testset_issues=testset_issues)


def check_submission(
    testset: TestSet, submission: Submission, tasks: Sequence[Task], issues: IssueLog,
    faulty: dict[Path, str] | None = None,
) -> set[Path]:
    """Report every problem into ``issues``; return the response audio files that must not be scored.
    ``faulty`` receives the readable files that fail an integrity check, with the code."""
    unusable: set[Path] = set()
    faulty = faulty if faulty is not None else {}
    by_id = {task.id: task for task in tasks}
    for (language, task_id), gold_file in sorted(testset.files.items()):
        task = by_id[task_id]
        expected = layout.task_file(submission.root, language, task_id)
        submitted_file = submission.get(language, task_id)
        if submitted_file is None:
            issues.add("missing_file", f"the submission has no {expected.name} for {language}", file=expected)
            continue
        _check_file(gold_file, submitted_file, task, issues, unusable, faulty)
        if task.needs_response_audio:
            _check_unexpected_audio(submission, language, task_id, submitted_file, issues)
    return unusable


def _check_file(
    gold_file: DialogueFile, submitted_file: DialogueFile, task: Task, issues: IssueLog, unusable: set[Path],
    faulty: dict[Path, str],
) -> None:
    path = submitted_file.path
    for dialogue_id, gold in gold_file.dialogues.items():
        submitted = submitted_file.dialogues.get(dialogue_id)
        if submitted is None:
            issues.add("missing_dialogue", "dialogue of the test set is missing", file=path, dialogue_id=dialogue_id)
            continue
        _check_dialogue(gold, submitted, task, issues, unusable, faulty)
    for dialogue_id, extra in submitted_file.dialogues.items():
        if dialogue_id not in gold_file.dialogues:
            issues.warn("extra_dialogue", "dialogue is not in the test set; ignored", file=path, line=extra.line, dialogue_id=dialogue_id)


def _check_dialogue(
    gold: Dialogue, submitted: Dialogue, task: Task, issues: IssueLog, unusable: set[Path], faulty: dict[Path, str]
) -> None:
    where = {"file": submitted.source, "line": submitted.line, "dialogue_id": gold.dialogue_id}
    evaluated = task.evaluated_turn(gold)
    needs_audio = task.needs_response_audio
    for gold_turn in gold.turns:
        turn = submitted.turn(gold_turn.turn_id)
        is_evaluated = evaluated is not None and gold_turn.turn_id == evaluated.turn_id
        if turn is None:
            issues.add("missing_turn", "turn of the test set is missing", turn_id=gold_turn.turn_id, field="turns", **where)
            continue
        if not (turn.response_text or "").strip():
            severity = Severity.ERROR if is_evaluated else Severity.WARNING
            note = "the evaluated turn has no response" if is_evaluated else "no response (this turn is not scored)"
            issues.add("empty_response", note, turn_id=turn.turn_id, field="response_text", severity=severity, **where)
        cap = reply_cap(gold.language)
        length = len((turn.response_text or "").strip())
        if length > cap and (evaluated is None or gold_turn.turn_id <= evaluated.turn_id):
            shown = f"over {MAX_JUDGED_CHARS}" if len(turn.response_text or "") >= MAX_JUDGED_CHARS else str(length)
            issues.add("response_too_long", f"response_text has {shown} characters, over the {gold.language} cap of "
                       f"{cap}; the item scores the minimum without being sent to a judge",
                       turn_id=turn.turn_id, field="response_text", **where)
        if needs_audio and is_evaluated:
            if not _check_response_audio(turn.response_audio, submitted, turn.turn_id, task, issues, where):
                if turn.response_audio is not None:
                    unusable.add(turn.response_audio)
            elif turn.response_audio is not None:
                for problem in check_content(turn.response_audio, turn.response_text, gold.language):
                    issues.add(problem.code, f"{turn.response_audio.name}: {problem.message}", turn_id=turn.turn_id,
                               field="response_audio", **where)  # type: ignore[arg-type]
                    if problem.code == "audio_unreadable":
                        unusable.add(turn.response_audio)
                    else:
                        faulty[turn.response_audio] = problem.code
    gold_ids = {t.turn_id for t in gold.turns}
    for turn in submitted.turns:
        if turn.turn_id not in gold_ids:
            issues.warn("extra_turn", "turn is not in the test set; ignored", turn_id=turn.turn_id, **where)
    task.check_dialogue(gold, submitted, issues)


def _check_response_audio(
    audio: Path | None, submitted: Dialogue, turn_id: int, task: Task, issues: IssueLog, where: dict[str, object]
) -> bool:
    """Report the audio's problems; True when it is fit to score."""
    field_name = "response_audio"
    if audio is None:
        expected = layout.response_audio_name(submitted.dialogue_id, turn_id)
        issues.add(
            "missing_audio",
            f"the evaluated turn has no response audio (expected HD-Track1-{task.id}/{expected})",
            turn_id=turn_id,
            field=field_name,
            **where,  # type: ignore[arg-type]
        )
        return False
    fit = True
    for problem in check_wav(audio):
        fit = fit and not problem.fatal
        issues.add(
            problem.code,
            f"{audio.name}: {problem.message}",
            turn_id=turn_id,
            field=field_name,
            severity=Severity.ERROR if problem.fatal else Severity.WARNING,
            **where,  # type: ignore[arg-type]
        )
    return fit


def _check_unexpected_audio(
    submission: Submission, language: str, task_id: str, submitted_file: DialogueFile, issues: IssueLog
) -> None:
    folder = layout.audio_dir(submission.root, language, task_id)
    if not folder.is_dir():
        return
    for path in sorted(folder.iterdir()):
        match = _RESPONSE_WAV.fullmatch(path.name)
        known = match and match["dialogue"] in submitted_file.dialogues
        if not known:
            issues.warn(
                "unexpected_audio_file",
                "not named {dialogue_id}_{turn_id}_response.wav after a dialogue of this file; ignored",
                file=path,
            )


class _CallableModule(types.ModuleType):
    """``humdial_eval.inputs.validation(submission, testset)`` is the public API function, yet this name is also
    this module's; calling the module forwards to :func:`humdial_eval.api.validate`."""

    def __call__(self, *args: object, **kwargs: object) -> object:
        from humdial_eval.api import validate as api_validate

        return api_validate(*args, **kwargs)  # type: ignore[arg-type]


sys.modules[__name__].__class__ = _CallableModule
