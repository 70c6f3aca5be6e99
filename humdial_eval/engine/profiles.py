"""Judge profiles: YAML files that say which backend judges and with what settings.

A profile names a ``backend`` (an entry point in ``humdial_eval.judges``) and its settings, or lists
other profiles under ``judges:`` to combine them (e.g. an LLM judge for text dimensions plus an
acoustic scorer for audio ones). Profiles hold the *name* of an API-key variable, never a key.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from humdial_eval.engine import registry
from humdial_eval.engine.credentials import find_secret, redact_text
from humdial_eval.inputs.inputfiles import InputFileError, check_regular, read_regular_text

DEFAULT_PROFILE = "offline-rubric"
MAX_PROFILE_BYTES = 1024 * 1024


class ProfileError(ValueError):
    """A profile that cannot be found or read; the message names the file and field."""


@dataclass(frozen=True)
class JudgeProfile:
    name: str
    backend: str
    settings: dict[str, Any]
    path: Path | None = None


def resolve_profile_path(spec: str) -> Path:
    """A path to a YAML file, or the bare name of a profile shipped by an installed package."""
    return find_profile(spec, registry.profile_dirs(), "judge profile")


def find_profile(spec: str, folders: list[Path], kind: str) -> Path:
    """``spec`` as a path to a YAML file, else the bare name of a profile in one of ``folders`` (shipped by
    installed packages); ``kind`` names the profile in the error."""
    path = Path(spec)
    if path.is_file():
        return path
    if path.exists() and not path.is_dir():
        try:
            check_regular(path)
        except InputFileError as exc:
            raise ProfileError(f"{path}: {exc.reason}") from exc
    for folder in folders:
        for candidate in (folder / f"{spec}.yaml", folder / spec):
            if candidate.is_file():
                return candidate
    shipped = sorted(p.stem for folder in folders for p in folder.glob("*.yaml"))
    raise ProfileError(f"{kind} {spec!r} not found (not a file; shipped profiles: {', '.join(shipped) or 'none'})")


def load_profiles(spec: str, _depth: int = 0) -> list[JudgeProfile]:
    """Read a profile (or a combining profile) into the list of judges it stands for."""
    if _depth > 4:
        raise ProfileError(f"profile {spec!r}: profiles nest more than 4 deep")
    path = resolve_profile_path(spec)
    data = read_profile(path, "profile")
    if "judges" in data:
        members = data["judges"]
        if not isinstance(members, list) or not members:
            raise ProfileError(f"{path}: field 'judges' must be a non-empty list of profile names or paths")
        combined: list[JudgeProfile] = []
        for member in members:
            member_spec = str(member)
            relative = path.parent / member_spec
            combined.extend(load_profiles(str(relative) if relative.is_file() else member_spec, _depth + 1))
        return combined
    backend = data.get("backend")
    if not isinstance(backend, str):
        raise ProfileError(f"{path}: field 'backend' is required (installed: {', '.join(registry.judge_backends())})")
    name = str(data.get("name") or path.stem)
    settings = {k: v for k, v in data.items() if k not in {"backend", "name"}}
    return [JudgeProfile(name=name, backend=backend, settings=settings, path=path)]


def read_profile(path: Path, kind: str) -> dict[str, Any]:
    """The YAML mapping of a profile file (judge or model): a regular file of bounded size, string keys at every
    depth and no credential at any depth; every problem a ProfileError naming the file, and never its secret."""
    try:
        data = yaml.safe_load(read_regular_text(path, max_bytes=MAX_PROFILE_BYTES))
    except InputFileError as exc:
        raise ProfileError(f"{path}: {exc.reason}") from exc
    except OSError as exc:
        raise ProfileError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    except (yaml.YAMLError, UnicodeDecodeError, RecursionError) as exc:
        raise ProfileError(f"{path}: not valid YAML: {' '.join(redact_text(str(exc)).split())[:300]}") from None
    if not isinstance(data, dict):
        raise ProfileError(f"{path}: a {kind} must be a YAML mapping")
    _check_keys(data, path, "")
    secret = find_secret(data)  # at any depth (extra_body, headers), by field name or by the value's shape
    if secret:
        raise ProfileError(f"{path}: field {secret!r} would store a secret (its value is not shown); profiles must be "
                           "without credentials: keep keys in the environment and name the variable with api_key_env")
    return data


def _check_keys(value: Any, path: Path, where: str, seen: set[int] | None = None) -> None:
    """Every mapping key must be a string: YAML also allows numbers, booleans, null and lists as keys
    (``1: x``, ``? [a, b]``), which no setting is named by. Shared subtrees (YAML anchors) are walked once."""
    seen = set() if seen is None else seen
    if id(value) in seen or not isinstance(value, (dict, list)):
        return
    seen.add(id(value))
    if isinstance(value, list):
        for index, element in enumerate(value):
            _check_keys(element, path, f"{where}[{index}]", seen)
        return
    for key, element in value.items():
        if not isinstance(key, str):
            shown = repr(key)[:60]
            raise ProfileError(f"{path}: key {shown}{f' under {where!r}' if where else ''} is not a string; "
                               "setting names are text (quote it)")
        _check_keys(element, path, f"{where}.{key}" if where else key, seen)


def build_judges(spec: str, overrides: dict[str, Any] | None = None) -> list[Any]:
    judges = []
    for profile in load_profiles(spec):
        factory = registry.judge_factory(profile.backend)
        settings = {**profile.settings, **(overrides or {})}
        judges.append(factory(profile.name, settings))
    return judges
