"""The scoring pipeline: one function that ``humdial-eval score``, ``humdial-eval run``, the Python API and
any other caller run, with typed options in and a typed outcome out.

The command line only parses arguments into :class:`ScoreOptions` and maps a :class:`ScoreOutcome` to an
exit code and console lines; nothing here knows of argparse or exit codes. A mistake in the inputs
raises :class:`~humdial_eval.errors.UserError` (the CLI prints it, the API lets it through).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from humdial_eval.engine import registry

from humdial_eval.inputs import layout
from humdial_eval.engine.credentials import redact
from humdial_eval.errors import UserError
from humdial_eval.human.panel import read_panel
from humdial_eval.inputs.issues import IssueLog
from humdial_eval.outputs.output_dir import OutputError, check_output_folder, staged_output
from humdial_eval.engine.profiles import DEFAULT_PROFILE, ProfileError, build_judges
from humdial_eval.benchmark.exclusions import ExclusionList, load_exclusions
from humdial_eval.benchmark.protocol import HUMDIAL, Protocol
from humdial_eval.benchmark.sources import dimension_sources
from humdial_eval.engine.registry import PluginError
from humdial_eval.benchmark.results import ItemResult
from humdial_eval.engine.runner import ON_FAILURE, JudgingPlan, run_judging
from humdial_eval.outputs import final_help, judge_usage
from humdial_eval.outputs.run_folder import SUMMARY_SCHEMA, write as write_run_folder
from humdial_eval.outputs.scoring import REPEAT_AGGREGATES, BootstrapSettings, memo_for, summarise
from humdial_eval.engine.store import JudgmentStore, StoreError, default_cache_path
from humdial_eval.benchmark.task import Task
from humdial_eval.inputs.submission_rules import check_package
from humdial_eval.inputs.validation import InputError, open_inputs

# How a run ended, beyond the summary: "ok"; "refused" (validation errors and strict); "all_failed" (no
# judgment succeeded); "incomplete" (an expected item has no score because its judgment failed on the
# judge's side and the caller did not choose an on_failure rule).
Status = Literal["ok", "refused", "all_failed", "incomplete"]
# Errors of the submission printed before judging; the rest are in validation.jsonl.
SHOWN_ERRORS = 20


@dataclass(frozen=True)
class ScoreOptions:
    """Everything one scoring run depends on. ``tasks=None`` means the ranked tasks of the installed plugins;
    ``cache=None`` the default judgment store (``use_cache=False``: none at all)."""

    submission: Path
    testset: Path
    out: Path
    judge: str = DEFAULT_PROFILE
    tasks: tuple[str, ...] | None = None
    languages: tuple[str, ...] = layout.LANGUAGES
    protocol: Protocol = HUMDIAL
    system_name: str | None = None
    cache: Path | None = None
    use_cache: bool = True
    strict: bool = False
    bootstrap: int = 2000
    seed: int = 20260
    repeat: int = 1
    repeat_aggregate: str = "mean"
    on_failure: str | None = None
    prompt_files: Mapping[str, Path] = field(default_factory=dict)
    concurrency: int | None = None
    progress: bool = False
    # The organisers' exclusions: a shipped list name, a file, or "none"; None takes the protocol's default.
    exclude: str | Path | None = None
    # Human ratings (the `human import` CSV format): the panel becomes the source of every dimension it rates.
    human_ratings: tuple[Path, ...] = ()
    limit: int | None = None  # a trial: only the first N dialogues of each task and language

    def store_path(self) -> Path | None:
        return None if not self.use_cache else self.cache or default_cache_path()

    def check(self) -> None:
        """Refuse values no run can use, with the option's command-line name (the API reports the same)."""
        if self.bootstrap < 100:
            raise UserError("--bootstrap must be at least 100")
        if not 1 <= self.repeat <= 100:
            raise UserError("--repeat must be from 1 to 100")
        if self.concurrency is not None and not 1 <= self.concurrency <= 512:
            raise UserError("--concurrency must be from 1 to 512")
        if self.repeat_aggregate not in REPEAT_AGGREGATES:
            raise UserError(f"--repeat-aggregate must be one of {', '.join(sorted(REPEAT_AGGREGATES))}")
        if self.on_failure is not None and self.on_failure not in ON_FAILURE:
            raise UserError(f"--on-failure must be one of {', '.join(ON_FAILURE)}")
        if self.limit is not None and self.limit < 1:
            raise UserError("--limit must be at least 1")
        if self.tasks is not None and not self.tasks:
            raise UserError("--tasks is empty")
        if not self.languages:
            raise UserError("--languages is empty")
        unknown = [lang for lang in self.languages if lang not in layout.LANGUAGES]
        if unknown:
            raise UserError(f"unknown language(s) {', '.join(unknown)}; the benchmark has {', '.join(layout.LANGUAGES)}")
        for path in self.human_ratings:
            if not Path(path).is_file():
                raise UserError(f"--human-ratings {path}: file not found")
        for task_id, path in self.prompt_files.items():
            if not Path(path).is_file():
                raise UserError(f"--prompt-file {task_id}={path}: file not found: {path}")


@dataclass
class ScoreOutcome:
    """What a run produced: its status, the summary written to ``out`` (None when refused), the item results
    and the submission's validation issues."""

    status: Status
    summary: dict[str, Any] | None
    results: list[ItemResult]
    tasks: list[Task]
    issues: IssueLog
    out: Path


def score(options: ScoreOptions, notify: Callable[[str], None] | None = None) -> ScoreOutcome:
    """Validate, judge, summarise and write one run folder. ``notify`` receives the lines a person should see
    before judging starts (test-set problems, the submission's first errors, what judging will send);
    default: none."""
    say = notify or (lambda line: None)
    options.check()
    protocol = options.protocol
    store_path = options.store_path()
    try:  # every output path is checked before the first judgment, so no judging is wasted on a bad --out
        out_folder = check_output_folder(options.out, "score", {
            "the submission": options.submission, "the test set": options.testset, "the judgment store": store_path})
    except OutputError as exc:
        raise UserError(str(exc)) from None
    tasks = registry.make_tasks(options.tasks, protocol)
    exclusions = load_exclusions(options.exclude, protocol.exclusions)
    system = options.system_name or default_system_name(options.submission)
    panel = read_panel(options.human_ratings, system) if options.human_ratings else None
    judges = _judges(options)
    try:
        with open_inputs(options.submission, options.testset, tasks, list(options.languages)) as inputs:
            issues, testset_issues = inputs.issues, inputs.testset_issues
            if testset_issues.issues:
                say(f"note: the test set has {len(testset_issues.issues)} problem(s) of its own (see "
                    "validation.jsonl, scope \"testset\"); they do not count against the submission")
            if issues.errors:
                for issue in issues.errors[:SHOWN_ERRORS]:
                    say(issue.format())
                more = len(issues.errors) - SHOWN_ERRORS
                say(f"{len(issues.errors)} validation error(s){f' ({more} more not shown)' if more > 0 else ''}; "
                    "run `humdial-eval validate` for the full list")
                if options.strict:
                    return ScoreOutcome("refused", None, [], tasks, issues, options.out)
                say("scoring anyway: unanswerable items score the minimum (use --strict to refuse)")
            try:
                store = None if store_path is None else JudgmentStore(store_path)
                try:
                    results = run_judging(
                        inputs, tasks, judges, store, show_progress=options.progress, repeats=options.repeat,
                        on_failure=options.on_failure or "exclude", protocol=protocol, exclusions=exclusions,
                        limit=options.limit, on_plan=lambda plan: say(plan_line(plan, options.limit)),
                    )
                finally:
                    if store is not None:
                        store.close()
            except StoreError as exc:
                raise UserError(str(exc)) from None
            _stop_if_unusable(judges, results)
            if panel is not None:
                panel_results, ratings_of_excluded = panel.results(results, tasks)
                results = [*results, *panel_results]
            present_languages = [lang for lang in options.languages if lang in inputs.testset.languages()]
    except InputError as exc:
        raise UserError(str(exc)) from exc
    settings = BootstrapSettings(resamples=options.bootstrap, seed=options.seed)
    summary = _header(options, system, judges, settings, issues, tasks)
    summary["exclusions"] = _exclusions_record(exclusions, results)
    sources = [panel, *judges] if panel is not None else judges  # the panel comes first where it rates
    if panel is not None:
        summary["human_panel"] = {**panel.identity(), "ratings_of_excluded_items": ratings_of_excluded,
                                  "files": [str(path) for path in options.human_ratings]}
    # bootstrap intervals are remembered beside the judgment store: a re-score need not compute them again
    intervals = None if store_path is None else memo_for(Path(f"{store_path}.intervals.json"))
    summary.update(summarise(results, tasks, sources, present_languages, settings, options.repeat_aggregate, intervals))
    summary["sources"] = dimension_sources(summary["primary_judges"], sources, protocol.name)
    _add_judge_reports(summary, results, options, tasks)
    try:
        with staged_output(out_folder) as staging:
            write_run_folder(staging, results, summary, tasks, [*issues.issues, *testset_issues.issues])
    except OutputError as exc:
        raise UserError(str(exc)) from None
    return ScoreOutcome(_status(options, summary, results), summary, results, tasks, issues, options.out)


def _exclusions_record(exclusions: ExclusionList | None, results: Sequence[ItemResult]) -> dict[str, Any] | None:
    """The list applied and the items it took out (``language/task/dialogue_id``), for the summary."""
    if exclusions is None:
        return None
    excluded = sorted(f"{r.language}/{r.task}/{r.dialogue_id}" for r in results if r.status == "excluded")
    return {**exclusions.record(), "excluded_items": excluded}


def plan_line(plan: JudgingPlan, limit: int | None = None) -> str:
    """The line shown before judging: per judge, what it will be asked, what the store already holds, and for
    a judge that sends requests, their estimated prompt tokens and seconds of audio."""
    parts = []
    for name, work in plan.judges.items():
        to_make = work.judgments - work.cached
        if work.sends_requests:
            size = f"~{work.prompt_tokens:,} prompt tokens (estimated from the rendered prompts)"
            if work.audio_seconds:
                size += f" + {work.audio_seconds:,.0f} s of audio"
            parts.append(f"{name}: {to_make} request(s) to send, {work.cached} already cached; {size}")
        else:
            parts.append(f"{name}: {to_make} judgment(s) to make locally, {work.cached} already cached")
    trial = f" [trial: --limit {limit}, first {limit} dialogue(s) per task and language]" if limit else ""
    return "judging: " + ("; ".join(parts) or "nothing to ask a judge") + trial


def _add_judge_reports(
    summary: dict[str, Any], results: Sequence[ItemResult], options: ScoreOptions, tasks: list[Task],
) -> None:
    """What the judges' servers reported (models that answered, token usage), why a final is missing and how
    to complete it, and the trial mark. Each key is added only when it has something to say, so an
    ordinary offline run's summary keeps its shape."""
    served = judge_usage.served_models(results)
    for judge in summary["judges"]:
        if judge["name"] in served:
            judge["served_models"] = served[judge["name"]]
    usage = judge_usage.usage_totals(results)
    if usage:
        summary["usage"] = usage
    command = final_help.score_command(options.submission, options.testset)
    help_ = final_help.explain(summary, tasks, options.judge, command)
    if help_ is not None:
        summary["final_help"] = help_
    if options.limit is not None:
        summary["trial"] = {"limit": options.limit, "note": f"only the first {options.limit} dialogue(s) of each task "
                            "and language were judged; not a result on the whole test set"}


def _status(options: ScoreOptions, summary: dict[str, Any], results: Sequence[ItemResult]) -> Status:
    if summary["counts"].get("failed") and not any(r.judged for r in results):
        return "all_failed"
    if summary["counts"].get("judge_side_failed") and options.on_failure is None:
        return "incomplete"
    return "ok"


def _judges(options: ScoreOptions) -> list[Any]:
    try:
        judges = build_judges(options.judge)
        if options.prompt_files and not [j for j in judges if j.use_prompt_files(dict(options.prompt_files))]:
            raise UserError(f"--prompt-file: no judge of profile {options.judge!r} uses prompt templates")
    except (ProfileError, PluginError, ValueError) as exc:
        raise UserError(str(exc)) from exc
    for judge in judges:
        judge.use_protocol(options.protocol)
        if options.concurrency is not None:
            judge.concurrency = options.concurrency
    return judges


def _stop_if_unusable(judges: list[Any], results: list[Any]) -> None:
    """A judge that could not judge at all (e.g. no base_url accepts connections) ends the run with its reason
    instead of a report of failures; a judge that failed only part-way still gets its results written."""
    for judge in judges:
        reason = judge.unusable()
        if reason and not any(r.judged and r.judge == judge.name for r in results):
            raise UserError(f"judge {judge.name!r}: {reason} (no results written)")


def _header(
    options: ScoreOptions, system: str, judges: list[Any], settings: BootstrapSettings, issues: IssueLog,
    tasks: list[Task],
) -> dict[str, Any]:
    protocol = options.protocol
    return {
        "schema": SUMMARY_SCHEMA,
        "system": system,
        "protocol": protocol.record(),
        "prompts": _prompt_origin(judges, [task.id for task in tasks]),
        "submission": str(options.submission.resolve()),
        "testset": str(options.testset.resolve()),
        # Profiles with credentials are refused when loaded; a judge plugin's identity is scrubbed anyway.
        "judges": [{"name": j.name, "identity": redact(j.identity())} for j in judges],
        "options": {
            "t3_turn_rule": protocol.t3_turn_rule,
            "confidence": settings.confidence,
            "bootstrap_resamples": settings.resamples,
            "seed": settings.seed,
            "repeat": options.repeat,
            "repeat_aggregate": options.repeat_aggregate,
            "on_failure": options.on_failure or "exclude",
            "on_failure_chosen": options.on_failure is not None,
            "prompt_files": {task: str(path) for task, path in options.prompt_files.items()},
        },
        "validation": {"errors": len(issues.errors), "warnings": len(issues.warnings)},
    }


def _prompt_origin(judges: list[Any], task_ids: list[str]) -> dict[str, str]:
    """Per task, whether the judges' prompts are the shipped ones or the user's (--prompt-file): under the
    official protocol the report must say when the published prompt texts were not used."""
    origin: dict[str, str] = {}
    for judge in judges:
        library = getattr(judge, "prompts", None)
        describe = getattr(library, "describe", None)
        if describe is None:
            continue
        for task_id, info in describe().items():
            if task_id not in task_ids:
                continue
            origin.setdefault(task_id, f"custom {info['path']}" if info.get("custom") else f"shipped {info['version']}")
    return origin


def default_system_name(path: Path) -> str:
    """The system's name when none is given: the submission's folder (or zip) name, or, for a folder named
    after what it is (``HD-Track1``, ``submission``, as `run` writes), the folder above it."""
    resolved = path.resolve()
    name = resolved.stem if resolved.suffix.lower() == ".zip" else resolved.name
    if name in {"HD-Track1", "submission"} and resolved.parent.name:
        name = resolved.parent.name
    return name


@dataclass(frozen=True)
class ValidateOptions:
    """What ``validate`` checks: a submission against a test set, for the tasks and protocol it will be scored
    under (the protocol decides, e.g., which T3 turn is the evaluated one)."""

    submission: Path
    testset: Path
    tasks: tuple[str, ...] | None = None
    languages: tuple[str, ...] = layout.LANGUAGES
    protocol: Protocol = HUMDIAL
    # The challenge's packaging rules (HD-Track1.zip, the system description PDF): "warn", "error" (--strict)
    # or "off" (a submission made by `generate` or the baseline, which has no paper to check).
    package_rules: str = "warn"


@dataclass(frozen=True)
class Validation:
    """The submission's issues, and the test set's own (which never count against the submission)."""

    issues: IssueLog
    testset_issues: IssueLog

    @property
    def valid(self) -> bool:
        return not self.issues.errors


def validate(options: ValidateOptions) -> Validation:
    """Check a submission (folder or .zip) against a test set: every problem with file, line and field."""
    tasks = registry.make_tasks(options.tasks, options.protocol)
    try:
        with open_inputs(options.submission, options.testset, tasks, list(options.languages)) as inputs:
            if options.package_rules != "off":
                check_package(options.submission, inputs.submission.root, inputs.issues,
                              strict=options.package_rules == "error")
            return Validation(inputs.issues, inputs.testset_issues)
    except InputError as exc:
        raise UserError(str(exc)) from None
