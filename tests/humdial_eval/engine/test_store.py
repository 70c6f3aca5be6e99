"""Reading many judgments at once gives what reading them one by one gives."""

from __future__ import annotations

from pathlib import Path

from humdial_eval.engine import store as store_module
from humdial_eval.benchmark.judgment import Judgment
from humdial_eval.engine.store import JudgmentStore


def test_get_many_is_get_for_every_key(tmp_path: Path) -> None:
    store = JudgmentStore(tmp_path / "s.sqlite")
    try:
        for n in range(store_module.GET_CHUNK * 2 + 7):  # more keys than one query takes
            status = "failed" if n % 10 == 3 else "ok"
            store.put(f"k{n}", ("T1", "en", f"d{n}", 1), Judgment(judge="j", status=status, scores={"A": n % 5 + 1},
                                                                  measures={"m": float(n)}, meta={"n": n}))
        asked = [f"k{n}" for n in range(-5, store_module.GET_CHUNK * 2 + 12)] + ["k1", "k1"]
        found = store.get_many(asked)
        expected = {key: store.get(key) for key in asked}
        assert found == {key: judgment for key, judgment in expected.items() if judgment is not None}
        assert "k3" not in found and "k-1" not in found and found["k1"].meta == {"n": 1}  # failed and absent: left out
        assert store.get_many([]) == {}
    finally:
        store.close()
