"""Turns loaded inputs into item results: build EvalItems, apply the benchmark's rules, ask the judges.

Rules that fix a score without a judge (wrong language, missing response, missing audio) live here,
once, so no judge can forget them, and so does the prompt-injection check of every response. Every
judgment is looked up in the store before a judge is asked and written to it as soon as it arrives
(one row per judgment, committed at once), so a run killed at any point resumes with nothing lost or
asked twice. ``repeats`` asks each judge K times (``meta.repeat`` = 0..K-1, each a complete run).

A judgment is asked for once even when the same request comes up twice at the same time: for two
items of this run with identical content, or in another scoring process using the same store (see
the store's claims). The second waits, outside the concurrency limit, and then reads the first's.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, replace

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from humdial_eval.benchmark.injection import FLAG_INJECTION, InjectionHit, describe, scan_item
from humdial_eval.benchmark.items import EvalItem
from humdial_eval.benchmark.judgment import Judge, Judgment
from humdial_eval.benchmark.language import language_mismatch
from humdial_eval.benchmark.protocol import HUMDIAL, Protocol, reply_cap
from humdial_eval.benchmark.results import (
    FLAG_CACHED,
    FLAG_EXCLUDED_BY_PROTOCOL,
    FLAG_FAILED_MIN,
    FLAG_LANGUAGE_RULE,
    FLAG_MISSING_AUDIO,
    FLAG_MISSING_RESPONSE,
    FLAG_REPLY_TOO_LONG,
    FLAG_SKIPPED,
    FLAG_SUBMISSION_FAULT,
    NO_JUDGE,
    ItemResult,
)
from humdial_eval.engine.store import BUSY, DONE, JudgmentStore
from humdial_eval.benchmark.task import MissingResponse, Skipped, Task
from humdial_eval.inputs.validation import Inputs


ON_FAILURE = ("exclude", "min")
# Waiting for a judgment that another unit or process is making: first look again soon, then less often.
WAIT_FIRST_S, WAIT_MAX_S = 0.02, 0.5


@dataclass(frozen=True)
class _Work:
    task: Task
    item: EvalItem
    judge: Judge
    index: int
    hits: tuple[InjectionHit, ...] = ()
    on_failure: str = "exclude"
    repeats: int = 1
    base: Judge | None = None  # the judge whose concurrency limit applies (repeats share it)
    protocol: Protocol = HUMDIAL


def run_judging(
    inputs: Inputs,
    tasks: Sequence[Task],
    judges: Sequence[Judge],
    store: JudgmentStore | None,
    *,
    show_progress: bool = False,
    repeats: int = 1,
    on_failure: str = "exclude",
    protocol: Protocol = HUMDIAL,
) -> list[ItemResult]:
    """``on_failure``: ``exclude`` (default) leaves a judge-side failure out of the means, counted;
    ``min`` scores it the minimum on each dimension the judge was to score. ``protocol`` supplies the
    rules that score without a judge (language rule, integrity rules, skipped dialogues); the tasks
    must have been made with its task options and the judges told with ``Judge.use_protocol``."""
    if repeats < 1:
        raise ValueError("repeats must be at least 1")
    if on_failure not in ON_FAILURE:
        raise ValueError(f"on_failure must be one of {', '.join(ON_FAILURE)}")
    results = asyncio.run(_run(inputs, tasks, judges, store, show_progress, repeats, on_failure, protocol))
    _judge_side_when_nothing_answered(results)
    for result in results:
        result.meta["protocol"] = protocol.name
    return results


async def _run(
    inputs: Inputs,
    tasks: Sequence[Task],
    judges: Sequence[Judge],
    store: JudgmentStore | None,
    show_progress: bool,
    repeats: int = 1,
    on_failure: str = "exclude",
    protocol: Protocol = HUMDIAL,
) -> list[ItemResult]:
    results: list[ItemResult | None] = []
    faulty_audio = getattr(inputs, "faulty_audio", {}) if protocol.integrity else {}
    work: list[_Work] = []
    for task in tasks:
        for language in inputs.testset.languages():
            gold_file = inputs.testset.get(language, task.id)
            if gold_file is None:
                continue
            submitted_file = inputs.submission.get(language, task.id)
            for gold in gold_file.dialogues.values():
                submitted = submitted_file.dialogues.get(gold.dialogue_id) if submitted_file else None
                built = task.build_item(gold, submitted)
                if isinstance(built, Skipped):
                    results.append(_skipped_result(task, language, gold.dialogue_id, built))
                    continue
                if isinstance(built, EvalItem) and built.response_audio in inputs.unusable_audio:
                    built = replace(built, response_audio=None)  # refused by validation: scored as absent
                if isinstance(built, EvalItem) and built.response_audio in faulty_audio:
                    code = faulty_audio[built.response_audio]  # integrity rule: scored as absent, said why
                    built = replace(built, response_audio=None, meta={**built.meta, "audio_refused": code})
                hits = tuple(scan_item(built)) if isinstance(built, EvalItem) else ()
                asked = [judge for judge in judges if judge.applies_to(task)]
                if not asked:
                    unjudged = _unjudged_result(task, language, gold.dialogue_id, built, protocol.language_rule)
                    results.append(_flag_injection(unjudged, hits))
                    continue
                mismatch = None
                if isinstance(built, EvalItem) and built.response_text and protocol.language_rule:
                    mismatch = language_mismatch(built.response_text, language)
                too_long = _over_cap(built, language) if protocol.integrity and isinstance(built, EvalItem) else None
                for judge, repeat in ((j, r) for j in asked for r in range(repeats)):
                    if isinstance(built, MissingResponse):
                        results.append(_rule_result(task, judge, language, gold.dialogue_id, built.turn_id,
                                                    FLAG_MISSING_RESPONSE, built.reason, built.meta, repeat, repeats))
                        continue
                    if mismatch:
                        rule = _rule_result(task, judge, language, gold.dialogue_id, built.turn_id, FLAG_LANGUAGE_RULE,
                                            f"response is in {mismatch}, test set is {language}", built.meta,
                                            repeat, repeats)
                        results.append(_flag_injection(rule, hits))
                        continue
                    if too_long:
                        results.append(_rule_result(task, judge, language, gold.dialogue_id, built.turn_id,
                                                    FLAG_REPLY_TOO_LONG, too_long, built.meta, repeat, repeats))
                        continue
                    work.append(_Work(task, built, judge.for_repeat(repeat), len(results), hits, on_failure, repeats,
                                      judge, protocol))
                    results.append(None)
    if store is not None:
        for judge in judges:
            judge.keep_beside(store.path)
    # With a store, every unit's key is worked out first and the stored judgments read in a few queries.
    keys = {unit.index: _key_of(unit) for unit in work} if store is not None else {}
    stored = store.get_many(key for key, _ in keys.values() if key is not None) if store is not None else {}
    semaphores = {id(judge): asyncio.Semaphore(max(1, judge.concurrency)) for judge in judges}
    in_flight: set[str] = set()  # keys this run is asking a judge for right now
    with _progress(show_progress, len(work)) as (progress, bar):

        async def one(unit: _Work) -> None:
            wait = WAIT_FIRST_S
            while True:
                async with semaphores[id(unit.base or unit.judge)]:
                    result = await _judge_one(unit, store, in_flight, keys.get(unit.index), stored)
                if result is not None:
                    break
                await asyncio.sleep(wait)  # being judged elsewhere: wait without holding a slot
                wait = min(WAIT_MAX_S, wait * 2)
            results[unit.index] = result
            if progress is not None:
                progress.advance(bar)

        await asyncio.gather(*(one(unit) for unit in work))
    for judge in judges:
        await judge.aclose()
    return [r for r in results if r is not None]


def _key_of(unit: _Work) -> tuple[str | None, Exception | None]:
    """The unit's cache key, or the error that computing it raised."""
    try:
        return unit.judge.cache_key(unit.item, unit.task), None
    except Exception as exc:  # e.g. an unreadable file: this item fails, the run goes on
        return None, exc


async def _judge_one(
    unit: _Work, store: JudgmentStore | None, in_flight: set[str],
    prepared: tuple[str | None, Exception | None] | None = None, stored: dict[str, Judgment] | None = None,
) -> ItemResult | None:
    """The item's result, or None when its judgment is being made by another unit or process. ``prepared``:
    the unit's key (or its error) worked out beforehand; ``stored``: judgments read for such keys at once."""
    task, item, judge = unit.task, unit.item, unit.judge
    flags: list[str] = []
    key, error = prepared if prepared is not None else _key_of(unit)
    if error is not None:
        judgment: Judgment | None = Judgment(judge=judge.name, status="failed", error=f"{type(error).__name__}: {error}")
    else:
        assert key is not None
        # each stored judgment read at once serves one unit; another with the same key reads the store again
        judgment = stored.pop(key, None) if stored else None
        if judgment is None and store is not None:
            judgment = store.get(key)
        if judgment is None and store is not None:
            if key in in_flight:
                return None
            state = store.claim(key)
            if state == BUSY:
                return None
            if state == DONE:  # stored by another process since the lookup above
                judgment = store.get(key)
                if judgment is None:
                    return None
            else:
                in_flight.add(key)
        if judgment is not None:
            flags.append(FLAG_CACHED)
    if judgment is None:
        try:
            judgment = await judge.judge(item, task)
            judgment.scores = _on_scale(task, judgment.scores)
        except Exception as exc:  # a judge bug must cost one item, not the run
            judgment = Judgment(judge=judge.name, status="failed", error=f"{type(exc).__name__}: {exc}")
        if store is not None and key is not None:
            store.put(key, (item.task, item.language, item.dialogue_id, item.turn_id), judgment)
            in_flight.discard(key)
    scores = dict(judgment.scores) if judgment.status == "ok" else {}
    if item.response_audio is None and judgment.status == "ok":
        audio_dims = [d for d in task.rubric.dimensions if d.needs_audio and d.key in judge.dimensions(task)]
        if audio_dims:
            flags.append(FLAG_MISSING_AUDIO)
            scores.update(task.rubric.minimum_scores([d.key for d in audio_dims]))
    meta = {**item.meta, **judgment.meta}
    if unit.repeats > 1:
        meta["repeat"] = judge.repeat
    if judgment.status != "ok":
        if judgment.raw:
            meta["raw_answer"] = judgment.raw
        fault = judgment.meta.get("fault")
        if fault == "submission" and unit.protocol.integrity:
            flags.append(FLAG_SUBMISSION_FAULT)
            scores = task.rubric.minimum_scores(judge.dimensions(task))
        elif fault == "unparsable_official" and unit.protocol.unparsable_answer == "exclude":
            flags.append(FLAG_EXCLUDED_BY_PROTOCOL)
        elif unit.on_failure == "min":
            flags.append(FLAG_FAILED_MIN)
            scores = task.rubric.minimum_scores(judge.dimensions(task))
    result = ItemResult(
        task=item.task,
        language=item.language,
        dialogue_id=item.dialogue_id,
        turn_id=item.turn_id,
        judge=judge.name,
        status=judgment.status,
        scores=scores,
        rationale=judgment.rationale,
        error=judgment.error,
        flags=flags,
        measures=judgment.measures,
        meta=meta,
    )
    return _flag_injection(result, unit.hits)


def _over_cap(item: EvalItem, language: str) -> str | None:
    """Why the item breaks the reply length cap (its reply, or an earlier one the judge would read), if it does."""
    cap = reply_cap(language)
    if len(item.response_text) > cap:
        return f"the reply has {len(item.response_text)} characters, over the {language} cap of {cap}; not sent"
    for turn in item.context:
        if turn.response_text and len(turn.response_text.strip()) > cap:
            return (f"the reply of turn {turn.turn_id} (shown to the judge as history) has "
                    f"{len(turn.response_text.strip())} characters, over the {language} cap of {cap}; not sent")
    return None


def _judge_side_when_nothing_answered(results: list[ItemResult]) -> None:
    """A judge that refused every request it got is misconfigured (a parameter it rejects, say), not
    refusing submissions: its "submission faults" become unscored judge-side failures."""
    answered = {r.judge for r in results if r.judged}
    for result in results:
        if FLAG_SUBMISSION_FAULT in result.flags and result.judge not in answered:
            result.flags.remove(FLAG_SUBMISSION_FAULT)
            result.scores = {}
            result.meta["fault"] = "judge (it refused every request, so the refusals are not the submission's)"


def _skipped_result(task: Task, language: str, dialogue_id: str, skipped: Skipped) -> ItemResult:
    return ItemResult(task=task.id, language=language, dialogue_id=dialogue_id, turn_id=-1, judge=NO_JUDGE,
                      status="skipped", rationale=f"{FLAG_SKIPPED}: {skipped.reason}", flags=[FLAG_SKIPPED],
                      meta={**task.item_meta(), **skipped.meta})


def _flag_injection(result: ItemResult, hits: Sequence[InjectionHit]) -> ItemResult:
    """Mark a result whose response (or an earlier one of the system) seems to address the judge."""
    if hits:
        result.flags.append(FLAG_INJECTION)
        result.meta["injection"] = describe(hits)
    return result


def _on_scale(task: Task, scores: dict[str, int]) -> dict[str, int]:
    """Drop dimensions the task does not have and clamp the rest onto their scales."""
    keys = set(task.rubric.keys())
    return {k: task.rubric.dimension(k).scale.clamp(float(v)) for k, v in scores.items() if k in keys}


def _unjudged_result(
    task: Task, language: str, dialogue_id: str, built: EvalItem | MissingResponse, language_rule: bool = True
) -> ItemResult:
    """An item no judge is asked about (a task scored by its own ``summarise``, e.g. T4): its record
    still carries the item's meta, and the rules that would have fired, as flags."""
    flags: list[str] = []
    rationale = "no judge of the profile applies to this task"
    if isinstance(built, MissingResponse):
        flags.append(FLAG_MISSING_RESPONSE)
        rationale = f"{FLAG_MISSING_RESPONSE}: {built.reason}"
        meta = {**task.item_meta(), **built.meta}
    else:
        meta = dict(built.meta)
        mismatch = language_mismatch(built.response_text, language) if built.response_text and language_rule else None
        if mismatch:
            flags.append(FLAG_LANGUAGE_RULE)
            rationale = f"{FLAG_LANGUAGE_RULE}: response is in {mismatch}, test set is {language}"
    turn_id = built.turn_id
    return ItemResult(task=task.id, language=language, dialogue_id=dialogue_id, turn_id=turn_id, judge=NO_JUDGE,
                      status="ok", rationale=rationale, flags=flags, meta=meta)


def _rule_result(
    task: Task,
    judge: Judge,
    language: str,
    dialogue_id: str,
    turn_id: int,
    flag: str,
    reason: str,
    item_meta: dict | None = None,
    repeat: int = 0,
    repeats: int = 1,
) -> ItemResult:
    """Every dimension this judge would score gets the minimum: the benchmark's rule, not a judgment.

    Under ``--repeat K`` the rule's record is written once per repeat, so that each repeat is a
    complete run on its own (``meta.repeat`` selects one)."""
    scores = task.rubric.minimum_scores(judge.dimensions(task))
    return ItemResult(
        task=task.id,
        language=language,
        dialogue_id=dialogue_id,
        turn_id=turn_id,
        judge=judge.name,
        status="ok",
        scores=scores,
        rationale=f"{flag}: {reason}; every dimension scores the minimum",
        flags=[flag],
        meta={**task.item_meta(), **(item_meta or {}), **({"repeat": repeat} if repeats > 1 else {})},
    )


class _progress:
    """A rich progress bar when asked for (a terminal and a long run), else nothing."""

    def __init__(self, enabled: bool, total: int) -> None:
        self.enabled = enabled and total > 0
        self.total = total
        self.progress: Progress | None = None

    def __enter__(self) -> tuple[Progress | None, int]:
        if not self.enabled:
            return None, 0
        self.progress = Progress(
            TextColumn("judging"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), transient=True
        )
        self.progress.__enter__()
        return self.progress, self.progress.add_task("judging", total=self.total)

    def __exit__(self, *exc: object) -> None:
        if self.progress is not None:
            self.progress.__exit__(None, None, None)
