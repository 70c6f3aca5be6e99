"""The one scoring core (humdial_eval/engine/pipeline.py): typed options in, a typed outcome out, the same numbers as the
CLI and the API, and the layering that keeps it the core (no argparse below the CLI, no cycle through API or CLI)."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

import humdial_eval as he
from humdial_eval.engine import pipeline
from humdial_eval.cli.main import main
from humdial_eval.errors import UserError
from humdial_eval.inputs.issues import IssueLog
from humdial_eval.inputs.loading import load_testset
from humdial_eval.benchmark.protocol import get_protocol
from humdial_eval.engine.registry import make_tasks
from tests.conftest import Dataset

REPO = Path(__file__).resolve().parents[3]
# Where each import name lives in the repository (installed, they are all under humdial_eval).
PACKAGE_FOLDERS = {"humdial_eval": "humdial_eval", "humdial_eval.tasks": "tasks", "humdial_eval.judges": "judges",
                   "humdial_eval.leaderboards": "leaderboards", "humdial_eval.reference_model": "reference_model",
                   "humdial_eval.models": "models"}


def options(dataset: Dataset, out: Path, **changes: object) -> pipeline.ScoreOptions:
    settings: dict = {"use_cache": False, "bootstrap": 200, **changes}
    return pipeline.ScoreOptions(submission=dataset.submission, testset=dataset.testset, out=out, **settings)


def test_the_cli_the_api_and_the_pipeline_write_the_same_run(tmp_path: Path, dataset: Dataset) -> None:
    outcome = pipeline.score(options(dataset, tmp_path / "core"))
    assert outcome.status == "ok" and outcome.summary is not None
    assert [task.id for task in outcome.tasks] == ["T1", "T2", "T3"]  # the ranked tasks of the plugins
    assert main(["score", str(dataset.submission), "--testset", str(dataset.testset), "--out", str(tmp_path / "cli"),
                 "--no-cache", "--bootstrap", "200", "--no-progress"]) == 0
    he.score(dataset.submission, dataset.testset, out=tmp_path / "api", no_cache=True, bootstrap=200)
    for name in ("items.jsonl", "summary.csv", "report.md", "validation.jsonl"):
        core = (tmp_path / "core" / name).read_bytes()
        assert core == (tmp_path / "cli" / name).read_bytes() == (tmp_path / "api" / name).read_bytes(), name
    summaries = [json.loads((tmp_path / run / "summary.json").read_text()) for run in ("core", "cli", "api")]
    assert summaries[0] == summaries[1] == summaries[2]


def test_outcome_says_refused_under_strict_and_writes_nothing(tmp_path: Path, dataset: Dataset) -> None:
    answers = dataset.submission / "en" / "HD-Track1-T1.jsonl"
    answers.write_text("", encoding="utf-8")  # every en T1 dialogue is now missing
    lines: list[str] = []
    outcome = pipeline.score(options(dataset, tmp_path / "out", strict=True), notify=lines.append)
    assert outcome.status == "refused" and outcome.summary is None and outcome.issues.errors
    assert not (tmp_path / "out").exists()
    assert any("missing_dialogue" in line for line in lines) and "--strict" not in lines[-1]
    scored = pipeline.score(options(dataset, tmp_path / "out2"), notify=lines.append)
    assert scored.status == "ok" and "scoring anyway" in lines[-2] and lines[-1].startswith("judging: ")


@pytest.mark.parametrize(("change", "message"), [
    ({"bootstrap": 10}, "--bootstrap must be at least 100"),
    ({"repeat": 0}, "--repeat must be from 1 to 100"),
    ({"languages": ("fr",)}, "unknown language(s) fr"),
    ({"tasks": ("T9",)}, "no task plugin named 'T9'"),
    ({"on_failure": "ignore"}, "--on-failure must be one of"),
])
def test_bad_options_are_user_errors_before_anything_runs(tmp_path: Path, dataset: Dataset, change: dict,
                                                          message: str) -> None:
    with pytest.raises(UserError, match=message.replace("(", r"\(").replace(")", r"\)")):
        pipeline.score(options(dataset, tmp_path / "out", **change))
    assert not (tmp_path / "out").exists()


def test_validate_under_the_official_protocol_checks_the_turn_it_scores(tmp_path: Path, dataset: Dataset) -> None:
    """The official T3 rule takes the second turn whose raw label is not "neutral"; the default the second
    emotional turn after normalising ("calm" is neutral). Such a label makes the two pick different turns."""
    gold_path = dataset.testset / "en" / "HD-Track1-T3.jsonl"
    gold = [json.loads(line) for line in gold_path.read_text().splitlines()]
    turns = gold[0]["turns"]
    assert len(turns) >= 3
    for turn in turns:
        turn["emotion"] = "sad"
    turns[0]["emotion"] = "calm"  # neutral once normalised; the official rule reads the raw label: emotional
    gold_path.write_text("".join(json.dumps(d) + "\n" for d in gold))
    humdial, official = get_protocol("humdial"), get_protocol("official")
    chosen = {}
    for protocol in (humdial, official):
        (task,) = make_tasks(("T3",), protocol)
        testset = load_testset(dataset.testset, IssueLog(), tasks=["T3"], languages=["en"])
        dialogue = testset.get("en", "T3").dialogues[gold[0]["dialogue_id"]]
        chosen[protocol.name] = task.evaluated_turn(dialogue).turn_id
    assert chosen["humdial"] != chosen["official"]
    # remove the reply of the turn the official protocol scores: only validation under that protocol calls it
    # the evaluated turn (an error); under the default it is an ordinary unscored turn (a warning)
    answers_path = dataset.submission / "en" / "HD-Track1-T3.jsonl"
    answers = [json.loads(line) for line in answers_path.read_text().splitlines()]
    for turn in answers[0]["turns"]:
        if turn["turn_id"] == chosen["official"]:
            turn["response_text"] = ""
    answers_path.write_text("".join(json.dumps(d) + "\n" for d in answers))
    by_protocol = {}
    for protocol in (humdial, official):
        result = pipeline.validate(pipeline.ValidateOptions(dataset.submission, dataset.testset, ("T3",), ("en",),
                                                            protocol))
        by_protocol[protocol.name] = [i for i in result.issues.issues if i.code == "empty_response"]
    assert [i.severity.value for i in by_protocol["official"]] == ["error"]
    assert [i.severity.value for i in by_protocol["humdial"]] == ["warning"]
    cli = main(["validate", str(dataset.submission), "--testset", str(dataset.testset), "--tasks", "T3",
                "--languages", "en", "--protocol", "official"])
    assert cli == 1


def _module_files() -> dict[str, Path]:
    modules: dict[str, Path] = {}
    for package, folder in PACKAGE_FOLDERS.items():
        for path in (REPO / folder).rglob("*.py"):
            parts = list(path.relative_to(REPO / folder).with_suffix("").parts)
            if package == "humdial_eval" and parts[0] in {"tasks", "judges", "leaderboards", "reference_model", "models"}:
                continue
            if parts[-1] == "__init__":
                parts = parts[:-1]
            modules[".".join([package, *parts])] = path
    return modules


def _imports(path: Path, module: str, known: set[str]) -> set[str]:
    """Every humdial_eval module ``path`` imports, at any depth of its code (lazy imports included)."""
    found: set[str] = set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            names = [f"{base}.{alias.name}" for alias in node.names] + [base]
        for name in names:
            while name and name not in known:
                name = name.rpartition(".")[0]
            if name and name != module:
                found.add(name)
    return found


def test_no_argparse_below_the_command_line_layer() -> None:
    offenders = []
    for module, path in _module_files().items():
        command_layer = ".cli." in f"{module}." or module.endswith(".cli")
        if not command_layer and "argparse" in {n for n in _names_imported(path)}:
            offenders.append(module)
    assert not offenders


def _names_imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names


def test_no_import_cycle_passes_through_the_api_or_the_cli() -> None:
    files = _module_files()
    graph = {module: _imports(path, module, set(files)) for module, path in files.items()}
    # the package itself imports the API lazily for `he.score`; the API is a leaf no other module imports
    importers_of_api = sorted(m for m, deps in graph.items() if "humdial_eval.api" in deps and m != "humdial_eval")
    assert not importers_of_api
    outside_cli = sorted(m for m, deps in graph.items() if any(d == "humdial_eval.cli" or d.startswith("humdial_eval.cli.")
                         for d in deps) and not (".cli" in m or m in {"humdial_eval.__main__"}))
    assert not outside_cli, outside_cli
    for start in [m for m in graph if m == "humdial_eval.api" or m.startswith("humdial_eval.cli")]:
        assert not _reaches(graph, start, start), f"an import cycle passes through {start}"


def _reaches(graph: dict[str, set[str]], start: str, target: str) -> bool:
    seen: set[str] = set()
    stack = [d for d in graph[start] if d != "humdial_eval"]  # every module imports its parent package
    while stack:
        module = stack.pop()
        if module == target:
            return True
        if module in seen:
            continue
        seen.add(module)
        stack.extend(d for d in graph.get(module, ()) if d != "humdial_eval")
    return False


@pytest.mark.parametrize(("path", "name"), [
    ("runs/gpt/submission", "gpt"),  # what `run` writes
    ("team-a/HD-Track1", "team-a"),
    ("examples/submission", "examples"),
    ("uploads/team-b.zip", "team-b"),
    ("my-system", "my-system"),
])
def test_a_system_is_named_after_its_folder_unless_that_says_only_what_it_is(tmp_path: Path, path: str,
                                                                              name: str) -> None:
    assert pipeline.default_system_name(tmp_path / path) == name
