"""The settings of an LLM judge, read and checked from a judge profile.

A profile is user input: every field is checked here, once, and a mistake names the profile and the
field. Unknown fields are refused so that a typo (``temprature``) cannot silently fall back to a
default. The API key itself never appears in a profile, only the name of the variable holding it.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Any

from humdial_eval.engine.credentials import find_secret, redact_text
from humdial_eval.engine.profiles import ProfileError

DEFAULT_PROMPT_VERSION = "humdial-v2"  # humdial-v1 stays selectable (profiles: prompt_version)
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Servers that speak OpenAI's protocol without checking keys (vLLM's default) still want a non-empty one.
PLACEHOLDER_KEY = "EMPTY"


@dataclass(frozen=True)
class LLMSettings:
    """Everything an LLM judge needs besides the key; ``base_urls`` empty means the vendor's own API."""

    backend: str
    model: str
    base_urls: tuple[str, ...] = ()
    api_key_env: str | None = None
    temperature: float | None = None
    top_p: float | None = None
    top_k: int | None = None
    max_tokens: int = 2048
    seed: int | None = 0
    concurrency: int = 4
    audio: bool = False
    prompt_version: str = DEFAULT_PROMPT_VERSION
    request_timeout: float = 120.0
    max_retries: int = 6
    backoff_base: float = 1.0
    backoff_max: float = 60.0
    max_retry_after: float = 300.0
    parse_retries: int = 2
    extra_body: dict[str, Any] = field(default_factory=dict)

    def sampling(self) -> dict[str, Any]:
        """The sampling parameters as recorded in identities and judgments (None = the server's default)."""
        return {
            "temperature": self.temperature,
            "top_p": self.top_p,
            "top_k": self.top_k,
            "max_tokens": self.max_tokens,
        }


# field -> (accepted types, description used in error messages)
_NUMBER = (int, float)
_FIELDS: dict[str, tuple[tuple[type, ...], str]] = {
    "model": ((str,), "a model name"),
    "base_url": ((str, list), "a URL or a list of URLs"),
    "api_key_env": ((str,), "the name of an environment variable"),
    "temperature": (_NUMBER, "a number from 0 to 2"),
    "top_p": (_NUMBER, "a number in (0, 1]"),
    "top_k": ((int,), "an integer (-1 = off)"),
    "max_tokens": ((int,), "a positive integer"),
    "seed": ((int,), "an integer"),
    "concurrency": ((int,), "an integer from 1 to 512"),
    "audio": ((bool,), "true or false"),
    "prompt_version": ((str,), "a prompt version name"),
    "request_timeout": (_NUMBER, "seconds, a positive number"),
    "max_retries": ((int,), "a non-negative integer"),
    "backoff_base": (_NUMBER, "seconds, a positive number"),
    "backoff_max": (_NUMBER, "seconds, a positive number"),
    "max_retry_after": (_NUMBER, "seconds, a positive number"),
    "parse_retries": ((int,), "a non-negative integer"),
    "extra_body": ((dict,), "a mapping of extra request fields"),
    "description": ((str,), "free text"),
}


def parse_settings(name: str, backend: str, raw: dict[str, Any], *, vendor_key_env: str) -> LLMSettings:
    """Check a profile's fields and build the settings; every problem is a ProfileError naming the field."""
    where = f"judge profile {name!r}"
    unknown = sorted(set(raw) - set(_FIELDS))
    if unknown:
        raise ProfileError(f"{where}: unknown field {unknown[0]!r} (known: {', '.join(sorted(_FIELDS))})")
    for key, value in raw.items():
        types, wanted = _FIELDS[key]
        if value is None and key not in {"model"}:
            continue
        if isinstance(value, bool) and bool not in types or not isinstance(value, types):
            raise ProfileError(f"{where}: field {key!r} must be {wanted}, not {redact_text(repr(value))[:200]}")
    secret = find_secret(raw)  # settings can come from code as well as from a profile file (checked there too)
    if secret:
        raise ProfileError(f"{where}: field {secret!r} would store a secret (its value is not shown); settings must be "
                           "without credentials: name the variable that holds the key with api_key_env")
    model = raw.get("model")
    if not isinstance(model, str) or not model.strip():
        raise ProfileError(f"{where}: field 'model' is required")
    values: dict[str, Any] = {k: v for k, v in raw.items() if k in LLMSettings.__dataclass_fields__ and v is not None}
    values["base_urls"] = _base_urls(where, raw.get("base_url"))
    values["api_key_env"] = _key_env(where, raw.get("api_key_env"), values["base_urls"], vendor_key_env)
    if "seed" in raw and raw["seed"] is None:
        values["seed"] = None
    settings = LLMSettings(backend=backend, model=model.strip(), **{k: v for k, v in values.items() if k != "model"})
    _check_ranges(where, settings)
    return settings


def resolve_api_key(name: str, settings: LLMSettings) -> str:
    """The key from the environment; a named but unset variable is the user's mistake, said plainly."""
    if settings.api_key_env is None:
        return PLACEHOLDER_KEY
    value = os.environ.get(settings.api_key_env, "")
    if not value:
        raise ProfileError(
            f"judge profile {name!r}: environment variable {settings.api_key_env} (api_key_env) is not set"
        )
    return value


def _base_urls(where: str, value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    urls = [value] if isinstance(value, str) else value
    if not urls:
        raise ProfileError(f"{where}: field 'base_url' is an empty list")
    cleaned = []
    for url in urls:
        if not isinstance(url, str) or not re.match(r"https?://[^\s/@?#]+(/[^\s?#]*)?$", url):
            raise ProfileError(
                f"{where}: field 'base_url' must be http(s)://host[:port]/path without credentials or query, "
                f"not {redact_text(repr(url))}"  # the refused URL may carry the very password it must not hold
            )
        cleaned.append(url.rstrip("/"))
    return tuple(cleaned)


def _key_env(where: str, value: Any, base_urls: tuple[str, ...], vendor_key_env: str) -> str | None:
    if value is None:
        # A self-hosted server (vLLM) usually needs no key; the vendor's own API always does.
        return None if base_urls else vendor_key_env
    if not _ENV_NAME.fullmatch(value):
        raise ProfileError(f"{where}: field 'api_key_env' must be a variable name (like OPENAI_API_KEY), not a key")
    return value


def _check_ranges(where: str, s: LLMSettings) -> None:
    checks = [
        ("temperature", s.temperature is None or 0 <= s.temperature <= 2),
        ("top_p", s.top_p is None or 0 < s.top_p <= 1),
        ("top_k", s.top_k is None or s.top_k >= -1),
        ("max_tokens", s.max_tokens >= 1),
        ("concurrency", 1 <= s.concurrency <= 512),
        ("request_timeout", s.request_timeout > 0),
        ("max_retries", s.max_retries >= 0),
        ("backoff_base", s.backoff_base > 0),
        ("backoff_max", s.backoff_max > 0),
        ("max_retry_after", s.max_retry_after > 0),
        ("parse_retries", s.parse_retries >= 0),
        ("prompt_version", bool(re.fullmatch(r"[A-Za-z0-9_.-]{1,64}", s.prompt_version))),
    ]
    for key, ok in checks:
        if not ok:
            raise ProfileError(f"{where}: field {key!r} must be {_FIELDS[key][1]}, not {getattr(s, key)!r}")
