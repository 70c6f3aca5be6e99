"""``judge probe``: does this endpoint really hear the audio, and answer in a format we can read?

Serving stacks have been seen to accept an ``input_audio`` part and quietly drop it, or to fail on it.
The probe sends the same T3 prompt twice, without and with a short test tone, and compares the
prompt token counts the server reports: audio that reached the model costs tokens. It also sends a
T1 prompt and checks that the answer parses into every requested score. Nothing is stored.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any, Literal

from humdial_eval.engine import registry
from humdial_eval.benchmark.task import Task
from humdial_eval.judges.llm.audio import tone
from humdial_eval.judges.llm.base import LLMJudge, Reply
from humdial_eval.judges.llm.parsing import ParseError, parse_answer
from humdial_eval.judges.llm.retry import CallError
from humdial_eval.judges.llm.samples import sample_item

# Two seconds of audio cost tens of tokens in audio-capable models (Qwen3-Omni: about 25 per second);
# fewer than this many extra prompt tokens means the audio did not reach the model.
MIN_AUDIO_TOKENS = 8
Verdict = Literal["ok", "warn", "fail"]


@dataclass
class Check:
    name: str
    verdict: Verdict
    detail: str

    def to_dict(self) -> dict[str, str]:
        return {"name": self.name, "verdict": self.verdict, "detail": self.detail}


@dataclass
class ProbeReport:
    judge: str
    backend: str
    model: str
    endpoints: list[str]
    checks: list[Check] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        return all(check.verdict != "fail" for check in self.checks)

    def to_dict(self) -> dict[str, Any]:
        return {"judge": self.judge, "backend": self.backend, "model": self.model, "endpoints": self.endpoints,
                "ready": self.ready, "checks": [c.to_dict() for c in self.checks]}


async def probe(judge: LLMJudge) -> ProbeReport:
    report = ProbeReport(judge.name, judge.backend, judge.config.model, judge.endpoints())
    try:
        await _text_check(judge, report)
        if judge.hears_audio:
            await _audio_checks(judge, report)
        else:
            report.checks.append(Check("audio", "ok", "not sent: this judge is text-only; it does not score the T3 "
                                                      "audio dimensions"))
    finally:
        await judge.aclose()
    return report


async def _text_check(judge: LLMJudge, report: ProbeReport) -> None:
    task = _task("T1")
    dims = [task.rubric.dimension(key) for key in judge.dimensions(task)]
    prompt = judge.prompts.render(task, sample_item("T1"), dims, audio_attached=False)
    started = time.monotonic()
    try:
        reply = await judge.ask(prompt.text)
    except CallError as error:
        report.checks.append(Check("text request", "fail", f"no answer: {error}"))
        return
    elapsed = time.monotonic() - started
    report.checks.append(_format_check("text answer format", reply, task, [d.key for d in dims], elapsed))


async def _audio_checks(judge: LLMJudge, report: ProbeReport) -> None:
    task = _task("T3")
    dims = list(task.rubric.dimensions)
    prompt = judge.prompts.render(task, sample_item("T3"), dims, audio_attached=True)
    payload = tone()
    try:
        without = await judge.ask(prompt.text)
    except CallError as error:
        report.checks.append(Check("T3 request without audio", "fail", f"no answer: {error}"))
        return
    started = time.monotonic()
    try:
        heard = await judge.ask(prompt.text, payload)
    except CallError as error:
        report.checks.append(Check("audio accepted", "fail", f"the endpoint failed on the audio request: {error}"))
        return
    elapsed = time.monotonic() - started
    report.checks.append(_audio_verdict(without, heard, payload.seconds))
    report.checks.append(_format_check("audio answer format", heard, task, [d.key for d in dims], elapsed))


def _audio_verdict(without: Reply, heard: Reply, seconds: float) -> Check:
    before, after = without.usage.get("prompt_tokens"), heard.usage.get("prompt_tokens")
    if before is None or after is None:
        return Check("audio accepted", "warn", "the endpoint answered the audio request, but reports no token "
                                              "usage, so whether the model received the audio cannot be confirmed")
    extra = after - before
    if extra < MIN_AUDIO_TOKENS:
        return Check("audio accepted", "fail", f"audio apparently DROPPED: the request with {seconds:.1f} s of audio "
                                              f"cost {extra:+d} prompt tokens against the same request without it")
    return Check("audio accepted", "ok", f"the model received the audio: {extra:+d} prompt tokens for "
                                        f"{seconds:.1f} s of audio")


def _format_check(name: str, reply: Reply, task: Task, wanted: list[str], elapsed: float) -> Check:
    try:
        parsed = parse_answer(reply.text, task.rubric, wanted)
    except ParseError as error:
        head = " ".join((reply.text or "").split())[:200]
        return Check(name, "fail", f"{error}; the answer began: {head!r}")
    notes = []
    if parsed.clamped:
        notes.append(f"off-scale values clamped: {parsed.clamped}")
    if parsed.salvaged:
        notes.append("read from an incomplete JSON object")
    verdict: Verdict = "warn" if notes else "ok"
    scores = ", ".join(f"{k}={v}" for k, v in parsed.scores.items())
    return Check(name, verdict, f"{len(parsed.scores)}/{len(wanted)} scores ({scores}) in {elapsed:.1f} s"
                                + (f"; {'; '.join(notes)}" if notes else ""))


def _task(task_id: str) -> Task:
    """Load one task plugin alone (a broken plugin elsewhere must not stop the probe)."""
    for entry in entry_points(group=registry.TASK_GROUP):
        if entry.name == task_id:
            return entry.load()()
    raise CallError(f"task plugin {task_id} is not installed", retryable=False)
