"""Judge prompts: Jinja2 templates kept beside each task, versioned, rendered with the item as fenced data.

A task plugin names its template in a ``prompt_template`` class attribute (a path relative to the
task's module); the first line of a shipped template declares its ``prompt_version``, and a profile
asking for another version is refused rather than silently given different wording. ``--prompt-file
T1=path`` substitutes a user's own template; it is recorded as custom, with its hash, everywhere.

Everything that comes from a dialogue is wrapped by ``fence()`` between markers carrying a nonce
derived from the item's own text, so a response cannot close the fence and speak to the judge
outside it: to forge the marker it would have to contain the hash of itself.
"""

from __future__ import annotations

import hashlib
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path
from types import FunctionType
from typing import Any

from jinja2 import StrictUndefined, TemplateError, TemplateSyntaxError
from jinja2.sandbox import SandboxedEnvironment

from humdial_eval.engine import registry
from humdial_eval.inputs.inputfiles import read_regular_text
from humdial_eval.benchmark.items import EvalItem
from humdial_eval.engine.profiles import ProfileError
from humdial_eval.benchmark.rubric import Dimension, Scale
from humdial_eval.outputs.template_cache import compile_template
from humdial_eval.benchmark.task import Task
from humdial_eval.judges.llm.prompt_memo import PromptMemo
from humdial_eval.judges.llm.samples import sample_item

_VERSION_LINE = re.compile(r"\{#-?\s*prompt_version:\s*([A-Za-z0-9_.-]+)\s*-?#\}")
# A template may say where the T3 recording goes: before its text (the default, as humdial-v1 sends it)
# or after it, so that the text's shared opening stays a common prefix of every request.
_AUDIO_LINE = re.compile(r"\{#-?\s*audio_position:\s*(first|last)\s*-?#\}")
LANGUAGE_NAMES = {"en": "English", "zh": "Chinese (Mandarin)"}
MAX_TEMPLATE_BYTES = 256 * 1024


@dataclass(frozen=True)
class PromptTemplate:
    task_id: str
    path: Path
    source: str
    sha256: str
    version: str
    custom: bool
    audio_last: bool = False


@dataclass(frozen=True)
class RenderedPrompt:
    text: str
    sha256: str
    template: PromptTemplate


class PromptLibrary:
    """The templates one judge uses, loaded and test-rendered up front so mistakes surface before judging."""

    def __init__(self, version: str, overrides: Mapping[str, Path], owner: str) -> None:
        self.version = version
        self.owner = owner
        self._env = SandboxedEnvironment(
            undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=False
        )
        self._templates: dict[str, PromptTemplate] = {}
        self._compiled: dict[str, Any] = {}
        classes = _loadable_task_classes()
        unknown = sorted(set(overrides) - set(classes))
        if unknown:
            raise ProfileError(f"--prompt-file {unknown[0]}=...: no task named {unknown[0]!r} (tasks: {', '.join(classes)})")
        for task_id, task_class in classes.items():
            if task_id in overrides:
                self._load(task_class, Path(overrides[task_id]), custom=True)
            else:
                shipped = shipped_template_path(task_class, version)
                if shipped is not None:
                    self._load(task_class, shipped, custom=False)

    def has(self, task_id: str) -> bool:
        return task_id in self._templates

    def custom_fingerprint(self) -> dict[str, str]:
        """For the judge's identity: the hash of each substituted template (``--prompt-file``).

        Shipped templates are named by ``prompt_version`` alone, so installing another task plugin
        does not change the identity; their exact text still enters every cache key through the
        rendered prompt, and every judgment records the template's hash.
        """
        return {task_id: t.sha256[:16] for task_id, t in sorted(self._templates.items()) if t.custom}

    def describe(self) -> dict[str, dict[str, Any]]:
        """Each task's template: path, version, hash, custom or shipped (for reports and the probe)."""
        return {
            task_id: {"path": str(t.path), "version": t.version, "sha256": t.sha256[:16], "custom": t.custom}
            for task_id, t in sorted(self._templates.items())
        }

    def render(self, task: Task, item: EvalItem, dimensions: Sequence[Dimension], *, audio_attached: bool) -> RenderedPrompt:
        template = self._templates.get(task.id)
        if template is None:
            raise ProfileError(
                f"judge {self.owner!r}: task {task.id} has no prompt template; give one with --prompt-file {task.id}=PATH"
            )
        try:
            text = self._compiled[task.id].render(**_context(task, item, dimensions, audio_attached)).strip() + "\n"
        except TemplateError as exc:
            raise ProfileError(f"prompt template {template.path}: {exc}") from exc
        return RenderedPrompt(text=text, sha256=hashlib.sha256(text.encode()).hexdigest(), template=template)

    def template(self, task_id: str) -> PromptTemplate | None:
        return self._templates.get(task_id)

    def memo_key(self, task: Task, item: EvalItem, dimensions: Sequence[Dimension], *, audio_attached: bool) -> str | None:
        """The key under which the prompt ``render`` would make is remembered (:mod:`humdial_eval.judges.llm.prompt_memo`):
        the template's hash and every value the template is given; None when there is no template or a value
        cannot be keyed."""
        template = self._templates.get(task.id)
        if template is None:
            return None
        context = _context(task, item, dimensions, audio_attached)
        values = {name: value for name, value in context.items()
                  if not (isinstance(value, FunctionType) and value.__module__ == __name__)}  # code: in the salt
        return PromptMemo.key(template.sha256, values)

    def _load(self, task_class: Any, path: Path, *, custom: bool) -> None:
        task_id = task_class.id
        if not path.is_file():
            raise ProfileError(f"prompt template for {task_id} not found: {path}")
        if path.stat().st_size > MAX_TEMPLATE_BYTES:
            raise ProfileError(f"prompt template {path}: larger than {MAX_TEMPLATE_BYTES} bytes")
        try:
            source = read_regular_text(path, max_bytes=MAX_TEMPLATE_BYTES)
        except OSError as exc:
            raise ProfileError(f"prompt template {path}: {exc}") from exc
        except UnicodeDecodeError as exc:
            raise ProfileError(f"prompt template {path}: not UTF-8 text ({exc})") from exc
        declared = _VERSION_LINE.search(source.split("\n", 1)[0])
        if custom:
            version = declared.group(1) if declared else "custom"
        else:
            version = declared.group(1) if declared else "unversioned"
            if version != self.version:
                raise ProfileError(
                    f"judge {self.owner!r}: prompt_version {self.version!r} is not available for {task_id}: "
                    f"{path} is {version!r} (use --prompt-file {task_id}=PATH for other wording)"
                )
        try:
            compiled = compile_template(self._env, source)  # from_string, compiled code kept between runs
        except TemplateSyntaxError as exc:
            raise ProfileError(f"prompt template {path}, line {exc.lineno}: {exc.message}") from exc
        position = _AUDIO_LINE.search("\n".join(source.split("\n", 3)[:3]))
        self._templates[task_id] = PromptTemplate(
            task_id, path, source, hashlib.sha256(source.encode()).hexdigest(), version, custom,
            audio_last=bool(position and position.group(1) == "last"),
        )
        self._compiled[task_id] = compiled
        task = task_class()
        try:
            compiled.render(**_context(task, sample_item(task_id), task.rubric.dimensions, audio_attached=True))
        except (TemplateError, TypeError, ValueError, AttributeError) as exc:
            raise ProfileError(f"prompt template {path}: cannot be rendered: {type(exc).__name__}: {exc}") from exc


def _loadable_task_classes() -> dict[str, Any]:
    """Installed task plugins, each loaded on its own: one broken plugin must not disable the judge."""
    classes: dict[str, Any] = {}
    for entry in sorted(entry_points(group=registry.TASK_GROUP), key=lambda e: e.name):
        try:
            classes[entry.name] = entry.load()
        except Exception:  # noqa: BLE001 - the runner reports a broken task plugin when it is used
            continue
    return classes


def shipped_template_path(task_class: type, version: str | None = None) -> Path | None:
    """The template a task plugin ships (``prompt_template``, relative to the task's module), if any.

    Other prompt versions sit beside it as ``<stem>.<version><suffix>`` (``prompts/T1.humdial-v2.j2``
    beside ``prompts/T1.j2``); asked for a version that has such a file, that file is returned, so
    every version stays available and judgments made under an old one stay valid under its name.
    """
    relative = getattr(task_class, "prompt_template", None)
    if not relative:
        return None
    module = sys.modules.get(task_class.__module__)
    module_file = getattr(module, "__file__", None)
    if not module_file:
        return None
    default = Path(module_file).parent / relative
    if version:
        versioned = default.with_name(f"{default.stem}.{version}{default.suffix}")
        if versioned.is_file():
            return versioned
    return default


def scale_text(scale: Scale) -> str:
    if scale.sparse:
        return ", ".join(str(v) for v in scale.values[:-1]) + f" or {scale.values[-1]}"
    return f"an integer from {scale.minimum} to {scale.maximum}"


def _context(task: Task, item: EvalItem, dimensions: Sequence[Dimension], audio_attached: bool) -> dict[str, Any]:
    untrusted = [item.question, item.response_text] + [t.user_text for t in item.context]
    untrusted += [t.response_text or "" for t in item.context]
    nonce = hashlib.sha256("\x00".join(untrusted).encode()).hexdigest()[:12]
    marker = f"data-{nonce}"

    def fence(text: str | None) -> str:
        body = (text or "").replace("\r\n", "\n").strip()
        return f"<<{marker}>>\n{body}\n<</{marker}>>"

    return {
        "task_id": task.id,
        "task_name": task.name,
        "language": item.language,
        "language_name": LANGUAGE_NAMES.get(item.language, item.language),
        "turns": [
            {"turn_id": t.turn_id, "user_text": t.user_text, "emotion": t.emotion, "response_text": t.response_text,
             "raw_emotion": t.raw_emotion}
            for t in item.context
        ],
        "turn_id": item.turn_id,
        "question": item.question,
        "question_emotion": item.question_emotion,
        "question_raw_emotion": item.question_raw_emotion,
        "response_text": item.response_text,
        "trajectory": item.gold_trajectory(),
        "dimensions": list(dimensions),
        "scale_text": scale_text,
        "audio_attached": audio_attached,
        "fence": fence,
        "data_marker": f"<<{marker}>>",
    }
