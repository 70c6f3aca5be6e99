"""``backend: openai``: a spoken dialogue model behind OpenAI's chat-completions protocol.

OpenAI's audio chat models and vLLM-served omni models (Qwen2.5-Omni, Qwen3-Omni) share this protocol:
user audio goes as ``input_audio`` content parts (base64 WAV), and with ``output_audio: true`` the
request asks for ``modalities: [text, audio]`` and the reply's ``message.audio`` carries base64 WAV
and, from OpenAI, its transcript. The network side is the judges' transport: one client per
base_url with round-robin over them, SDK errors mapped to retryable or not, and the same retry policy
(backoff with jitter, the server's Retry-After honoured).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from humdial_eval.engine import registry
from humdial_eval.benchmark.dialogue import Dialogue
from humdial_eval.engine.profiles import ProfileError
from humdial_eval.judges.llm.audio import load_audio
from humdial_eval.judges.llm.openai_backend import OpenAITransport, chat_arguments
from humdial_eval.judges.llm.retry import Attempts, CallError, RetryPolicy, with_retries
from humdial_eval.judges.llm.settings import LLMSettings, parse_settings, resolve_api_key
from humdial_eval.models import reply_audio
from humdial_eval.models.conversation import AUDIO_PARTS, INPUT_MODES, PastReply, build_messages
from humdial_eval.models.profile import ModelProfile, relative_file
from humdial_eval.models.reply_audio import ReplyAudio, ReplyAudioError
from humdial_eval.models.runner import TurnFailed

# Fields the judges' settings parser knows but that mean nothing for a model under test.
_JUDGE_ONLY = {"audio", "prompt_version", "parse_retries"}
_MODEL_FIELDS: dict[str, tuple[tuple[type, ...], str]] = {
    "input": ((str,), f"one of {', '.join(INPUT_MODES)}"),
    "audio_part": ((str,), f"one of {', '.join(AUDIO_PARTS)}"),
    "output_audio": ((bool,), "true or false"),
    "voice": ((str,), "a voice name"),
    "system_prompt": ((str,), "text"),
    "system_prompt_file": ((str,), "a path to a text file"),
    "speak_tasks": ((list,), "a list of task ids, e.g. [T3]"),
}


@dataclass(frozen=True)
class Answer:
    text: str
    audio: ReplyAudio | None
    requests: int
    sent: str


class OpenAIModel:
    """Answers one turn at a time; the runner owns the dialogue loop, the journal and the concurrency."""

    def __init__(self, profile: ModelProfile) -> None:
        self.profile = profile
        raw = dict(profile.settings)
        where = f"model profile {profile.name!r}"
        for key in sorted(_JUDGE_ONLY & set(raw)):
            raise ProfileError(f"{where}: field {key!r} is a judge setting; a model profile does not take it")
        own = {k: raw.pop(k) for k in list(raw) if k in _MODEL_FIELDS}
        for key, value in own.items():
            types, wanted = _MODEL_FIELDS[key]
            if not isinstance(value, types) or isinstance(value, bool) and bool not in types:
                raise ProfileError(f"{where}: field {key!r} must be {wanted}, not {value!r}")
        try:
            self.config: LLMSettings = parse_settings(profile.name, "openai", raw, vendor_key_env="OPENAI_API_KEY")
        except ProfileError as exc:
            raise ProfileError(str(exc).replace("judge profile", "model profile", 1)) from None
        self.input_mode = own.get("input", "audio")
        if self.input_mode not in INPUT_MODES:
            raise ProfileError(f"{where}: field 'input' must be one of {', '.join(INPUT_MODES)}, not {self.input_mode!r}")
        self.audio_part = own.get("audio_part", "input_audio")
        if self.audio_part not in AUDIO_PARTS:
            raise ProfileError(f"{where}: field 'audio_part' must be one of {', '.join(AUDIO_PARTS)}, not {self.audio_part!r}")
        self.output_audio = bool(own.get("output_audio", False))
        self.voice = own.get("voice", "alloy")
        # By default, speech is asked for where the task plugin judges response audio (T3, T5).
        self.speak_tasks = tuple(str(t) for t in own["speak_tasks"]) if "speak_tasks" in own else None
        self.system_prompt = own.get("system_prompt")
        if "system_prompt_file" in own:
            if self.system_prompt:
                raise ProfileError(f"{where}: give system_prompt or system_prompt_file, not both")
            path = relative_file(profile, own["system_prompt_file"])
            try:
                self.system_prompt = path.read_text(encoding="utf-8").strip()
            except (OSError, UnicodeDecodeError) as exc:
                raise ProfileError(f"{where}: field 'system_prompt_file': cannot read {path}: {exc}") from None
        self.concurrency = self.config.concurrency
        self.policy = RetryPolicy(
            self.config.max_retries, self.config.backoff_base, self.config.backoff_max, self.config.max_retry_after
        )
        self._api_key = resolve_api_key(profile.name, self.config)
        self._transport: ChatTransport | None = None
        self._rotation = itertools.count()

    def identity(self) -> dict[str, Any]:
        """What decides the answers; a run may only resume into a journal made with the same identity."""
        return {
            "backend": "openai",
            "model": self.config.model,
            "input": self.input_mode,
            "audio_part": self.audio_part,
            "output_audio": self.output_audio,
            "voice": self.voice if self.output_audio else None,
            "speak_tasks": (list(self.speak_tasks) if self.speak_tasks is not None else "tasks judged on audio")
            if self.output_audio else [],
            "system_prompt": self.system_prompt,
            "sampling": {**self.config.sampling(), "seed": self.config.seed},
            "extra_body": self.config.extra_body,
        }

    def speaks(self, task: str) -> bool:
        if not self.output_audio:
            return False
        return task in self.speak_tasks if self.speak_tasks is not None else _judged_on_audio(task)

    async def answer(self, dialogue: Dialogue, index: int, past: dict[int, PastReply]) -> Answer:
        """Ask for the reply to ``dialogue.turns[index]``, retrying what can be retried; CallError otherwise."""
        messages, sent = build_messages(
            dialogue.turns, index, past, input_mode=self.input_mode, system_prompt=self.system_prompt,
            load_audio=_cached_audio, audio_part=self.audio_part,
        )
        speak = self.speaks(dialogue.task)
        arguments = self._arguments(messages, speak)
        transport = self._get_transport()
        attempts = Attempts()

        async def send(attempt: int) -> tuple[str, ReplyAudio | None]:
            response = await transport.complete(arguments, next(self._rotation))
            return _read_reply(response, speak)

        try:
            text, audio = await with_retries(send, self.policy, attempts)
        except CallError as exc:
            raise TurnFailed.from_call_error(exc, attempts.requests, self._api_key) from None
        return Answer(text=text, audio=audio, requests=attempts.requests, sent=sent)

    async def aclose(self) -> None:
        if self._transport is not None:
            await self._transport.aclose()
            self._transport = None

    def _get_transport(self) -> "ChatTransport":
        if self._transport is None:
            self._transport = ChatTransport(self.config, self._api_key)
        return self._transport

    def _arguments(self, messages: list[dict[str, Any]], speak: bool) -> dict[str, Any]:
        arguments = chat_arguments(self.config, messages, self.config.seed)
        if speak:
            arguments["modalities"] = ["text", "audio"]
            arguments["audio"] = {"voice": self.voice, "format": "wav"}
        elif self.output_audio:
            arguments["modalities"] = ["text"]
        return arguments


class ChatTransport(OpenAITransport):
    """The judges' OpenAI transport, asked for a whole chat completion rather than a judge verdict."""

    async def complete(self, arguments: dict[str, Any], endpoint: int) -> Any:
        client = self.client(endpoint)
        return await self.call(lambda: client.chat.completions.create(**arguments))


def _read_reply(response: Any, speak: bool) -> tuple[str, ReplyAudio | None]:
    """The reply's text and checked audio; an unusable reply is a retryable CallError with the reason."""
    choices = list(getattr(response, "choices", None) or [])
    if not choices:
        raise CallError("the reply has no choices", retryable=True)
    content = next((c.message.content for c in choices if c.message is not None and c.message.content), None)
    spoken = next((c.message.audio for c in choices if c.message is not None and c.message.audio), None)
    audio = None
    transcript = None
    if speak:
        if spoken is None or not getattr(spoken, "data", None):
            raise CallError("the reply has no audio (output_audio is on)", retryable=True)
        try:
            audio = reply_audio.decode(spoken.data)
        except ReplyAudioError as exc:
            raise CallError(str(exc), retryable=True) from None
        transcript = getattr(spoken, "transcript", None)
    text = _clean(transcript) or _clean(content)
    if not text:
        raise CallError("the reply has no text", retryable=True)
    return text, audio


def _clean(text: str | None) -> str:
    return text.strip() if isinstance(text, str) else ""


@lru_cache(maxsize=None)
def _judged_on_audio(task_id: str) -> bool:
    """Whether the task plugin wants response audio for its evaluated turn (found through its entry point)."""
    try:
        return bool(registry.task_class(task_id)({}).needs_response_audio)
    except (registry.PluginError, ValueError):
        return False


@lru_cache(maxsize=64)
def _cached_audio(path: Any) -> Any:
    """A dialogue resends its earlier user audio at every turn: read each file once."""
    return load_audio(path)
