"""Batched, parallel analysis for the acoustic judges.

The runner asks a judge about one item at a time, with up to ``judge.concurrency`` questions in
flight. An acoustic judge does better with batches spread over processes: the :class:`BatchPool`
gathers the concurrent questions into batches of ``batch_size`` (or whatever arrived within
``linger_s``), hands each batch to a worker process, and answers each question when its batch is done.
Every worker builds its analyser (model, VAD) once and keeps it, keyed by the analyser's spec, and
analyses under ``torch.inference_mode`` with the cores shared out among the workers as torch threads
(``threads`` overrides the share: fewer on a machine busy with other work).

``workers = 0`` runs the batches on one thread of this process: the same code path, without the
start-up cost of processes (tests, tiny runs). Workers are started with ``spawn``: forking a process
that already holds torch threads is not safe.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import multiprocessing
import os
from collections.abc import Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol


@dataclass(frozen=True)
class Job:
    """One item to analyse: the response audio and what the analyser may need besides."""

    key: str
    audio: Path
    language: str
    user_audio: Path | None = None
    text: str = ""
    context: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)


@dataclass
class Outcome:
    """Measures and notes for one job, or the reason it failed."""

    measures: dict[str, float] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


class Analyser(Protocol):
    def analyse(self, jobs: Sequence[Job]) -> list[Outcome]: ...


class AnalyserSpec(Protocol):
    """A picklable, hashable description of an analyser; ``build`` runs in the worker."""

    def build(self) -> Analyser: ...


_ANALYSERS: dict[Any, Analyser | BaseException] = {}


def run_batch(spec: AnalyserSpec, jobs: Sequence[Job]) -> list[Outcome]:
    """Worker entry: analyse a batch with this process's analyser for ``spec`` (built on first use)."""
    analyser = _ANALYSERS.get(spec)
    if analyser is None:
        try:
            with quiet_stdout():
                analyser = spec.build()
        except Exception as exc:  # a model that cannot be loaded fails every item, with the reason
            analyser = exc
        _ANALYSERS[spec] = analyser
    if isinstance(analyser, BaseException):
        return [Outcome(error=f"cannot load the analyser: {type(analyser).__name__}: {analyser}") for _ in jobs]
    with quiet_stdout(), inference_only():
        outcomes = analyser.analyse(jobs)
    if len(outcomes) != len(jobs):
        raise RuntimeError(f"analyser returned {len(outcomes)} outcomes for {len(jobs)} jobs")
    return outcomes


@contextlib.contextmanager
def quiet_stdout():  # type: ignore[no-untyped-def]
    """Keep FunASR's notices, progress prints and INFO/WARNING logs off the CLI's output."""
    previous = logging.root.manager.disable
    logging.disable(logging.WARNING)
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            yield
    finally:
        logging.disable(previous)


@contextlib.contextmanager
def inference_only():  # type: ignore[no-untyped-def]
    """``torch.inference_mode`` around an analysis: no autograd graph and no version counters for
    tensors that are never trained (the models here only infer); a no-op where torch is not installed."""
    try:
        import torch
    except ImportError:
        yield
        return
    with torch.inference_mode():
        yield


def threads_per_worker(workers: int, cores: int | None = None) -> int:
    """Torch threads for each of ``workers`` processes: the cores shared out, at least one each, so
    that workers x threads never oversubscribes the machine (oversubscribed BLAS threads spin and wait)."""
    available = cores if cores is not None else len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, (available or 1) // max(1, workers))


def _init_worker(threads: int) -> None:
    """Worker start-up: torch threads as :func:`threads_per_worker` shares them out, silent stdout."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.environ.setdefault("OMP_NUM_THREADS", str(threads))
    try:
        import torch

        torch.set_num_threads(threads)
    except ImportError:
        pass


class BatchPool:
    """Gathers concurrent ``submit`` calls into batches and runs them on worker processes."""

    def __init__(self, spec: AnalyserSpec, *, workers: int, batch_size: int, linger_s: float = 0.05,
                 threads: int | None = None) -> None:
        self.spec = spec
        self.workers = workers
        self.threads = threads  # torch threads per worker process; None: threads_per_worker(workers)
        self.batch_size = max(1, batch_size)
        self.linger_s = linger_s
        self._executor: Executor | None = None
        self._pending: list[tuple[Job, asyncio.Future[Outcome]]] = []
        self._timer: asyncio.TimerHandle | None = None
        self._running: set[asyncio.Task[None]] = set()

    @property
    def in_flight(self) -> int:
        """How many questions the runner should keep open so that every worker has a full batch."""
        return self.batch_size * max(1, self.workers) * 2

    async def submit(self, job: Job) -> Outcome:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Outcome] = loop.create_future()
        self._pending.append((job, future))
        if len(self._pending) >= self.batch_size:
            self._flush()
        elif self._timer is None:
            self._timer = loop.call_later(self.linger_s, self._flush)
        return await future

    def _flush(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        batch, self._pending = self._pending, []
        if batch:
            task = asyncio.get_running_loop().create_task(self._run(batch))
            self._running.add(task)
            task.add_done_callback(self._running.discard)

    async def _run(self, batch: list[tuple[Job, asyncio.Future[Outcome]]]) -> None:
        jobs = [job for job, _ in batch]
        try:
            outcomes = await asyncio.get_running_loop().run_in_executor(self._pool(), run_batch, self.spec, jobs)
        except BrokenProcessPool:
            self._discard_pool()
            outcomes = [Outcome(error="the worker process died while analysing this batch") for _ in jobs]
        except Exception as exc:
            outcomes = [Outcome(error=f"{type(exc).__name__}: {exc}") for _ in jobs]
        for (_, future), outcome in zip(batch, outcomes):
            if not future.done():
                future.set_result(outcome)

    def _pool(self) -> Executor:
        if self._executor is None:
            if self.workers <= 0:
                self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="acoustic")
            else:
                self._executor = ProcessPoolExecutor(
                    max_workers=self.workers,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_init_worker,
                    initargs=(self.threads or threads_per_worker(self.workers),),
                )
        return self._executor

    def _discard_pool(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None

    async def aclose(self) -> None:
        if self._running:
            await asyncio.gather(*self._running, return_exceptions=True)
        if self._executor is not None:
            executor, self._executor = self._executor, None
            await asyncio.get_running_loop().run_in_executor(None, executor.shutdown)
