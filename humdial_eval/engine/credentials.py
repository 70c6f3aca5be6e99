"""Finding credentials in judge profiles and keeping them out of errors and outputs.

A profile names the *variable* that holds a key (``api_key_env``), never the key: a profile is copied
into summary.json and report.md, shared with results, and echoed in error messages. A secret can hide
at any depth (``extra_body: {api_key: ...}``, ``headers: {Authorization: ...}``) or in a value
(``sk-...``, ``Bearer ...``, ``https://user:pass@host``), so both field names and values are looked at.
"""

from __future__ import annotations

import re
from typing import Any

REDACTED = "[redacted]"
# Field names (lower case, '-' and ' ' as '_') that hold credentials.
SECRET_NAMES = frozenset({
    "api_key", "apikey", "key", "token", "access_token", "auth_token", "refresh_token", "id_token", "api_token",
    "bearer", "authorization", "proxy_authorization", "x_api_key", "password", "passwd", "secret", "client_secret",
    "secret_key", "private_key", "cookie", "set_cookie", "credentials", "session_token", "auth",
})
_SECRET_SUFFIXES = ("_api_key", "_apikey", "_secret", "_password", "_token", "_secret_key", "_private_key")
# Values shaped like credentials, whatever field holds them.
_SECRET_VALUE = re.compile(
    r"\bsk-[A-Za-z0-9_-]{16,}"                      # OpenAI / Anthropic keys
    r"|\b(?:Bearer|Basic|Token)\s+[A-Za-z0-9._~+/=-]{8,}"  # HTTP authorization values
    r"|\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"               # AWS access key ids
    r"|\b(?:ghp|gho|ghs|github_pat|xox[abpr]|hf)_[A-Za-z0-9_-]{20,}"  # GitHub, Slack, Hugging Face tokens
    r"|://[^/\s:@]*:[^/\s@]*@",                     # user:password@ in a URL
    re.IGNORECASE,
)
_URL_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/\s@]*@")
_URL_QUERY = re.compile(r"\?[^\s#'\"]*")


def is_secret_name(name: str) -> bool:
    key = re.sub(r"[-\s]", "_", name.strip().lower())
    return key in SECRET_NAMES or key.endswith(_SECRET_SUFFIXES)


def find_secret(data: Any, path: str = "") -> str | None:
    """The dotted path of the first credential in ``data`` (a field named like one that holds a value, or a value
    shaped like one), or None. A secret-named field holding a mapping or list (a JSON schema with a
    property called "token") is looked into, not refused. Subtrees shared through YAML anchors are looked at
    once, so a 'billion laughs' profile costs its size on disk, not its expansion."""
    return _find_secret(data, path, set())


def _find_secret(data: Any, path: str, seen: set[int]) -> str | None:
    if isinstance(data, (dict, list)):
        if id(data) in seen:
            return None
        seen.add(id(data))
    if isinstance(data, dict):
        for key, value in data.items():
            where = f"{path}.{key}" if path else str(key)
            if is_secret_name(str(key)) and value not in (None, "") and not isinstance(value, (dict, list)):
                return where
            found = _find_secret(value, where, seen)
            if found:
                return found
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found = _find_secret(value, f"{path}[{index}]", seen)
            if found:
                return found
    elif isinstance(data, str) and _SECRET_VALUE.search(data):
        return path or "(value)"
    return None


def redact(data: Any) -> Any:
    """A copy of ``data`` with every credential found as :func:`find_secret` finds them replaced by ``[redacted]``.
    A subtree shared through YAML anchors is copied once and shared in the copy too."""
    return _redact(data, {})


def _redact(data: Any, copies: dict[int, Any]) -> Any:
    if isinstance(data, (dict, list)) and id(data) in copies:
        return copies[id(data)]
    if isinstance(data, dict):
        copy: Any = copies.setdefault(id(data), {})
        for key, value in data.items():
            secret = is_secret_name(str(key)) and not isinstance(value, (dict, list)) and value not in (None, "")
            copy[key] = REDACTED if secret else _redact(value, copies)
        return copy
    if isinstance(data, list):
        copy = copies.setdefault(id(data), [])
        copy.extend(_redact(value, copies) for value in data)
        return copy
    if isinstance(data, str):
        return redact_text(data)
    return data


def redact_text(text: str) -> str:
    """``text`` with credential-shaped substrings, URL user:password parts and URL queries replaced."""
    text = _URL_USERINFO.sub(lambda m: m.group(1) + REDACTED + "@", text)
    text = _URL_QUERY.sub("?" + REDACTED, text) if "://" in text else text
    return _SECRET_VALUE.sub(REDACTED, text)
