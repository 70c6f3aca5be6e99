"""The acoustic worker pool: analyses run without autograd, and torch threads fit the worker count."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from humdial_eval.judges.acoustic.pool import BatchPool, Job, Outcome, run_batch, threads_per_worker


@pytest.mark.parametrize("workers, cores, expected", [(1, 2, 2), (2, 2, 1), (4, 2, 1), (0, 8, 8), (3, 8, 2), (1, 1, 1)])
def test_threads_share_the_cores_among_the_workers(workers: int, cores: int, expected: int) -> None:
    assert threads_per_worker(workers, cores) == expected
    assert max(1, workers) * threads_per_worker(workers, cores) <= max(cores, max(1, workers))


class _Recorder:
    def analyse(self, jobs: Sequence[Job]) -> list[Outcome]:
        import torch

        grad = torch.ones(2, requires_grad=True) * 2
        return [Outcome(measures={"inference_mode": float(torch.is_inference_mode_enabled()),
                                  "tracks_grad": float(grad.requires_grad)}) for _ in jobs]


@dataclass(frozen=True)
class _RecorderSpec:
    name: str = "recorder"

    def build(self) -> _Recorder:
        return _Recorder()


def test_an_analysis_runs_in_inference_mode(tmp_path: Path) -> None:
    pytest.importorskip("torch")
    jobs = [Job(key=str(i), audio=tmp_path / f"{i}.wav", language="en") for i in range(3)]
    outcomes = run_batch(_RecorderSpec(), jobs)
    assert [o.measures for o in outcomes] == [{"inference_mode": 1.0, "tracks_grad": 0.0}] * 3

    async def through_the_pool() -> Outcome:
        pool = BatchPool(_RecorderSpec("pooled"), workers=0, batch_size=2)
        try:
            return await pool.submit(jobs[0])
        finally:
            await pool.aclose()

    assert asyncio.run(through_the_pool()).measures["inference_mode"] == 1.0


class _Threads:
    def analyse(self, jobs: Sequence[Job]) -> list[Outcome]:
        import torch

        return [Outcome(measures={"threads": float(torch.get_num_threads())}) for _ in jobs]


@dataclass(frozen=True)
class _ThreadsSpec:
    def build(self) -> _Threads:
        return _Threads()


@pytest.mark.parametrize("threads, expected", [(None, threads_per_worker(1)), (1, 1), (3, 3)])
def test_worker_processes_run_with_the_threads_asked_for(tmp_path: Path, threads: int | None, expected: int) -> None:
    pytest.importorskip("torch")

    async def run() -> Outcome:
        pool = BatchPool(_ThreadsSpec(), workers=1, batch_size=1, threads=threads)
        try:
            return await pool.submit(Job(key="k", audio=tmp_path / "a.wav", language="en"))
        finally:
            await pool.aclose()

    assert asyncio.run(run()).measures == {"threads": float(expected)}
