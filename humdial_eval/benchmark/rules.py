"""The benchmark's rules: every score fixed without a judge's opinion, and every flag a rule raises, in one place.

The runner asks these functions what to do with each item and each judgment and keeps to scheduling,
the judgment store and claims. Which rules apply is the protocol's to say (:mod:`humdial_eval.benchmark.protocol`):

- an item the turn rule finds no turn for is skipped (``unqualified_dialogue: skip``);
- response audio that validation refused, or that fails an integrity check (``integrity``), is scored as
  absent, so the audio dimensions get the minimum (``missing_audio``);
- no usable response, a reply in the wrong language (``language_rule``) or over the length cap
  (``integrity``) scores the minimum on every dimension without a judge;
- a judgment that failed because of the submission scores the minimum (``submission_fault``), an answer the
  protocol's parser cannot read is excluded (``excluded_by_protocol``), and other failures follow
  ``on_failure``;
- every response is scanned for text that addresses the judge (``injection_suspected``);
- an item on the organisers' exclusion list is recorded as excluded, never judged nor expected.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from humdial_eval.benchmark.injection import FLAG_INJECTION, InjectionHit, describe, scan_item
from humdial_eval.benchmark.items import EvalItem
from humdial_eval.benchmark.judgment import Judge, Judgment
from humdial_eval.benchmark.language import language_mismatch
from humdial_eval.benchmark.protocol import Protocol, reply_cap
from humdial_eval.benchmark.results import (
    FLAG_EXCLUDED_BY_ORGANISERS,
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
from humdial_eval.benchmark.task import MissingResponse, Skipped, Task


@dataclass(frozen=True)
class Verdict:
    """A rule that scores an item the minimum on every dimension, and why. ``shows_injection``: whether the
    result also carries the injection flag of the item's texts (the language rule's does)."""

    flag: str
    reason: str
    shows_injection: bool = False


def admit(
    built: EvalItem | MissingResponse, unusable_audio: set[Path], faulty_audio: Mapping[Path, str]
) -> tuple[EvalItem | MissingResponse, tuple[InjectionHit, ...]]:
    """The item as the judges may see it, and the injection hits in its texts. Audio that validation refused
    is scored as absent; audio failing an integrity check (``faulty_audio``, given only under a protocol with
    integrity rules) too, with its code in ``meta.audio_refused``."""
    if isinstance(built, EvalItem) and built.response_audio in unusable_audio:
        built = replace(built, response_audio=None)
    if isinstance(built, EvalItem) and built.response_audio in faulty_audio:
        code = faulty_audio[built.response_audio]
        built = replace(built, response_audio=None, meta={**built.meta, "audio_refused": code})
    hits = tuple(scan_item(built)) if isinstance(built, EvalItem) else ()
    return built, hits


def verdict(built: EvalItem | MissingResponse, language: str, protocol: Protocol) -> Verdict | None:
    """The rule that scores this item without a judge, in order of precedence; None when a judge must."""
    if isinstance(built, MissingResponse):
        return Verdict(FLAG_MISSING_RESPONSE, built.reason)
    if built.response_text and protocol.language_rule:
        mismatch = language_mismatch(built.response_text, language)
        if mismatch:
            return Verdict(FLAG_LANGUAGE_RULE, f"response is in {mismatch}, test set is {language}", shows_injection=True)
    if protocol.integrity:
        too_long = over_cap(built, language)
        if too_long:
            return Verdict(FLAG_REPLY_TOO_LONG, too_long)
    return None


def over_cap(item: EvalItem, language: str) -> str | None:
    """Why the item breaks the reply length cap (its reply, or an earlier one the judge would read), if it does."""
    cap = reply_cap(language)
    if len(item.response_text) > cap:
        return f"the reply has {len(item.response_text)} characters, over the {language} cap of {cap}; not sent"
    for turn in item.context:
        if turn.response_text and len(turn.response_text.strip()) > cap:
            return (f"the reply of turn {turn.turn_id} (shown to the judge as history) has "
                    f"{len(turn.response_text.strip())} characters, over the {language} cap of {cap}; not sent")
    return None


def rule_result(
    task: Task, judge: Judge, language: str, dialogue_id: str, built: EvalItem | MissingResponse, rule: Verdict,
    hits: Sequence[InjectionHit], repeat: int = 0, repeats: int = 1,
) -> ItemResult:
    """Every dimension this judge would score gets the minimum: the benchmark's rule, not a judgment.

    Under ``--repeat K`` the rule's record is written once per repeat, so that each repeat is a
    complete run on its own (``meta.repeat`` selects one)."""
    result = ItemResult(
        task=task.id,
        language=language,
        dialogue_id=dialogue_id,
        turn_id=built.turn_id,
        judge=judge.name,
        status="ok",
        scores=task.rubric.minimum_scores(judge.dimensions(task)),
        rationale=f"{rule.flag}: {rule.reason}; every dimension scores the minimum",
        flags=[rule.flag],
        meta={**task.item_meta(), **(built.meta or {}), **({"repeat": repeat} if repeats > 1 else {})},
    )
    return flag_injection(result, hits) if rule.shows_injection else result


def settle(
    task: Task, judge: Judge, item: EvalItem, judgment: Judgment, flags: list[str], hits: Sequence[InjectionHit],
    protocol: Protocol, on_failure: str, repeats: int,
) -> ItemResult:
    """The item's result from its judgment: audio dimensions of an item without audio get the minimum, and a
    failed judgment becomes a submission fault, a protocol exclusion, the minimum or an unscored failure."""
    scores = dict(judgment.scores) if judgment.status == "ok" else {}
    if item.response_audio is None and judgment.status == "ok":
        audio_dims = [d for d in task.rubric.dimensions if d.needs_audio and d.key in judge.dimensions(task)]
        if audio_dims:
            flags.append(FLAG_MISSING_AUDIO)
            scores.update(task.rubric.minimum_scores([d.key for d in audio_dims]))
    meta = {**item.meta, **judgment.meta}
    if repeats > 1:
        meta["repeat"] = judge.repeat
    if judgment.status != "ok":
        if judgment.raw:
            meta["raw_answer"] = judgment.raw
        fault = judgment.meta.get("fault")
        if fault == "submission" and protocol.integrity:
            flags.append(FLAG_SUBMISSION_FAULT)
            scores = task.rubric.minimum_scores(judge.dimensions(task))
        elif fault == "unparsable_official" and protocol.unparsable_answer == "exclude":
            flags.append(FLAG_EXCLUDED_BY_PROTOCOL)
        elif on_failure == "min":
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
    return flag_injection(result, hits)


def judge_side_when_nothing_answered(results: list[ItemResult]) -> None:
    """A judge that refused every request it got is misconfigured (a parameter it rejects, say), not
    refusing submissions: its "submission faults" become unscored judge-side failures."""
    answered = {r.judge for r in results if r.judged}
    for result in results:
        if FLAG_SUBMISSION_FAULT in result.flags and result.judge not in answered:
            result.flags.remove(FLAG_SUBMISSION_FAULT)
            result.scores = {}
            result.meta["fault"] = "judge (it refused every request, so the refusals are not the submission's)"


def skipped_result(task: Task, language: str, dialogue_id: str, skipped: Skipped) -> ItemResult:
    return ItemResult(task=task.id, language=language, dialogue_id=dialogue_id, turn_id=-1, judge=NO_JUDGE,
                      status="skipped", rationale=f"{FLAG_SKIPPED}: {skipped.reason}", flags=[FLAG_SKIPPED],
                      meta={**task.item_meta(), **skipped.meta})


def excluded_result(task: Task, language: str, dialogue_id: str, turn_id: int, source: str) -> ItemResult:
    """An item on the organisers' exclusion list: recorded, never judged, in no mean and not expected."""
    return ItemResult(task=task.id, language=language, dialogue_id=dialogue_id, turn_id=turn_id, judge=NO_JUDGE,
                      status="excluded", rationale=f"{FLAG_EXCLUDED_BY_ORGANISERS}: {source}",
                      flags=[FLAG_EXCLUDED_BY_ORGANISERS], meta=task.item_meta())


def flag_injection(result: ItemResult, hits: Sequence[InjectionHit]) -> ItemResult:
    """Mark a result whose response (or an earlier one of the system) seems to address the judge."""
    if hits:
        result.flags.append(FLAG_INJECTION)
        result.meta["injection"] = describe(hits)
    return result


def on_scale(task: Task, scores: dict[str, int]) -> dict[str, int]:
    """Drop dimensions the task does not have and clamp the rest onto their scales."""
    keys = set(task.rubric.keys())
    return {k: task.rubric.dimension(k).scale.clamp(float(v)) for k, v in scores.items() if k in keys}


def unjudged_result(
    task: Task, language: str, dialogue_id: str, built: EvalItem | MissingResponse, hits: Sequence[InjectionHit],
    protocol: Protocol,
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
        mismatch = language_mismatch(built.response_text, language) if built.response_text and protocol.language_rule \
            else None
        if mismatch:
            flags.append(FLAG_LANGUAGE_RULE)
            rationale = f"{FLAG_LANGUAGE_RULE}: response is in {mismatch}, test set is {language}"
    result = ItemResult(task=task.id, language=language, dialogue_id=dialogue_id, turn_id=built.turn_id,
                        judge=NO_JUDGE, status="ok", rationale=rationale, flags=flags, meta=meta)
    return flag_injection(result, hits)
