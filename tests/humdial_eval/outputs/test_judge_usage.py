"""What the judges' servers reported, totalled: only sound numbers count, and a renamed model is caught."""

from __future__ import annotations

from typing import Any

from humdial_eval.benchmark.results import FLAG_CACHED, ItemResult
from humdial_eval.outputs.judge_usage import model_mismatches, served_models, usage_totals


def result(judge: str = "j", cached: bool = False, **meta: Any) -> ItemResult:
    return ItemResult("T1", "en", "d", 1, judge, "ok", flags=[FLAG_CACHED] if cached else [], meta=meta)


def test_usage_counts_sound_numbers_only_and_splits_what_was_reused() -> None:
    results = [
        result(usage={"prompt_tokens": 100, "completion_tokens": 20}),
        result(usage={"prompt_tokens": 50, "completion_tokens": 5}, cached=True),
        result(usage={"prompt_tokens": -3, "completion_tokens": True}),  # a hostile server's answer
        result(usage={"prompt_tokens": "9", "completion_tokens": 1.5}),
        result(usage=["not", "a", "mapping"]),
        result(),  # a judge that reports no usage (the offline judge)
        result("other"),
    ]
    assert usage_totals(results) == {"j": {"answers": 4, "prompt_tokens": 150, "completion_tokens": 25}}
    assert usage_totals(results, cached=False) == {"j": {"answers": 3, "prompt_tokens": 100, "completion_tokens": 20}}
    assert usage_totals(results, cached=True) == {"j": {"answers": 1, "prompt_tokens": 50, "completion_tokens": 5}}


def test_served_models_are_listed_and_a_different_one_is_a_mismatch() -> None:
    results = [result(served_model="m-2025"), result(served_model="m"), result(served_model=7), result("x")]
    assert served_models(results) == {"j": ["m", "m-2025"]}
    judges = [
        {"name": "j", "identity": {"model": "m"}, "served_models": ["m", "m-2025"]},  # the same model, dated
        {"name": "k", "identity": {"model": "Qwen3-Omni-30B-A3B-Instruct"}, "served_models": ["llama-3"]},
        {"name": "offline", "identity": {"backend": "offline-rubric"}},
    ]
    assert model_mismatches(judges) == [("k", "Qwen3-Omni-30B-A3B-Instruct", ["llama-3"])]
