"""IEAT data construction: write each user turn's emotion *and its cause* into the model's thinking.

Injected Emotional-Attribution Thinking turns a dialogue with gold emotion labels into training
targets of the form ``<think>User is sad. Cause: ...</think> reply``: the model learns to reason about
what the user feels and why as part of its thinking before it answers, instead of learning emotion
as a separate classification head.

The cause comes from a :class:`CauseWriter`: the template writer reads it off the dialogue (the
clause the user gave, or for a question about feelings, the earlier turn where that feeling arose);
:class:`LLMCauseWriter` asks any object with a ``complete(prompt) -> str`` method (sync or async),
such as the LLM judges of the ``judges`` package, and falls back to the template when the model
gives nothing usable. Replies are written from templates (:mod:`humdial_eval.reference_model.phrasebook`) that
follow the benchmark's tasks: an empathetic answer, a summary of the emotional trajectory (end of
T1), or an explanation of the feeling (end of T2).
"""

from __future__ import annotations

import asyncio
import inspect
import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from humdial_eval.benchmark.dialogue import Dialogue, TestSet
from humdial_eval.reference_model import attributes as attrs
from humdial_eval.reference_model import phrasebook as pb


@dataclass(frozen=True)
class IEATTurn:
    """One user turn with its constructed thinking and reply targets."""

    dialogue_id: str
    language: str
    task: str
    turn_id: int
    transcript: str
    emotion: str
    cause: str
    thinking: str
    reply: str
    reply_emotion: str
    user_audio: Path | None
    attributes: dict[str, str] = field(default_factory=dict)  # how the user sounds (see attributes.py)
    cue: str = ""  # how the user sounds, in words (emotion; attributes): what the text teacher reads beside the transcript


@dataclass(frozen=True)
class IEATDialogue:
    dialogue_id: str
    language: str
    task: str
    turns: tuple[IEATTurn, ...]


class CauseWriter(Protocol):
    name: str

    def write_causes(self, requests: Sequence[tuple[Dialogue, int]]) -> list[str]:
        """The cause of the user's emotion in turn ``index`` of each dialogue, in request order."""
        ...


def build_ieat(
    testset: TestSet, writer: CauseWriter, *, attributes: bool = True, teacher_cue: bool = True
) -> list[IEATDialogue]:
    """Every dialogue of every file of ``testset``, in file order, with IEAT targets for each turn.

    A turn whose data already carries a written ``cause`` (and ``reply``), e.g. from ``baseline data
    --writer``, keeps them; the writer is asked only for the others. With ``attributes``, the turn's
    recorded voice attributes go into its thinking. With ``teacher_cue``, the text teacher reads how the
    user sounds (the emotion, and the attributes when ``attributes``) beside the transcript."""
    dialogues = testset.in_order()
    requests = [(d, i) for d in dialogues for i in range(len(d.turns)) if not _written(d, i, "cause")]
    written = iter(writer.write_causes(requests))
    out = []
    for d in dialogues:
        causes = [_written(d, i, "cause") or next(written) for i in range(len(d.turns))]
        out.append(_construct(d, causes, attributes, teacher_cue))
    return out


def _written(dialogue: Dialogue, index: int, name: str) -> str:
    value = dialogue.turns[index].extra.get(name)
    return value.strip() if isinstance(value, str) else ""


def _construct(
    dialogue: Dialogue, causes: list[str], with_attributes: bool = True, teacher_cue: bool = True
) -> IEATDialogue:
    language = dialogue.language
    emotions = [turn.emotion or "neutral" for turn in dialogue.turns]
    out: list[IEATTurn] = []
    for index, turn in enumerate(dialogue.turns):
        emotion = emotions[index]
        found = attrs.from_fields(turn.extra) if with_attributes else {}
        described = attrs.describe(found, language)
        thinking = thinking_text(language, emotion, causes[index], emotions[index - 1] if index else None, described)
        cue = sounds_like(language, emotion, described) if teacher_cue else ""
        reply, reply_emotion = _reply(dialogue, index, emotions, causes)
        out.append(
            IEATTurn(
                dialogue_id=dialogue.dialogue_id, language=language, task=dialogue.task, turn_id=turn.turn_id,
                transcript=turn.text, emotion=emotion, cause=causes[index], thinking=thinking, reply=reply,
                reply_emotion=reply_emotion, user_audio=turn.user_audio, attributes=found, cue=cue,
            )
        )
    return IEATDialogue(dialogue.dialogue_id, language, dialogue.task, tuple(out))


def sounds_like(language: str, emotion: str, described: str) -> str:
    """The text teacher's privileged cue: the user's emotion, then the described attributes (if any)."""
    word = pb.emotion_word(emotion, language)
    return word + (pb.CUES[language].format(cues=described) if described else "")


def thinking_text(language: str, emotion: str, cause: str, previous: str | None, cues: str = "") -> str:
    """The emotion comes first, then how the user sounds, then why: a model states what it hears before
    it explains."""
    text = pb.THINKING[language].format(
        emotion=pb.emotion_word(emotion, language), cues=pb.CUES[language].format(cues=cues) if cues else "",
        cause=pb.shift_person(cause, language, to="third"),
    )
    if previous is not None and previous != emotion:
        text += pb.CHANGED_FROM[language].format(emotion=pb.emotion_word(previous, language))
    return text


def _reply(dialogue: Dialogue, index: int, emotions: list[str], causes: list[str]) -> tuple[str, str]:
    language, emotion = dialogue.language, emotions[index]
    last = index == len(dialogue.turns) - 1
    pick = zlib.crc32(f"{dialogue.dialogue_id}:{dialogue.turns[index].turn_id}".encode())
    trajectory = last and dialogue.task == "T1" and index > 0
    tone = "neutral" if trajectory else pb.REPLY_EMOTION[emotion]
    written = _written(dialogue, index, "reply")
    if written:
        return written, tone
    if trajectory:
        return trajectory_reply(language, emotions[:index], pick), tone
    cause = pb.shift_person(causes[index], language, to="second")
    if last and dialogue.task == "T2":
        templates = pb.REASON_REPLY[language]
        return templates[pick % len(templates)].format(emotion=pb.emotion_word(emotion, language), cause=cause), tone
    variants = pb.REPLIES[language][emotion]
    return variants[pick % len(variants)].format(cause=cause), tone


def trajectory_reply(language: str, emotions: Sequence[str], pick: int = 0) -> str:
    """The summary of an emotional trajectory (end of T1): the emotions in order, repeats merged.

    Used for the training targets (gold emotions) and, at inference, with the emotions the model's own
    thinking named in the earlier turns (:func:`humdial_eval.reference_model.inference.answer_dialogue`)."""
    path: list[str] = []
    for emotion in emotions:
        word = pb.emotion_word(emotion, language)
        if not path or path[-1] != word:
            path.append(word)
    templates, joiner, lead = pb.TRAJECTORY_REPLY[language]
    return templates[pick % len(templates)].format(path=lead + joiner.join(path))


def trajectory_path(emotions: Sequence[str | None]) -> list[str]:
    """The emotions in order with consecutive repeats merged (and unknowns left out): what a summary names."""
    path: list[str] = []
    for emotion in emotions:
        if emotion is not None and (not path or path[-1] != emotion):
            path.append(emotion)
    return path


class TemplateCauseWriter:
    """The cause as the user stated it; for a question about feelings, the turn where the feeling arose."""

    name = "template"

    def __init__(self, max_chars: int = 80) -> None:
        self.max_chars = max_chars

    def write_causes(self, requests: Sequence[tuple[Dialogue, int]]) -> list[str]:
        return [self.cause(dialogue, index) for dialogue, index in requests]

    def cause(self, dialogue: Dialogue, index: int) -> str:
        turns = dialogue.turns
        emotion = turns[index].emotion or "neutral"
        if dialogue.task == "T1" and index == len(turns) - 1 and index > 0 and _is_question(turns[index].text):
            return pb.TRAJECTORY_CAUSE.get(dialogue.language, pb.TRAJECTORY_CAUSE["en"])
        if emotion != "neutral" and _is_question(turns[index].text):
            for earlier in reversed(turns[:index]):
                if (earlier.emotion or "neutral") == emotion and not _is_question(earlier.text):
                    return main_clause(earlier.text, self.max_chars)
            for earlier in reversed(turns[:index]):
                if (earlier.emotion or "neutral") != "neutral" and not _is_question(earlier.text):
                    return main_clause(earlier.text, self.max_chars)
        return main_clause(turns[index].text, self.max_chars)


_CLAUSE_SPLIT = re.compile(r"[,.!?;:，。！？；：]+")


def main_clause(text: str, max_chars: int = 80) -> str:
    """What follows 'because' if the user says it, else the longest clause; cut at a word boundary."""
    lowered = text.lower()
    for marker in ("because ", "since ", "因为"):
        at = lowered.find(marker)
        if at >= 0:
            text = text[at + len(marker) :]
            break
    clauses = [c.strip() for c in _CLAUSE_SPLIT.split(text) if c.strip()]
    clause = max(clauses, key=len) if clauses else text.strip()
    if len(clause) > max_chars:
        cut = clause[:max_chars]
        clause = cut.rsplit(" ", 1)[0] if " " in cut else cut
    return clause


def _is_question(text: str) -> bool:
    return text.rstrip().endswith(("?", "？"))


class LLMCauseWriter:
    """Asks a language model for each cause; any object with ``complete(prompt) -> str`` will do.

    Calls run concurrently (at most ``concurrency`` at once). An answer that fails, is empty or is
    too long falls back to the template writer; ``fallbacks`` counts how often that happened.
    """

    name = "llm"

    def __init__(self, backend: Any, *, concurrency: int = 4, max_chars: int = 80) -> None:
        if not callable(getattr(backend, "complete", None)):
            raise TypeError(f"{type(backend).__name__} has no complete(prompt) method")
        self.backend = backend
        self.concurrency = max(1, concurrency)
        self.max_chars = max_chars
        self.template = TemplateCauseWriter(max_chars)
        self.fallbacks = 0

    def write_causes(self, requests: Sequence[tuple[Dialogue, int]]) -> list[str]:
        return asyncio.run(self._all(requests))

    async def _all(self, requests: Sequence[tuple[Dialogue, int]]) -> list[str]:
        gate = asyncio.Semaphore(self.concurrency)

        async def one(dialogue: Dialogue, index: int) -> str:
            async with gate:
                try:
                    answer = await self._complete(cause_prompt(dialogue, index))
                except Exception:  # a failed call must not end data construction; the template stands in
                    answer = ""
            cleaned = _clean_answer(answer)
            if not cleaned or len(cleaned) > 2 * self.max_chars:
                self.fallbacks += 1
                return self.template.cause(dialogue, index)
            return cleaned[: self.max_chars]

        return list(await asyncio.gather(*(one(d, i) for d, i in requests)))

    async def _complete(self, prompt: str) -> str:
        result = self.backend.complete(prompt)
        if inspect.isawaitable(result):
            result = await result
        return str(result)


def cause_prompt(dialogue: Dialogue, index: int) -> str:
    """The request for one cause; the dialogue up to the turn, with gold emotions."""
    lines = [f"Turn {t.turn_id} [{t.emotion or 'neutral'}]: {t.text}" for t in dialogue.turns[: index + 1]]
    target = dialogue.turns[index]
    language = "Chinese" if dialogue.language == "zh" else "English"
    return (
        "Here is what a user said so far in a conversation, each turn with the user's emotion:\n"
        + "\n".join(lines)
        + f"\n\nIn turn {target.turn_id} the user feels {target.emotion or 'neutral'}. In one short phrase in "
        f"{language}, state the cause of this feeling, in the user's own first-person words where possible. "
        "Answer with the phrase only."
    )


def _clean_answer(answer: str) -> str:
    first = next((line.strip() for line in answer.strip().splitlines() if line.strip()), "")
    return first.strip(" \"'“”‘’`").rstrip("。.")
