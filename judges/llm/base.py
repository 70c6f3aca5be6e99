"""What every LLM judge does the same way, whatever protocol it speaks.

A backend supplies a :class:`Transport` (one request in, one :class:`Reply` out, its client's errors
turned into :class:`CallError`); this class renders the prompt, attaches the audio, retries, parses,
and records how the judgment was made. The API key lives only in the transport's client: it is in
no identity, request, judgment or error message (server messages are scrubbed of it).
"""

from __future__ import annotations

import itertools
import random
import re
from abc import ABC, abstractmethod
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, ClassVar

from humdial_eval.inputs import file_digest
from humdial_eval.inputs.audio_check import MAX_AUDIO_BYTES
from humdial_eval.benchmark.items import EvalItem
from humdial_eval.benchmark.judgment import Judge, Judgment, item_fingerprint
from humdial_eval.engine.profiles import ProfileError
from humdial_eval.benchmark.rubric import Dimension
from humdial_eval.benchmark.task import Task
from humdial_eval.judges.llm import audio as audio_mod
from humdial_eval.judges.llm.audio import AudioError, AudioPayload
from humdial_eval.judges.llm.parsing import ParseError, parse_answer, parse_official
from humdial_eval.judges.llm.prompt_memo import PromptMemo, memo_beside
from humdial_eval.judges.llm.prompting import PromptLibrary, RenderedPrompt
from humdial_eval.judges.llm.reachability import Reachability, cannot_connect
from humdial_eval.judges.llm.retry import Attempts, CallError, RetryPolicy, with_retries
from humdial_eval.judges.llm.settings import LLMSettings, parse_settings, resolve_api_key

# A parse retry must not replay the same sampling: it moves the seed this far per attempt.
PARSE_RETRY_SEED_STEP = 100_003
MAX_RAW = 20_000
_KEY_LIKE = re.compile(r"\bsk-[A-Za-z0-9_-]{16,}")  # the shape of OpenAI and Anthropic keys
# A judge refusing the request itself (bad request, too large, unprocessable): caused by what the
# submission put in it (an over-long reply, audio the model cannot take), not by the judge being down.
SUBMISSION_FAULT_STATUS = frozenset({400, 413, 422})
FAULT_SUBMISSION = "submission"


@dataclass
class Reply:
    text: str | None
    served_model: str | None = None
    finish_reason: str | None = None
    usage: dict[str, int] = field(default_factory=dict)


class Transport(ABC):
    """One protocol's client(s); ``endpoint`` picks among the configured replicas."""

    @abstractmethod
    async def send(self, prompt: str, audio: AudioPayload | None, seed: int | None, endpoint: int,
                   *, audio_last: bool = False) -> Reply:
        """``audio_last``: the recording goes after the prompt's text (templates that declare
        ``audio_position: last``), so that requests share the text's opening as a cacheable prefix."""

    @abstractmethod
    def endpoint_names(self) -> list[str]: ...

    async def aclose(self) -> None:
        """Close network clients."""


@dataclass
class _Shared:
    """State shared by a judge and its per-repeat copies: one set of clients, one replica rotation, and
    each item's rendered prompt, worked out once for its cache key and its request."""

    transport: Transport | None = None
    rotation: Any = field(default_factory=itertools.count)
    fatal: str | None = None
    reach: Reachability | None = None
    unreachable: str | None = None  # set when no base_url accepts connections: `score` stops with it
    # The runner asks for an item's cache key and then judges it: the prompt is rendered once for both.
    renders: OrderedDict[tuple[Any, ...], tuple[EvalItem, RenderedPrompt]] = field(default_factory=OrderedDict)
    # Prompt hashes of earlier runs, beside the judgment store (``keep_beside``): a re-score renders nothing.
    prompt_memo: PromptMemo | None = None


RENDER_CACHE_SIZE = 1024


class LLMJudge(Judge):
    backend: ClassVar[str]
    vendor_key_env: ClassVar[str]
    vendor_url: ClassVar[str]
    can_send_audio: ClassVar[bool] = False
    sends_seed: ClassVar[bool] = False

    def __init__(self, name: str, settings: dict[str, Any]) -> None:
        super().__init__(name, settings)
        self.config: LLMSettings = parse_settings(name, self.backend, dict(settings), vendor_key_env=self.vendor_key_env)
        if self.config.audio and not self.can_send_audio:
            raise ProfileError(f"judge profile {name!r}: the {self.backend} backend cannot send audio; set audio: false")
        self.check_settings(self.config)
        self._api_key = resolve_api_key(name, self.config)
        self.concurrency = self.config.concurrency
        self.prompts = PromptLibrary(self.config.prompt_version, {}, name)
        self.policy = RetryPolicy(
            self.config.max_retries, self.config.backoff_base, self.config.backoff_max, self.config.max_retry_after
        )
        self.repeat = 0
        self._shared = _Shared()
        self.official_answers: dict[str, Any] = {}  # task id -> OfficialAnswerRule (protocol "official")
        self.unsent_settings: list[str] = []  # protocol settings this backend's endpoint cannot take

    # -- what a backend provides --------------------------------------------------------------
    def check_settings(self, config: LLMSettings) -> None:
        """Refuse settings this backend's endpoint would reject (raise ProfileError)."""

    @abstractmethod
    def make_transport(self, api_key: str) -> Transport: ...

    # -- the Judge interface --------------------------------------------------------------------
    def dimensions(self, task: Task) -> tuple[str, ...]:
        if not self.prompts.has(task.id):
            return ()
        return tuple(d.key for d in task.rubric.dimensions if self.hears_audio or not d.needs_audio)

    def endpoints(self) -> list[str]:
        """The base URLs requests rotate over (the vendor's API when the profile names none)."""
        return list(self.config.base_urls) or [self.vendor_url]

    @property
    def hears_audio(self) -> bool:
        return self.config.audio and self.can_send_audio

    def seed(self, parse_attempt: int = 0) -> int | None:
        if self.config.seed is None:
            return None
        return self.config.seed + self.repeat + PARSE_RETRY_SEED_STEP * parse_attempt

    def identity(self) -> dict[str, Any]:
        identity: dict[str, Any] = {
            "backend": self.backend,
            "model": self.config.model,
            "prompt_version": self.config.prompt_version,
            "custom_prompts": self.prompts.custom_fingerprint(),
            "sampling": self.config.sampling(),
            "seed": self.seed(),
            "audio": self.hears_audio,
        }
        if self.config.extra_body:
            identity["extra_body"] = self.config.extra_body
        if self.official_answers:
            identity["answer_parsing"] = "published-scripts"
        if self.unsent_settings:
            identity["protocol_settings_not_sent"] = self.unsent_settings
        return identity

    def use_protocol(self, protocol: Any) -> None:
        """The protocol's answer parsing and forced settings (the official one: the scripts' sampling,
        max_tokens and seed, and one parse per answer)."""
        self.official_answers = dict(protocol.official_answers)
        forced = dict(protocol.llm_settings)
        if not forced:
            return
        try:
            self.check_settings(replace(self.config, **forced))
        except ProfileError:  # e.g. top_k on OpenAI's own API: the rest still applies, and identity says so
            forced.pop("top_k", None)
            self.unsent_settings = ["top_k"]
        self.config = replace(self.config, **forced)

    def request(self, item: EvalItem, task: Task) -> dict[str, Any]:
        wanted = self._wanted(item, task)
        dimensions = [d.key for d in wanted]
        try:
            prompt_sha256 = self._prompt_sha256(task, item, wanted, self._sends_audio(item, wanted))
            audio_sha256 = self._audio_sha256(item) if self._sends_audio(item, wanted) else None
        except (ProfileError, AudioError) as exc:  # judge() fails this item with the same reason
            return {"unsendable": str(exc), "item": item_fingerprint(item), "dimensions": dimensions}
        key = {
            "prompt_sha256": prompt_sha256,
            "audio_sha256": audio_sha256,
            "dimensions": dimensions,
        }
        template = self.prompts.template(task.id)  # the one rendered (a template-less task raised above)
        if audio_sha256 is not None and template is not None and template.audio_last:  # absent otherwise: older keys stay
            key["audio_position"] = "last"
        return key

    async def judge(self, item: EvalItem, task: Task) -> Judgment:
        wanted = self._wanted(item, task)
        attached = self._sends_audio(item, wanted)
        try:
            prompt = self._render(task, item, wanted, attached)
            payload = self._audio(item) if attached else None
        except (ProfileError, AudioError) as exc:
            meta: dict[str, Any] = {"judge_backend": self.backend, "model": self.config.model}
            if isinstance(exc, AudioError):
                meta["audio"] = {"sent_as": f"not sent: {exc}"}
                meta["fault"] = FAULT_SUBMISSION  # audio the judge cannot take
            return self._failed(f"cannot build the request: {exc}", meta)
        meta = self._meta(task, item, prompt, payload, wanted)
        if not wanted:  # e.g. only audio dimensions and no audio: the runner's rules score them
            return Judgment(judge=self.name, status="ok", rationale="nothing for this judge to ask", meta=meta)
        if self._shared.fatal:
            return self._failed(f"not sent: an earlier request of this judge failed for good ({self._shared.fatal})", meta)
        transport = self._transport()
        attempts = Attempts()
        rng = random.Random()  # jitter exists to spread concurrent retries apart
        raw: str | None = None
        problem = ""
        for parse_attempt in range(self.config.parse_retries + 1):
            seed = self.seed(parse_attempt)
            endpoint: list[int] = []

            async def send(_: int) -> Reply:
                endpoint.append(next(self._shared.rotation))
                if payload is not None and prompt.template.audio_last:
                    request = lambda: transport.send(prompt.text, payload, seed, endpoint[-1], audio_last=True)
                else:
                    request = lambda: transport.send(prompt.text, payload, seed, endpoint[-1])
                return await self._watched(transport, request, endpoint[-1])

            try:
                reply = await with_retries(send, self.policy, attempts, rng=rng)
            except CallError as error:
                if error.fatal:
                    self._shared.fatal = self._redact(str(error))[:300]
                meta.update(self._attempt_meta(attempts, parse_attempt, seed))
                if error.status in SUBMISSION_FAULT_STATUS:
                    meta["fault"] = FAULT_SUBMISSION
                return self._failed(self._redact(str(error)), meta, raw)
            raw = self._redact(reply.text or "")[:MAX_RAW]
            meta.update(self._attempt_meta(attempts, parse_attempt, seed))
            meta.update(served_model=reply.served_model, finish_reason=reply.finish_reason, usage=reply.usage,
                        endpoint=transport.endpoint_names()[endpoint[-1] % len(transport.endpoint_names())])
            rule = self.official_answers.get(task.id)
            try:
                if rule is not None:
                    official = parse_official(reply.text, task.rubric, [d.key for d in wanted], rule)
                    if official.defaulted:
                        meta["official_defaulted"] = official.defaulted
                    if official.repaired:
                        meta["salvaged"] = True
                    return Judgment(judge=self.name, status="ok", scores=official.scores,
                                    rationale=self._redact(official.rationale), raw=raw, meta=meta)
                parsed = parse_answer(reply.text, task.rubric, [d.key for d in wanted])
            except ParseError as error:
                problem = str(error)
                if rule is not None:
                    meta["fault"] = "unparsable_official"
                continue
            if parsed.clamped:
                meta["clamped"] = parsed.clamped
            if parsed.salvaged:
                meta["salvaged"] = True
            return Judgment(judge=self.name, status="ok", scores=parsed.scores,
                            rationale=self._redact(parsed.rationale), raw=raw, meta=meta)
        tries = self.config.parse_retries + 1
        return self._failed(f"unparsable answer after {tries} attempt(s): {problem}", meta, raw)

    async def ask(self, prompt: str, audio: AudioPayload | None = None) -> Reply:
        """One request outside the judging flow (the endpoint probe), with the judge's retry policy."""
        transport = self._transport()

        async def send(_: int) -> Reply:
            endpoint = next(self._shared.rotation)
            return await self._watched(transport, lambda: transport.send(prompt, audio, self.seed(), endpoint), endpoint)

        try:
            return await with_retries(send, self.policy, Attempts())
        except CallError as error:
            raise CallError(self._redact(str(error)), retryable=error.retryable, status=error.status) from None

    def keep_beside(self, store: Path) -> None:
        """Remember prompt hashes beside the store (:mod:`humdial_eval.judges.llm.prompt_memo`), written when the judge closes."""
        if self._shared.prompt_memo is None:
            self._shared.prompt_memo = memo_beside(store)

    def use_prompt_files(self, files: Mapping[str, Path]) -> bool:
        self.prompts = PromptLibrary(self.config.prompt_version, files, self.name)
        self._shared.renders.clear()
        return True

    async def aclose(self) -> None:
        if self._shared.prompt_memo is not None:
            self._shared.prompt_memo.save()
        if self._shared.transport is not None:
            await self._shared.transport.aclose()
            self._shared.transport = None

    def unusable(self) -> str | None:
        return self._shared.unreachable

    # -- helpers ----------------------------------------------------------------------------------
    async def _watched(self, transport: Transport, request: Callable[[], Awaitable[Reply]], endpoint: int) -> Reply:
        """One request, noting whether its server could be reached; once no base_url can be, stop retrying."""
        if self._shared.fatal:  # another item found the judge unusable while this one waited to retry
            raise CallError(self._shared.fatal, retryable=False)
        reach = self._shared.reach
        if reach is None:
            reach = self._shared.reach = Reachability(transport.endpoint_names())
        try:
            reply = await request()
        except CallError as error:
            reason = cannot_connect(error)
            if reason is None:
                reach.answered(endpoint)
                raise
            reach.refused(endpoint, reason)
            if reach.all_down():
                self._shared.fatal = self._shared.unreachable = reach.message()
                raise CallError(self._shared.fatal, retryable=False) from error
            raise
        reach.answered(endpoint)
        return reply

    def _transport(self) -> Transport:
        if self._shared.transport is None:
            if self.config.concurrency != self.concurrency:  # `score --concurrency` overrides the profile
                self.config = replace(self.config, concurrency=self.concurrency)
            self._shared.transport = self.make_transport(self._api_key)
        return self._shared.transport

    def _prompt_sha256(self, task: Task, item: EvalItem, wanted: list[Dimension], attached: bool) -> str:
        """The hash of the item's prompt: from the memo of earlier runs when it holds this very prompt's inputs,
        else rendered (and remembered)."""
        memo = self._shared.prompt_memo
        key = self.prompts.memo_key(task, item, wanted, audio_attached=attached) if memo is not None else None
        if key is not None:
            found = memo.get(key)  # type: ignore[union-attr]
            if found is not None:
                return found
        prompt = self._render(task, item, wanted, attached)
        if key is not None:
            memo.put(key, prompt.sha256)  # type: ignore[union-attr]
        return prompt.sha256

    def _render(self, task: Task, item: EvalItem, wanted: list[Dimension], attached: bool) -> RenderedPrompt:
        """The item's prompt; the one rendered for its cache key is reused when it is judged just after."""
        key = (id(item), id(self.prompts), task.id, tuple(d.key for d in wanted), attached)
        renders = self._shared.renders
        hit = renders.get(key)
        if hit is not None and hit[0] is item:  # the same object, not a new one at a reused address
            return hit[1]
        prompt = self.prompts.render(task, item, wanted, audio_attached=attached)
        renders[key] = (item, prompt)
        if len(renders) > RENDER_CACHE_SIZE:
            renders.popitem(last=False)
        return prompt

    def _wanted(self, item: EvalItem, task: Task) -> list[Dimension]:
        """This judge's dimensions, less the audio ones when the item has no audio (the runner scores those)."""
        keys = set(self.dimensions(task))
        return [d for d in task.rubric.dimensions if d.key in keys and (item.response_audio or not d.needs_audio)]

    def _sends_audio(self, item: EvalItem, wanted: list[Dimension]) -> bool:
        return item.response_audio is not None and any(d.needs_audio for d in wanted)

    def _audio_sha256(self, item: EvalItem) -> str:
        """The recording's hash for the cache key. Validation has usually read this very file (same inode,
        size and times) and noted its hash and header: then the bytes need not be read again for the key,
        only for a request. Otherwise, or when the file changed since, it is loaded as for sending."""
        known = file_digest.known(item.response_audio)  # type: ignore[arg-type]
        if known is not None and known.wav is not None and known.size <= MAX_AUDIO_BYTES:
            audio_mod.refuse_unsendable(known.wav.format, known.wav.frames)
            return known.sha256
        return self._audio(item).sha256

    def _audio(self, item: EvalItem) -> AudioPayload:
        path = Path(item.response_audio)  # type: ignore[arg-type]
        stat = path.stat()
        return _cached_audio(str(path), stat.st_mtime_ns, stat.st_size)

    def _meta(
        self, task: Task, item: EvalItem, prompt: RenderedPrompt, payload: AudioPayload | None, wanted: list[Dimension]
    ) -> dict[str, Any]:
        meta: dict[str, Any] = {
            "judge_backend": self.backend,
            "model": self.config.model,
            "prompt_version": self.config.prompt_version,
            "prompt_sha256": prompt.sha256,
            "template_sha256": prompt.template.sha256[:16],
            "template_custom": prompt.template.custom,
            "sampling": self.config.sampling(),
            "dimensions": [d.key for d in wanted],
        }
        if any(d.needs_audio for d in task.rubric.dimensions):
            if payload is not None:
                meta["audio"] = payload.record()
            elif not self.hears_audio:
                meta["audio"] = {"sent_as": audio_mod.NOT_SENT_TEXT_ONLY}
            else:
                meta["audio"] = {"sent_as": audio_mod.NOT_SENT_MISSING}
        return meta

    def _attempt_meta(self, attempts: Attempts, parse_attempt: int, seed: int | None) -> dict[str, Any]:
        meta: dict[str, Any] = {
            "seed": seed,
            "seed_sent": self.sends_seed and seed is not None,
            "requests": attempts.requests,
            "parse_attempts": parse_attempt + 1,
        }
        if attempts.errors:
            meta["request_errors"] = [self._redact(e) for e in attempts.errors[-5:]]
        return meta

    def _failed(self, error: str, meta: dict[str, Any], raw: str | None = None) -> Judgment:
        return Judgment(judge=self.name, status="failed", error=self._redact(error), raw=raw, meta=meta)

    def _redact(self, text: str) -> str:
        """Server messages sometimes echo the credentials they were sent; never let them through."""
        if self.config.api_key_env and len(self._api_key) >= 4:
            text = text.replace(self._api_key, "[redacted]")
        return _KEY_LIKE.sub("[redacted]", text)


@lru_cache(maxsize=32)
def _cached_audio(path: str, mtime_ns: int, size: int) -> AudioPayload:
    """The cache key, request and call all need the same file: read and hash it once."""
    return audio_mod.load_audio(Path(path))
