"""emotion2vec through the real funasr.AutoModel path, on a tiny random checkpoint built in tmp_path."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest

from humdial_eval.benchmark.emotions import EMOTIONS
from humdial_eval.benchmark.items import EvalItem
from humdial_eval.benchmark.judgment import Judgment
from humdial_eval.engine.profiles import ProfileError
from humdial_eval.judges.acoustic import Emotion2vecJudge
from humdial_eval.judges.acoustic.emotion2vec import Emotion2vecSpec
from humdial_eval.judges.acoustic.emotion_map import EmpathyTargets, TargetsError, congruence_score, map_distribution
from humdial_eval.judges.acoustic.pool import Job
from humdial_eval.tasks.empathy import EmpathyTask
from humdial_eval.tasks.generation import GenerationTask
from tests.judges.acoustic.signals import EXAMPLE_SPEECH, silence, tone, write_wav


def item(audio: Path | None, user_emotion: str = "sad", user_audio: Path | None = None, task: str = "T3") -> EvalItem:
    return EvalItem(task, "en", f"d-{audio.name if audio else 'none'}", 2, (), "My dog died.", user_emotion,
                    "I'm so sorry.", response_audio=audio, user_audio=user_audio)


def judge_all(judge: Emotion2vecJudge, items: list[EvalItem], task=None) -> list[Judgment]:  # type: ignore[no-untyped-def]
    task = task or EmpathyTask()

    async def run() -> list[Judgment]:
        try:
            return await asyncio.gather(*(judge.judge(i, task) for i in items))
        finally:
            await judge.aclose()

    return asyncio.run(run())


def test_tiny_checkpoint_loads_and_gives_a_distribution(emotion2vec_dir: Path, tmp_path: Path) -> None:
    spec = Emotion2vecSpec(model=str(emotion2vec_dir), max_seconds=300)
    analyser = spec.build()
    response = write_wav(tmp_path / "r.wav", tone(220, 1.0))
    outcome = analyser.analyse([Job("k", response, "en", user_audio=response)])[0]
    assert outcome.error is None
    probs = outcome.meta["emotion_distribution"]
    assert set(probs) == set(EMOTIONS)
    assert sum(probs.values()) == pytest.approx(1.0, abs=1e-5)
    assert 0.0 < outcome.meta["unmapped_prob"] < 1.0  # "other" and "<unk>" carry some mass in a random model
    assert outcome.measures["user_similarity"] == pytest.approx(1.0, abs=1e-6)  # same file both sides


def test_judge_measures_congruence_and_leaves_d2_alone_by_default(happy_emotion2vec_dir: Path, tmp_path: Path) -> None:
    judge = Emotion2vecJudge("e2v", {"model_dir": str(happy_emotion2vec_dir), "workers": 0})
    assert judge.dimensions(EmpathyTask()) == ()
    (result,) = judge_all(judge, [item(write_wav(tmp_path / "r.wav", tone(220, 1.0)), "sad")])
    assert result.status == "ok", result.error
    assert result.meta["recognised_emotion"] == "happy"
    assert result.measures["p_happy"] > 0.99
    # happy clashes with a sad user in the default table
    assert result.measures["clash"] > 0.99 and result.measures["congruent"] == 0.0
    assert result.scores == {}


def test_opt_in_scores_d2_from_the_fit_table(happy_emotion2vec_dir: Path, tmp_path: Path) -> None:
    audio = write_wav(tmp_path / "r.wav", tone(220, 1.0))
    judge = Emotion2vecJudge("e2v", {"model_dir": str(happy_emotion2vec_dir), "workers": 0, "score_dimensions": True})
    sad, happy = judge_all(judge, [item(audio, "sad"), item(tmp_path / "r.wav", "happy")])
    assert sad.scores == {"vocal_empathy_congruence": 1}
    assert happy.scores == {"vocal_empathy_congruence": 5}
    custom = Emotion2vecJudge("e2v", {"model_dir": str(happy_emotion2vec_dir), "workers": 0, "score_dimensions": True,
                                      "empathy_targets": {"sad": {"fit": ["happy"], "clash": ["anger"]}}})
    (result,) = judge_all(custom, [item(audio, "sad")])
    assert result.scores == {"vocal_empathy_congruence": 5}


def test_bad_files_fail_alone_and_silence_is_measured(emotion2vec_dir: Path, tmp_path: Path) -> None:
    good = write_wav(tmp_path / "good.wav", tone(220, 1.0))
    silent = write_wav(tmp_path / "silent.wav", silence(1.0))
    clipped = write_wav(tmp_path / "clipped.wav", (tone(220, 1.0, 3.0)).clip(-1, 1))
    corrupt = tmp_path / "corrupt.wav"
    corrupt.write_bytes(b"RIFF....WAVEjunk" * 4)
    short = write_wav(tmp_path / "short.wav", tone(220, 0.05))
    judge = Emotion2vecJudge("e2v", {"model_dir": str(emotion2vec_dir), "workers": 0, "batch_size": 8})
    results = judge_all(judge, [item(p) for p in (good, silent, clipped, corrupt, short)] + [item(None)])
    by_name = dict(zip(["good", "silent", "clipped", "corrupt", "short", "none"], results))
    for name in ("good", "silent", "clipped"):
        assert by_name[name].status == "ok", by_name[name].error
        assert sum(by_name[name].meta["emotion_distribution"].values()) == pytest.approx(1.0, abs=1e-5)
    assert by_name["corrupt"].status == "failed" and "corrupt.wav" in by_name["corrupt"].error
    assert by_name["short"].status == "failed" and "too short" in by_name["short"].error
    assert by_name["none"].status == "ok" and by_name["none"].measures == {}


def test_t5_items_get_a_recognised_emotion_without_congruence(happy_emotion2vec_dir: Path) -> None:
    judge = Emotion2vecJudge("e2v", {"model_dir": str(happy_emotion2vec_dir), "workers": 0})
    (result,) = judge_all(judge, [item(EXAMPLE_SPEECH, task="T5")], GenerationTask())
    assert result.meta["recognised_emotion"] == "happy"
    assert "congruence" not in result.measures


def test_model_that_cannot_load_fails_each_item(tmp_path: Path, emotion2vec_dir: Path) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(emotion2vec_dir, broken)
    (broken / "model.pt").write_bytes(b"not a checkpoint")
    judge = Emotion2vecJudge("e2v", {"model_dir": str(broken), "workers": 0})
    (result,) = judge_all(judge, [item(EXAMPLE_SPEECH)])
    assert result.status == "failed" and "cannot load the analyser" in result.error


def test_profile_errors_are_clear(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HUMDIAL_EMOTION2VEC_DIR", raising=False)
    with pytest.raises(ProfileError, match="environment variable that is not set"):
        Emotion2vecJudge("e2v", {"model_dir": "$HUMDIAL_EMOTION2VEC_DIR"})
    with pytest.raises(ProfileError, match="no config.yaml"):
        Emotion2vecJudge("e2v", {"model_dir": str(tmp_path)})
    with pytest.raises(ProfileError, match="set model_dir"):
        Emotion2vecJudge("e2v", {})
    with pytest.raises(ProfileError, match="unknown setting"):
        Emotion2vecJudge("e2v", {"model": "x", "modle_dir": "typo"})
    with pytest.raises(ProfileError, match="workers must be an integer"):
        Emotion2vecJudge("e2v", {"model": "x", "workers": "many"})
    with pytest.raises(ProfileError, match="unknown emotion label 'cheerful'"):
        Emotion2vecJudge("e2v", {"model": "x", "empathy_targets": {"sad": {"fit": ["cheerful"]}}})


def test_label_mapping_and_renormalisation() -> None:
    labels = ["生气/angry", "厌恶/disgusted", "恐惧/fearful", "开心/happy", "中立/neutral", "其他/other", "难过/sad",
              "吃惊/surprised", "<unk>"]
    scores = [0.1, 0.0, 0.0, 0.3, 0.2, 0.35, 0.05, 0.0, 0.0]
    distribution = map_distribution(labels, scores)
    assert distribution.unmapped == pytest.approx(0.35)
    assert distribution.probs["happy"] == pytest.approx(0.3 / 0.65)
    assert distribution.probs["anger"] == pytest.approx(0.1 / 0.65)
    assert distribution.top == "happy" and distribution.model_top == "其他/other"


def test_fit_table_and_score() -> None:
    targets = EmpathyTargets.from_settings(None)
    assert set(targets.fit) == set(EMOTIONS)
    for user in EMOTIONS:
        assert not set(targets.fit[user]) & set(targets.clash[user])
    assert congruence_score(1.0, 0.0) == 5.0
    assert congruence_score(0.0, 1.0) == 1.0
    assert congruence_score(0.0, 0.0) == 3.0
    with pytest.raises(TargetsError, match="both fits and clashes"):
        EmpathyTargets.from_settings({"sad": {"fit": ["happy"]}})  # happy already clashes with sad


def test_loading_and_inference_keep_the_workers_thread_count(emotion2vec_dir: Path, tmp_path: Path) -> None:
    """FunASR sets torch's thread count to its own ``ncpu`` (4 by default) on load and before every
    ``generate``; the analyser must keep the count the worker pool chose for its share of the cores."""
    import torch

    before = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        analyser = Emotion2vecSpec(model=str(emotion2vec_dir), max_seconds=300).build()
        assert torch.get_num_threads() == 1
        (outcome,) = analyser.analyse([Job("k", write_wav(tmp_path / "r.wav", tone(220, 1.0)), "en")])
        assert outcome.error is None
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)


def test_batching_and_thread_settings(emotion2vec_dir: Path) -> None:
    judge = Emotion2vecJudge("e2v", {"model_dir": str(emotion2vec_dir), "threads": 1, "max_batch_seconds": 30})
    assert judge.threads == 1 and judge.spec().max_batch_seconds == 30.0
    default = Emotion2vecJudge("e2v", {"model_dir": str(emotion2vec_dir)})
    assert default.threads is None and default.spec().max_batch_seconds is None
    assert Emotion2vecSpec(model=str(emotion2vec_dir), max_seconds=300).build().limits is None  # CPU: one at a time
    for bad in ({"threads": 0}, {"threads": "two"}, {"max_batch_seconds": -1}, {"max_batch_seconds": "lots"}):
        with pytest.raises(ProfileError, match=next(iter(bad))):
            Emotion2vecJudge("e2v", {"model_dir": str(emotion2vec_dir), **bad})
