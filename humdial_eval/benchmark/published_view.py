"""The dialogue the published scripts show their judge, built from the submitted line (protocol ``official``).

The published scoring scripts (ASLP-lab/Hum-Dial ``Emotional_Intelligence/eval_task{1,2,3}.py``, commit
211cd64) read nothing but the submitted JSONL line. What they do with it, read in their code and written
anew here (line numbers of eval_task1.py, whose T2 twin is the same code, and of eval_task3.py):

- turns are taken in file order; the evaluated T1/T2 turn is the last one (``turns[-1]``, line 118) and the
  T3 turn is the second whose raw label ``input_emotion or emotion or ""``, lowercased, is not the string
  ``neutral`` (eval_task3.py 85-97); turn_id is never read;
- a user text is ``input_text or text`` (lines 108, 120; eval_task3.py 104), a label ``input_emotion or
  emotion`` (line 107; eval_task3.py 103), both as Python's f-string prints them;
- every reply, in the history and the evaluated turn, is cut after its *last* ``assistant\\n`` wherever it
  stands (lines 100-104, 123-126; eval_task3.py 106-107); T1/T2 then strip it, T3 does not; special tokens
  stay, and nothing is truncated;
- T1/T2 show the judge only the turns whose text and label are both truthy (lines 110-113), the evaluated
  turn included; T3 shows every turn up to the evaluated one, a missing ``response_text`` as an empty reply
  (eval_task3.py 105);
- a turn the code cannot read stops the whole script (a T1/T2 turn without ``response_text`` or with a
  non-string one, a turn that is not an object, a T3 label that is not a string): no dialogue of that file
  is scored. The harness scores such a dialogue the minimum instead (``missing_response``, the reason names
  the script line), and the others as the scripts would have.

The harness still refuses what it must before this view is built (a line over the reader's size cap, a file
that is not a regular file, an unsafe dialogue_id, a line that is not one JSON object); docs/protocols.md
lists each such difference.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from humdial_eval.benchmark.dialogue import Dialogue
from humdial_eval.benchmark.emotions import UnknownEmotionError, normalise_emotion
from humdial_eval.benchmark.items import ContextTurn, EvalItem

if TYPE_CHECKING:
    from humdial_eval.benchmark.task import MissingResponse, Skipped, Task

CUT = "assistant\n"
FINAL_TURN = "final_turn"
SECOND_RAW_EMOTIONAL = "second_raw_emotional"


class ScriptStop(Exception):
    """The published script would stop (an uncaught exception) on this line."""


def build_published_item(task: Task, gold: Dialogue, submitted: Dialogue | None) -> EvalItem | MissingResponse | Skipped:
    """The item the task's published script would judge for this dialogue, from its submitted line."""
    from humdial_eval.benchmark.task import MissingResponse, Skipped

    meta = {**task.item_meta(), "view": "published"}
    if submitted is None:
        return MissingResponse(-1, "the submission has no usable line for this dialogue", meta)
    turns = raw_turns_of(submitted)
    try:
        if task.published_script == FINAL_TURN:
            return _final_turn_item(task, gold, submitted, turns, meta)
        if task.published_script == SECOND_RAW_EMOTIONAL:
            if not turns:
                return Skipped("the line has no turns (eval_task3.py 120-122)", meta)
            index = _second_raw_emotional(turns)
            if index is None:
                return Skipped("fewer than two turns whose raw label is not 'neutral' (eval_task3.py 85-97, 126-127)",
                               meta)
            return _t3_item(task, gold, submitted, turns, index, meta)
    except ScriptStop as stop:
        return MissingResponse(-1, f"the published script stops on this line: {stop}", meta)
    raise ValueError(f"task {task.id}: unknown published script shape {task.published_script!r}")


def judged_turn_id(task: Task, submitted: Dialogue | None) -> int | None:
    """The turn_id of the reply the published script judges (None: none, skipped, or the script stops)."""
    if submitted is None:
        return None
    turns = raw_turns_of(submitted)
    try:
        if task.published_script == FINAL_TURN:
            return turn_id_of(turns[-1], len(turns) - 1) if turns else None
        index = _second_raw_emotional(turns)
    except ScriptStop:
        return None
    return turn_id_of(turns[index], index) if index is not None else None


def raw_turns_of(submitted: Dialogue) -> tuple[Any, ...]:
    """The submitted line's turns as json.loads read them; for a dialogue built in code (no line), its
    loaded turns written back in the file's field names."""
    if submitted.raw_turns:
        return submitted.raw_turns
    return tuple(
        {"turn_id": t.turn_id, "text": t.text, "emotion": t.raw_emotion if t.raw_emotion is not None else t.emotion,
         **({"response_text": t.response_text} if t.response_text is not None else {})}
        for t in submitted.turns
    )


def turn_id_of(raw: Any, index: int) -> int:
    """The turn_id results and audio names use (the scripts never read it): the line's own when it is an
    integer from 0 to 999 (or ASCII digits), else the turn's position counted from 1."""
    value = raw.get("turn_id") if isinstance(raw, dict) else None
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit() and len(value.strip()) <= 3:
        value = int(value.strip())
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 1000:
        return value
    return index + 1


def printed(value: Any) -> str:
    """A value as the scripts' f-strings print it."""
    return format(value)


# -- T1/T2: eval_task1.py build_eval_prompt, lines 94-135 --------------------------------------------


def _final_turn_item(task: Task, gold: Dialogue, submitted: Dialogue, turns: tuple[Any, ...],
                     meta: dict[str, Any]) -> EvalItem:
    if not turns:
        raise ScriptStop("no turns: turns[-1] raises IndexError (eval_task1.py line 118)")
    replies = [_t12_reply(raw, index) for index, raw in enumerate(turns)]
    shown: list[ContextTurn] = []
    for index, raw in enumerate(turns[:-1]):
        label, text = _label_or(raw), _text_or(raw)
        if text and label:
            shown.append(ContextTurn(turn_id_of(raw, index), printed(text), _normalised(label), replies[index],
                                     printed(label)))
    last = turns[-1]
    label, text = _label_or(last), _text_or(last)
    question = last.get("input_text") or last.get("text", "N/A")
    turn_id = turn_id_of(last, len(turns) - 1)
    return EvalItem(
        task=task.id, language=gold.language, dialogue_id=gold.dialogue_id, turn_id=turn_id, context=tuple(shown),
        question=printed(question), question_emotion=_normalised(label), response_text=replies[-1],
        response_audio=_audio(submitted, turn_id), user_audio=None,
        # the evaluated turn is in the scripts' history only when its text and label are both truthy
        meta={**meta, "question_in_history": bool(text and label)},
        question_raw_emotion=printed(label) if label else None,
    )


def _t12_reply(raw: Any, index: int) -> str:
    """``turn["response_text"]``, cut after its last ``assistant\\n``, stripped (lines 100-104, 123-126)."""
    if not isinstance(raw, dict):
        raise ScriptStop(f"turns[{index}] is not an object: turn[\"response_text\"] fails (eval_task1.py line 100)")
    if "response_text" not in raw:
        raise ScriptStop(f"turns[{index}] has no response_text: KeyError (eval_task1.py line 100)")
    reply = raw["response_text"]
    if not isinstance(reply, str):
        raise ScriptStop(f"turns[{index}].response_text is {type(reply).__name__}, not a string: "
                         "'in' or .strip() fails (eval_task1.py lines 100-104)")
    return reply.split(CUT)[-1].strip()


# -- T3: eval_task3.py find_target_turn (85-97), build_context (99-110), build_eval_input (112-150) ----


def _second_raw_emotional(turns: tuple[Any, ...]) -> int | None:
    count = 0
    for index, raw in enumerate(turns):
        if not isinstance(raw, dict):
            raise ScriptStop(f"turns[{index}] is not an object: turn.get fails (eval_task3.py line 92)")
        label = raw.get("input_emotion") or raw.get("emotion") or ""
        if not isinstance(label, str):
            raise ScriptStop(f"turns[{index}]: the label is {type(label).__name__}, not a string: .lower() fails "
                             "(eval_task3.py line 93)")
        if label.lower() != "neutral":
            count += 1
            if count == 2:
                return index
    return None


def _t3_item(task: Task, gold: Dialogue, submitted: Dialogue, turns: tuple[Any, ...], index: int,
             meta: dict[str, Any]) -> EvalItem:
    history = turns[: index + 1]
    lines = []
    for position, raw in enumerate(history):
        label = raw.get("input_emotion") or raw.get("emotion", "")
        text = raw.get("input_text") or raw.get("text", "")
        lines.append((position, label, text, _t3_reply(raw, position)))
    shown = tuple(ContextTurn(turn_id_of(history[p], p), printed(text), _normalised(label), reply, printed(label))
                  for p, label, text, reply in lines[:-1])
    _, label, text, reply = lines[-1]
    turn_id = turn_id_of(history[-1], index)
    return EvalItem(
        task=task.id, language=gold.language, dialogue_id=gold.dialogue_id, turn_id=turn_id, context=shown,
        question=printed(text), question_emotion=_normalised(label), response_text=reply,
        response_audio=_audio(submitted, turn_id), user_audio=None, meta=meta, question_raw_emotion=printed(label),
    )


def _t3_reply(raw: dict[str, Any], index: int) -> str:
    """``t.get("response_text", "")`` cut after its last ``assistant\\n``, not stripped (lines 105-107)."""
    reply = raw.get("response_text", "")
    if isinstance(reply, str):
        return reply.split(CUT)[-1]
    if isinstance(reply, (list, dict)):
        if CUT in reply:
            raise ScriptStop(f"turns[{index}].response_text is a {type(reply).__name__} holding 'assistant\\n': "
                             ".split fails (eval_task3.py line 107)")
        return printed(reply)
    raise ScriptStop(f"turns[{index}].response_text is {type(reply).__name__}: 'in' fails (eval_task3.py line 106)")


# -- shared -------------------------------------------------------------------------------------------


def _label_or(raw: dict[str, Any]) -> Any:
    return raw.get("input_emotion") or raw.get("emotion")


def _text_or(raw: dict[str, Any]) -> Any:
    return raw.get("input_text") or raw.get("text")


def _normalised(label: Any) -> str | None:
    """The harness's normalised label, for templates that show one (the scripts show only the raw label)."""
    if not isinstance(label, str) or not label:
        return None
    try:
        return normalise_emotion(label)
    except UnknownEmotionError:
        return None


def _audio(submitted: Dialogue, turn_id: int) -> Any:
    """The reply WAV the loader resolved for that turn at its official place inside the submission (the
    scripts open whatever path ``response_audio`` names; the harness never reads outside the submission)."""
    turn = submitted.turn(turn_id)
    return turn.response_audio if turn is not None else None
