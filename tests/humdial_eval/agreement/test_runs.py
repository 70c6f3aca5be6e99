"""Reading run folders and building sources: errors are located, nothing is silently dropped."""

from __future__ import annotations

import json
from pathlib import Path

from humdial_eval.agreement.runs import read_run
from humdial_eval.agreement.scales import infer_scale, nearest_on_scale, resolve_scales
from humdial_eval.agreement.sources import human_source, judge_sources, source_label
from humdial_eval.human.ratings import HumanRating
from humdial_eval.inputs.issues import IssueLog
from humdial_eval.benchmark.rubric import Scale
from tests.humdial_eval.agreement.runfolders import judgment, t1_rows, write_run


def test_bad_lines_are_reported_with_line_and_field(tmp_path: Path) -> None:
    run_dir = write_run(tmp_path / "r", t1_rows([(1, 3, 5)]))
    bad = [
        "not json",
        json.dumps([1, 2]),
        json.dumps({**judgment("T1", "en", "a", {"Added_Value": 3}), "status": "maybe"}),
        json.dumps({**judgment("T1", "en", "a", {"Added_Value": 3}), "turn_id": "3"}),
        json.dumps({**judgment("T1", "en", "a", {"Added_Value": True})}),
        json.dumps({**judgment("T1", "en", "a", {"Added_Value": 3}), "meta": {"repeat": -1}}),
        json.dumps({**judgment("T1", "en", "a", {"Added_Value": 3}), "judge": ""}),
        '{"task": "T1", "scores": {"x": NaN}}',
        json.dumps(judgment("T1", "en", "b", {}, status="failed")),
        "",
    ]
    with (run_dir / "items.jsonl").open("a", encoding="utf-8") as handle:
        handle.write("\n".join(bad) + "\n")
    issues = IssueLog()
    run = read_run(run_dir, "r", issues)
    assert run is not None and len(run.rows) == 1 and run.failed == 1
    located = [(i.line, i.field) for i in issues.errors]
    assert located == [(2, None), (3, None), (4, "status"), (5, "turn_id"), (6, "scores.Added_Value"),
                       (7, "meta.repeat"), (8, "judge"), (9, None)]
    assert all(i.file.endswith("r/items.jsonl") for i in issues.errors)


def test_folder_problems(tmp_path: Path) -> None:
    issues = IssueLog()
    assert read_run(tmp_path / "nope", "x", issues) is None
    (tmp_path / "empty").mkdir()
    assert read_run(tmp_path / "empty", "x", issues) is None
    assert [i.code for i in issues.errors] == ["not_a_run", "not_a_run"]
    run_dir = write_run(tmp_path / "r", t1_rows([(1, 3, 5)]))
    (run_dir / "summary.json").write_text("{broken")
    issues = IssueLog()
    run = read_run(run_dir, "r", issues)
    assert run.system == "r" and [i.code for i in issues.warnings] == ["unreadable_summary"] and not issues.errors


def test_sources_from_labels_judges_and_systems(tmp_path: Path) -> None:
    issues = IssueLog()
    a = read_run(write_run(tmp_path / "a", t1_rows([(1, 3, 5)], judge="j1") + t1_rows([(3, 3, 3)], judge="j2"),
                           system="S1"), "a", issues)
    b = read_run(write_run(tmp_path / "b", t1_rows([(5, 5, 5)], judge="j1"), system="S2"), "a", issues)
    sources = judge_sources([a, b], issues)
    assert [s.name for s in sources] == ["a:j1", "a:j2"]
    assert sources[0].systems() == ["S1", "S2"] and sources[1].systems() == ["S1"]
    same = read_run(write_run(tmp_path / "c", t1_rows([(5, 5, 5)], judge="j1"), system="S1"), "a", issues)
    judge_sources([a, same], issues)
    assert issues.errors[-1].code == "duplicate_system"


def test_repeats_keep_the_first_as_the_score(tmp_path: Path) -> None:
    rows = t1_rows([(5, 5, 5)], repeat=1) + t1_rows([(1, 1, 1)], repeat=0) + t1_rows([(3, 3, 3)], repeat=2)
    issues = IssueLog()
    (source,) = judge_sources([read_run(write_run(tmp_path / "r", rows), "r", issues)], issues)
    (unit,) = [u for u in source.scores if u[1] == "Added_Value"]
    assert source.scores[unit] == 1.0
    assert source.ratings[unit] == {"repeat 1": 5, "repeat 0": 1, "repeat 2": 3}
    again = rows + t1_rows([(5, 5, 5)], repeat=0)
    (source,) = judge_sources([read_run(write_run(tmp_path / "r2", again), "r2", issues)], issues)
    assert source.duplicate_judgments == 1 and source.scores[unit] == 1.0


def test_human_source_needs_a_system_when_there_are_several() -> None:
    ratings = [HumanRating("en", "T1", "d1", "Added_Value", r, s) for r, s in (("a", 1), ("b", 3), ("c", 3))]
    issues = IssueLog()
    source = human_source(ratings, ["S1"], issues)
    (unit,) = source.scores
    assert unit[0].system == "S1" and source.scores[unit] == 7 / 3
    assert human_source(ratings, ["S1", "S2"], issues) is None
    assert issues.errors[0].code == "ambiguous_system" and issues.errors[0].field == "system"


def test_labels() -> None:
    assert source_label("qwen=runs/x", set()) == ("qwen", Path("runs/x"))
    label, _ = source_label("runs/a/out", set())
    assert label == "out"
    assert source_label("runs/b/out", {"out"})[0] == "b/out"


def test_scales_from_rubric_or_inferred() -> None:
    resolved, notes = resolve_scales({("T1", "Added_Value"): {1, 5}, ("T9", "x"): {1, 3, 5}, ("T9", "y"): {2, 5}})
    assert resolved[("T1", "Added_Value")].scale.values == (1, 3, 5) and resolved[("T1", "Added_Value")].origin == "rubric"
    assert resolved[("T9", "x")].scale.values == (1, 3, 5) and resolved[("T9", "x")].origin == "inferred"
    assert resolved[("T9", "y")].scale.values == (2, 3, 4, 5)
    assert any("T9.x -> {1, 3, 5}" in note for note in notes)
    assert infer_scale([4]).values == (4,) and infer_scale([1, 2, 5]).values == (1, 2, 3, 4, 5)
    assert infer_scale([1, 5]).values == (1, 3, 5) and infer_scale([1, 3, 5]).step() == 2
    assert [nearest_on_scale(v, Scale((1, 3, 5))) for v in (1.9, 2.0, 2.1, 4.0, 6)] == [1, 3, 3, 5, 5]
