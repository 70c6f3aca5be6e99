"""What the acoustic judges share: settings, batching through a worker pool, caching identity.

An acoustic judge measures the response audio of the tasks it is configured for (``tasks``). By
default it reports *measures* only and scores no rubric dimension; ``score_dimensions: true`` makes
it score the official dimension it approximates (documented per judge), so the choice is always
visible in the profile. A response without audio gets an ok judgment with nothing measured (the
runner's missing-audio rule then applies to any opted-in dimension); audio that cannot be used fails
that one item with the reason.
"""

from __future__ import annotations

import hashlib
import os
from abc import abstractmethod
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

from humdial_eval.inputs.audio_check import MAX_AUDIO_SECONDS
from humdial_eval.benchmark.items import EvalItem
from humdial_eval.benchmark.judgment import Judge, Judgment, file_sha256, item_fingerprint
from humdial_eval.engine.profiles import ProfileError
from humdial_eval.benchmark.task import Task
from humdial_eval.judges.acoustic.pool import AnalyserSpec, BatchPool, Job, Outcome

VERSION = "1"


def _logic_fingerprint() -> str:
    """A hash of this package's source: a changed measure must not reuse judgments cached before."""
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


LOGIC = _logic_fingerprint()


# How every analyser starts the error of a reply whose audio it cannot take (an AudioError): the
# submission's fault, which the humdial protocol scores the minimum instead of leaving out.
AUDIO_UNUSABLE = "audio unusable: "


class AcousticJudge(Judge):
    backend: ClassVar[str]
    default_tasks: ClassVar[tuple[str, ...]] = ("T3", "T5")
    approximates: ClassVar[str | None] = None  # the rubric dimension ``score_dimensions`` opts into
    known_settings: ClassVar[frozenset[str]] = frozenset()
    _common = frozenset({"tasks", "workers", "batch_size", "max_seconds", "score_dimensions", "description", "threads"})

    def __init__(self, name: str, settings: dict[str, Any]) -> None:
        super().__init__(name, settings)
        unknown = set(settings) - self._common - self.known_settings
        if unknown:
            raise ProfileError(f"judge {name!r} ({self.backend}): unknown setting(s) {', '.join(sorted(unknown))}")
        self.tasks = tuple(_string_list(settings, "tasks", self.default_tasks, name))
        self.workers = _integer(settings, "workers", os.cpu_count() or 1, 0, name)
        self.batch_size = _integer(settings, "batch_size", 8, 1, name)
        # torch threads per worker process; default: the cores shared out among the workers
        self.threads = _integer(settings, "threads", 0, 1, name) if "threads" in settings else None
        self.max_seconds = float(_integer(settings, "max_seconds", int(MAX_AUDIO_SECONDS), 1, name))
        self.score_dimensions = _boolean(settings, "score_dimensions", False, name)
        self._pool: BatchPool | None = None

    @property
    def concurrency(self) -> int:  # type: ignore[override]
        return self.batch_size * max(1, self.workers) * 2

    def applies_to(self, task: Task) -> bool:
        return task.id in self.tasks

    def dimensions(self, task: Task) -> tuple[str, ...]:
        if self.score_dimensions and self.approximates and self.approximates in task.rubric.keys():
            return (self.approximates,)
        return ()

    def identity(self) -> dict[str, Any]:
        return {"backend": self.backend, "version": VERSION, "logic": LOGIC,
                "score_dimensions": self.score_dimensions, "max_seconds": self.max_seconds, **self.settings_identity()}

    def request(self, item: EvalItem, task: Task) -> dict[str, Any]:
        request = item_fingerprint(item)
        if self.uses_user_audio and item.user_audio is not None:
            request["user_audio_sha256"] = file_sha256(item.user_audio)
        return request

    uses_user_audio: ClassVar[bool] = False

    async def judge(self, item: EvalItem, task: Task) -> Judgment:
        if item.response_audio is None:
            return Judgment(judge=self.name, status="ok", rationale="no response audio: nothing measured",
                            meta={"backend": self.backend})
        if self._pool is None:
            self._pool = BatchPool(self.spec(), workers=self.workers, batch_size=self.batch_size, threads=self.threads)
        job = Job(
            key=f"{item.task}/{item.language}/{item.dialogue_id}/{item.turn_id}",
            audio=item.response_audio,
            language=item.language,
            user_audio=item.user_audio if self.uses_user_audio else None,
            text=item.response_text,
        )
        outcome = await self._pool.submit(job)
        if outcome.error is not None:
            meta: dict[str, Any] = {"backend": self.backend}
            if outcome.error.startswith(AUDIO_UNUSABLE):  # the analysers' prefix for reply audio they cannot take
                meta["fault"] = "submission"
            return Judgment(judge=self.name, status="failed", error=outcome.error, meta=meta)
        return self.interpret(item, task, outcome)

    async def aclose(self) -> None:
        if self._pool is not None:
            await self._pool.aclose()
            self._pool = None

    @abstractmethod
    def spec(self) -> AnalyserSpec:
        """What the worker processes build and run (picklable, hashable)."""

    @abstractmethod
    def interpret(self, item: EvalItem, task: Task, outcome: Outcome) -> Judgment:
        """Turn the worker's outcome into measures (and opted-in scores) for this item."""

    def settings_identity(self) -> dict[str, Any]:
        return {}


def resolve_model(name: str, settings: Mapping[str, Any], what: str, *, required: bool = True) -> str | None:
    """A local model folder (``model_dir``, ``$VARS`` and ``~`` expanded) or a model id (``model``)."""
    folder = settings.get("model_dir")
    if folder not in (None, ""):
        expanded = os.path.expanduser(os.path.expandvars(str(folder)))
        if "$" in expanded:
            if not required:
                return None  # an optional model left unset by the environment: the judge says it skipped
            raise ProfileError(
                f"judge {name!r}: model_dir {folder!r} names an environment variable that is not set; "
                f"point it at a local {what} folder (config.yaml, model.pt, ...)"
            )
        path = Path(expanded)
        if not (path / "config.yaml").is_file():
            raise ProfileError(f"judge {name!r}: model_dir {str(path)!r} is not a {what} folder (no config.yaml in it)")
        return str(path.resolve())
    model = settings.get("model")
    if isinstance(model, str) and model.strip():
        return model.strip()
    if required:
        raise ProfileError(f"judge {name!r}: set model_dir (a local {what} folder) or model (an id FunASR can resolve)")
    return None


def model_fingerprint(model: str) -> str:
    """Content identity of a local model folder (config, tokens, size and ends of the weights); the id itself otherwise."""
    path = Path(model)
    if not path.is_dir():
        return model
    digest = hashlib.sha256()
    for child in sorted(path.iterdir()):
        if not child.is_file():
            continue
        digest.update(child.name.encode())
        size = child.stat().st_size
        digest.update(str(size).encode())
        with child.open("rb") as handle:
            digest.update(handle.read(1 << 20))
            if size > 2 << 20:
                handle.seek(-(1 << 20), os.SEEK_END)
                digest.update(handle.read())
    return digest.hexdigest()[:16]


def _integer(settings: Mapping[str, Any], key: str, default: int, minimum: int, name: str) -> int:
    value = settings.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ProfileError(f"judge {name!r}: {key} must be an integer of at least {minimum} (got {value!r})")
    return value


def _boolean(settings: Mapping[str, Any], key: str, default: bool, name: str) -> bool:
    value = settings.get(key, default)
    if not isinstance(value, bool):
        raise ProfileError(f"judge {name!r}: {key} must be true or false (got {value!r})")
    return value


def _string_list(settings: Mapping[str, Any], key: str, default: tuple[str, ...], name: str) -> list[str]:
    value = settings.get(key, list(default))
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ProfileError(f"judge {name!r}: {key} must be a list of task ids such as [T3, T5] (got {value!r})")
    return value
