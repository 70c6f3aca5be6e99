"""Model profiles: YAML files that say which backend answers the test set, and how.

A profile is found like a judge profile: a path to a YAML file, or the bare name of a profile shipped
in a folder registered under the ``humdial_eval.model_profile_dirs`` entry point. It names a
``backend`` (an entry point in ``humdial_eval.model_backends``); the backend checks its own fields.
Profiles hold the *name* of an API-key variable, never a key.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from humdial_eval.engine.profiles import ProfileError, find_profile, read_profile

BACKEND_GROUP = "humdial_eval.model_backends"
PROFILE_DIR_GROUP = "humdial_eval.model_profile_dirs"


@dataclass(frozen=True)
class ModelProfile:
    name: str
    backend: str
    settings: dict[str, Any]
    path: Path | None = None


def load_model_profile(spec: str | Path) -> ModelProfile:
    """Read a profile by path or shipped name; every problem is a ProfileError naming the file and field."""
    path = resolve_model_profile(str(spec))
    data = read_profile(path, "model profile")  # the judges' rules: regular file, string keys, no secret anywhere
    backend = data.get("backend")
    if not isinstance(backend, str) or not backend.strip():
        raise ProfileError(f"{path}: field 'backend' is required (installed: {', '.join(model_backends())})")
    name = str(data.get("name") or path.stem)
    settings = {k: v for k, v in data.items() if k not in {"backend", "name"}}
    return ModelProfile(name=name, backend=backend.strip(), settings=settings, path=path)


def resolve_model_profile(spec: str) -> Path:
    return find_profile(spec, profile_dirs(), "model profile")


def build_backend(profile: ModelProfile) -> Any:
    """The backend object for a profile, found through its entry point (third parties can add their own)."""
    entries = {ep.name: ep for ep in entry_points(group=BACKEND_GROUP)}
    if profile.backend not in entries:
        raise ProfileError(
            f"model profile {profile.name!r}: no model backend named {profile.backend!r} "
            f"(installed: {', '.join(sorted(entries)) or 'none'})"
        )
    factory = entries[profile.backend].load()
    return factory(profile)


def model_backends() -> list[str]:
    return sorted(ep.name for ep in entry_points(group=BACKEND_GROUP))


def profile_dirs() -> list[Path]:
    return [Path(ep.load()) for ep in entry_points(group=PROFILE_DIR_GROUP)]


def relative_file(profile: ModelProfile, value: str) -> Path:
    """A file a profile names, relative to the profile's own folder when not absolute."""
    path = Path(value).expanduser()
    if not path.is_absolute() and profile.path is not None:
        path = profile.path.parent / path
    return path
