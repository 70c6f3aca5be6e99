"""Prompt hashes remembered beside the store: the same cache keys as rendering, and a miss on any change."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from humdial_eval.engine.registry import task_class
from humdial_eval.benchmark.rubric import Dimension
from humdial_eval.judges.llm import prompt_memo
from humdial_eval.judges.llm.base import LLMJudge
from humdial_eval.judges.llm.prompt_memo import PromptMemo
from humdial_eval.judges.llm.samples import sample_item
from tests.conftest import Dataset
from tests.judges.llm.fake_server import FakeJudgeServer
from tests.judges.llm.helpers import FAST, make_judge
from tests.judges.llm.test_score_with_llm import items, score


def new_judge(tmp_path: Path, **settings: object) -> LLMJudge:
    profile = tmp_path / "judge.yaml"  # keys only: no request is made
    profile.write_text(yaml.safe_dump({"backend": "openai", "model": "m", "audio": False,
                                       "base_url": "http://127.0.0.1:9/v1", **FAST, **settings}), encoding="utf-8")
    return make_judge(profile)


def keys(judge: LLMJudge, task_ids: tuple[str, ...] = ("T1", "T2", "T3")) -> list[str]:
    return [judge.cache_key(sample_item(t), task_class(t)()) for t in task_ids]


def test_keys_from_the_memo_are_the_rendered_keys(tmp_path: Path) -> None:
    store = tmp_path / "store.sqlite"
    rendered = keys(new_judge(tmp_path))
    first = new_judge(tmp_path)
    first.keep_beside(store)
    assert keys(first) == rendered
    first._shared.prompt_memo.save()  # type: ignore[union-attr]
    assert len(json.loads(Path(f"{store}.prompts.json").read_text())["entries"]) == 3
    second = new_judge(tmp_path)
    second.keep_beside(store)
    second.prompts.render = None  # type: ignore[assignment, method-assign]  # a hit must not render
    second._render = None  # type: ignore[assignment, method-assign]
    assert keys(second) == rendered


def memo_with_one_item(tmp_path: Path) -> tuple[Path, str]:
    store = tmp_path / "store.sqlite"
    judge = new_judge(tmp_path)
    judge.keep_beside(store)
    (key,) = keys(judge, ("T1",))
    judge._shared.prompt_memo.save()  # type: ignore[union-attr]
    return store, key


def key_with_memo(tmp_path: Path, store: Path, item: object = None, task: object = None, **settings: object) -> str:
    judge = new_judge(tmp_path, **settings)
    judge.keep_beside(store)
    return judge.cache_key(item or sample_item("T1"), task or task_class("T1")())  # type: ignore[arg-type]


def test_a_changed_reply_misses(tmp_path: Path) -> None:
    store, key = memo_with_one_item(tmp_path)
    changed = replace(sample_item("T1"), response_text=sample_item("T1").response_text + " ")
    assert key_with_memo(tmp_path, store, changed) == keys_rendered(tmp_path, changed) != key


def test_a_changed_history_turn_misses(tmp_path: Path) -> None:
    store, key = memo_with_one_item(tmp_path)
    item = sample_item("T1")
    turns = (replace(item.context[0], emotion="sad"), *item.context[1:])
    changed = replace(item, context=turns)
    assert key_with_memo(tmp_path, store, changed) == keys_rendered(tmp_path, changed) != key


def test_a_changed_template_misses(tmp_path: Path) -> None:
    store, key = memo_with_one_item(tmp_path)
    judge = new_judge(tmp_path)
    shipped = judge.prompts.template("T1")
    assert shipped is not None
    edited = tmp_path / "T1.j2"
    edited.write_text(shipped.source.replace("impartial rater", "impartial  rater"), encoding="utf-8")
    judge.use_prompt_files({"T1": edited})
    judge.keep_beside(store)
    fresh = new_judge(tmp_path)
    fresh.use_prompt_files({"T1": edited})
    assert judge.cache_key(sample_item("T1"), task_class("T1")()) == keys(fresh, ("T1",))[0] != key


def test_a_changed_rubric_misses(tmp_path: Path) -> None:
    store, key = memo_with_one_item(tmp_path)
    task = task_class("T1")()
    first = task.rubric.dimensions[0]
    reworded = Dimension(first.key, first.name, first.scale, first.description + " More.", dict(first.levels))
    task.rubric = replace(task.rubric, dimensions=(reworded, *task.rubric.dimensions[1:]))
    fresh = new_judge(tmp_path).cache_key(sample_item("T1"), task)
    assert key_with_memo(tmp_path, store, task=task) == fresh != key


def test_changed_code_misses(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The salt holds the source of prompting.py (and of the rubric's module): an edit there is a miss."""
    store, key = memo_with_one_item(tmp_path)
    item_key = PromptMemo.key("t", {"dimensions": task_class("T1")().rubric.dimensions, "x": "y"})
    original = prompt_memo._source

    def edited(path: str) -> bytes:
        return original(path) + (b"# edited" if path.endswith("prompting.py") else b"")

    prompt_memo.code_salt.cache_clear()
    monkeypatch.setattr(prompt_memo, "_source", edited)
    try:
        assert PromptMemo.key("t", {"dimensions": task_class("T1")().rubric.dimensions, "x": "y"}) != item_key
        assert key_with_memo(tmp_path, store) == key  # a miss renders: the key itself is the same
    finally:
        prompt_memo.code_salt.cache_clear()


def test_values_that_could_hide_their_content_are_not_memoised() -> None:
    class Shown(str):
        def __str__(self) -> str:
            return "something else"

    assert PromptMemo.key("t", {"response_text": Shown("same")}) is None
    assert PromptMemo.key("t", {"response_text": "same"}) is not None
    assert PromptMemo.key("t", {"a": (1, 2)}) != PromptMemo.key("t", {"a": [1, 2]})
    assert PromptMemo.key("t", {"a": {1: "x"}}) != PromptMemo.key("t", {"a": {"1": "x"}})


def test_a_damaged_or_foreign_memo_is_empty(tmp_path: Path) -> None:
    store, key = memo_with_one_item(tmp_path)
    memo_file = Path(f"{store}.prompts.json")
    data = json.loads(memo_file.read_text())
    data["entries"] = {k: "0" * 64 for k in data["entries"]}  # a wrong hash would give a wrong key...
    data["schema"] = "someone-else/1"  # ...but a foreign file is not read
    memo_file.write_text(json.dumps(data))
    assert key_with_memo(tmp_path, store) == key
    memo_file.write_text("{not json")
    assert key_with_memo(tmp_path, store) == key


def keys_rendered(tmp_path: Path, item: object) -> str:
    return new_judge(tmp_path).cache_key(item, task_class("T1")())  # type: ignore[arg-type]


def test_score_keeps_the_memo_and_a_rescore_asks_nothing(dataset: Dataset, tmp_path: Path, server: FakeJudgeServer,
                                                          profile) -> None:  # type: ignore[no-untyped-def]
    judge = profile(server)
    store = tmp_path / "store.sqlite"
    assert score(dataset, tmp_path / "a", judge, "--cache", str(store)) == 0
    assert len(json.loads(Path(f"{store}.prompts.json").read_text())["entries"]) == 6
    assert score(dataset, tmp_path / "b", judge, "--cache", str(store)) == 0
    assert len(server.calls) == 6
    assert [(line["scores"], line["meta"]) for line in items(tmp_path / "a")] == \
        [(line["scores"], line["meta"]) for line in items(tmp_path / "b")]
    assert score(dataset, tmp_path / "c", judge, "--no-cache") == 0  # no store, no memo: asked again
    assert len(server.calls) == 12
    assert (tmp_path / "b" / "summary.json").read_text() == (tmp_path / "c" / "summary.json").read_text()
