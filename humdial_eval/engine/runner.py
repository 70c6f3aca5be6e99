"""Turns loaded inputs into item results: build EvalItems, ask the judges, keep every judgment in the store.

The benchmark's rules (what scores without a judge, what a failed judgment becomes) are
:mod:`humdial_eval.benchmark.rules`; this module schedules the work they leave to the judges. Every
judgment is looked up in the store before a judge is asked and written to it as soon as it arrives
(one row per judgment, committed at once), so a run killed at any point resumes with nothing lost or
asked twice. ``repeats`` asks each judge K times (``meta.repeat`` = 0..K-1, each a complete run).

A judgment is asked for once even when the same request comes up twice at the same time: for two
items of this run with identical content, or in another scoring process using the same store (see
the store's claims). The second waits, outside the concurrency limit, and then reads the first's.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from humdial_eval.benchmark import rules
from humdial_eval.benchmark.exclusions import ExclusionList
from humdial_eval.benchmark.injection import InjectionHit
from humdial_eval.benchmark.items import EvalItem
from humdial_eval.benchmark.judgment import Judge, Judgment
from humdial_eval.benchmark.protocol import HUMDIAL, Protocol
from humdial_eval.benchmark.results import FLAG_CACHED, ItemResult
from humdial_eval.engine.store import BUSY, DONE, JudgmentStore
from humdial_eval.benchmark.task import Skipped, Task
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


@dataclass
class JudgeWork:
    """What one judge is about to be asked in a run: judgments to make, those already in the store, and
    what the judge estimates the requests to send weigh (``Judge.estimate``; zero for local judges)."""

    judgments: int = 0
    cached: int = 0
    sends_requests: bool = False
    prompt_tokens: int = 0
    audio_seconds: float = 0.0


@dataclass
class JudgingPlan:
    """The work of a run before any judge is asked, per judge (its name), for the line shown before judging."""

    judges: dict[str, JudgeWork] = field(default_factory=dict)


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
    exclusions: ExclusionList | None = None,
    limit: int | None = None,
    on_plan: Callable[[JudgingPlan], None] | None = None,
) -> list[ItemResult]:
    """``exclusions``: items the organisers left out, recorded and never judged. ``limit``: judge only the first
    N dialogues of each task and language (a trial run). ``on_plan`` receives the work to do, with what is already
    stored, before the first judge is asked. ``on_failure``: ``exclude`` (default) leaves a judge-side failure out of the means, counted;
    ``min`` scores it the minimum on each dimension the judge was to score. ``protocol`` supplies the
    rules that score without a judge (language rule, integrity rules, skipped dialogues); the tasks
    must have been made for it (``registry.make_tasks(ids, protocol)``) and the judges told with
    ``Judge.use_protocol``."""
    if repeats < 1:
        raise ValueError("repeats must be at least 1")
    if on_failure not in ON_FAILURE:
        raise ValueError(f"on_failure must be one of {', '.join(ON_FAILURE)}")
    results = asyncio.run(_run(inputs, tasks, judges, store, show_progress, repeats, on_failure, protocol,
                               exclusions, limit, on_plan))
    rules.judge_side_when_nothing_answered(results)
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
    exclusions: ExclusionList | None = None,
    limit: int | None = None,
    on_plan: Callable[[JudgingPlan], None] | None = None,
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
            for gold in itertools.islice(gold_file.dialogues.values(), limit):
                if exclusions is not None and exclusions.excludes(gold.dialogue_id):
                    turn = task.evaluated_turn(gold)
                    results.append(rules.excluded_result(task, language, gold.dialogue_id,
                                                         turn.turn_id if turn else -1, exclusions.source))
                    continue
                submitted = submitted_file.dialogues.get(gold.dialogue_id) if submitted_file else None
                built = task.build_item(gold, submitted)
                if isinstance(built, Skipped):
                    results.append(rules.skipped_result(task, language, gold.dialogue_id, built))
                    continue
                built, hits = rules.admit(built, inputs.unusable_audio, faulty_audio)
                asked = [judge for judge in judges if judge.applies_to(task)]
                if not asked:
                    results.append(rules.unjudged_result(task, language, gold.dialogue_id, built, hits, protocol))
                    continue
                verdict = rules.verdict(built, language, protocol)
                for judge, repeat in ((j, r) for j in asked for r in range(repeats)):
                    if verdict is not None:
                        results.append(rules.rule_result(task, judge, language, gold.dialogue_id, built, verdict, hits,
                                                         repeat, repeats))
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
    if on_plan is not None:
        on_plan(_plan(work, keys, stored, judges))
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


def _plan(
    work: Sequence[_Work], keys: dict[int, tuple[str | None, Exception | None]], stored: dict[str, Judgment],
    judges: Sequence[Judge],
) -> JudgingPlan:
    plan = JudgingPlan({judge.name: JudgeWork(sends_requests=judge.sends_requests) for judge in judges})
    for unit in work:
        entry = plan.judges.setdefault(unit.judge.name, JudgeWork(sends_requests=unit.judge.sends_requests))
        entry.judgments += 1
        key = keys.get(unit.index, (None, None))[0]
        if key is not None and key in stored:
            entry.cached += 1
            continue
        try:
            estimate = unit.judge.estimate(unit.item, unit.task)
        except Exception:  # an item whose request cannot be built fails when judged, with its reason
            estimate = None
        if estimate is not None:
            entry.prompt_tokens += estimate.prompt_tokens
            entry.audio_seconds += estimate.audio_seconds
    return plan


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
            judgment.scores = rules.on_scale(task, judgment.scores)
        except Exception as exc:  # a judge bug must cost one item, not the run
            judgment = Judgment(judge=judge.name, status="failed", error=f"{type(exc).__name__}: {exc}")
        if store is not None and key is not None:
            store.put(key, (item.task, item.language, item.dialogue_id, item.turn_id), judgment)
            in_flight.discard(key)
    return rules.settle(task, judge, item, judgment, flags, unit.hits, unit.protocol, unit.on_failure, unit.repeats)


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
