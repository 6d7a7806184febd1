"""Pipelines inside a Lily process: background execution for the API and the scheduler.

A ``PipelineService`` owns one runner over the deployment's lake, wired to the store (SQL run
records, catalog sink). Work is queued, not run in the request: ``submit`` records each day as a
QUEUED run (so the caller gets run ids at once) and hands the days to one worker thread. Jobs run
one after another — the lake is one directory and ingest moves files out of ``raw/`` — while a
backfill job runs its days ``parallel`` at a time inside that worker.

The lake belongs to one tenant (``LILY_PIPELINE_TENANT``, default ``default``): its catalog
events and run records are written there, and other tenants do not see the pipeline at all.
The heavy engine modules (DuckDB, Delta, Ibis) are imported on first use, not at startup.

Beside the built-in ``logs``, the service runs the pipelines a ``DeclaredPipelines`` port offers
(``lily.medallion`` plugs its pipeline files in from above: this layer never imports it). A
declared pipeline's runner is built from its file at each submit, so an edited file is picked up.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, Protocol

from lily.observability import log
from lily.pipelines.engines import DuckDBEngine, Engine
from lily.pipelines.lake import Lake
from lily.pipelines.runs import RunRecord, RunRecorder, latest_run
from lily.pipelines.sinks import LineageSink
from lily.pipelines.sql_recorder import SqlRunRecorder
from lily.store import Store

if TYPE_CHECKING:
    from lily.pipelines.runner import PipelineRunner

PIPELINES = ("logs",)


class Finished(Protocol):
    process_date: date


class Runner(Protocol):
    """What the service asks of a runner (``PipelineRunner`` and a declared pipeline's)."""

    recorder: RunRecorder
    lineage: LineageSink | None

    def queue(self, process_date: date, *, trigger: str = ...) -> RunRecord: ...

    def run(self, process_date: date, *, trigger: str = ...) -> Finished: ...

    def run_days(self, days: list[date], *, max_workers: int = ..., trigger: str = ...,
                 on_done: Callable[[Any], None] | None = ...) -> Sequence[Finished]: ...


class DeclaredPipelines(Protocol):
    """Pipelines declared outside this package (files), offered to the service."""

    def names(self) -> Collection[str]: ...

    def runner(self, name: str, *, store: Store, lake: Lake, tenant_id: str, clock: Callable[[], datetime],
               lineage: LineageSink | None, threads: int | None) -> Runner:
        """A runner of ``name``; ``ValueError`` when its file is not valid."""
        ...

    def schedules(self, default: str | None) -> Mapping[str, str]:
        """Name -> cron of the pipelines to schedule (``default`` for those that name none)."""
        ...


def utcnow() -> datetime:
    return datetime.now(UTC)


class PipelineService:
    def __init__(self, store: Store, lake: Lake, *, tenant_id: str = "default",
                 clock: Callable[[], datetime] = utcnow, lineage: LineageSink | None = None,
                 threads: int | None = None, declared: DeclaredPipelines | None = None,
                 engine: Engine | None = None) -> None:
        self.store = store
        self.engine = engine or DuckDBEngine()
        self.lake = lake
        self.tenant_id = tenant_id
        self.clock = clock
        self.threads = threads
        self.declared = declared
        self._lineage = lineage
        self._runners: dict[str, PipelineRunner] = {}
        self._lock = threading.Lock()
        self._active: set[tuple[str, date]] = set()  # queued or running in this process
        self._jobs: set[Future[None]] = set()
        self._executor: ThreadPoolExecutor | None = None
        self._closed = False

    # -- what exists ------------------------------------------------------------------------
    def serves(self, tenant_id: str, pipeline: str) -> bool:
        """Whether ``tenant_id`` has a pipeline called ``pipeline`` (unknown ones are 404s)."""
        if tenant_id != self.tenant_id:
            return False
        return pipeline in PIPELINES or (self.declared is not None and pipeline in self.declared.names())

    def recorder(self) -> SqlRunRecorder:
        return SqlRunRecorder(self.store, self.tenant_id)

    @property
    def lineage(self) -> LineageSink | None:
        return self._lineage

    @lineage.setter
    def lineage(self, sink: LineageSink | None) -> None:
        with self._lock:
            self._lineage = sink
            for runner in self._runners.values():
                runner.lineage = sink

    def runner(self, pipeline: str) -> Runner:
        with self._lock:
            return self._runner(pipeline)

    def _runner(self, pipeline: str) -> Runner:
        if pipeline not in PIPELINES:
            if self.declared is None or pipeline not in self.declared.names():
                raise KeyError(pipeline)
            self.lake.ensure()
            return self.declared.runner(pipeline, store=self.store, lake=self.lake, tenant_id=self.tenant_id,
                                        clock=self.clock, lineage=self._lineage, threads=self.threads)
        if pipeline not in self._runners:
            from lily.pipelines.wiring import store_runner

            self.lake.ensure()
            self._runners[pipeline] = store_runner(self.store, self.lake, tenant_id=self.tenant_id,
                                                   clock=self.clock, pipeline=pipeline, lineage=self._lineage,
                                                   threads=self.threads, engine=self.engine)
        return self._runners[pipeline]

    # -- work -------------------------------------------------------------------------------
    def submit(self, pipeline: str, days: list[date], *, trigger: str, parallel: int = 1) -> list[RunRecord]:
        """Queue ``days`` and return their run records (QUEUED, or the run already queued or
        running in this process for a day that was submitted before and has not finished)."""
        with self._lock:
            if self._closed:
                raise RuntimeError("pipeline service is closed")
            runner = self._runner(pipeline)
            records: list[RunRecord] = []
            fresh: list[date] = []
            for day in sorted(set(days)):
                if (pipeline, day) in self._active:
                    current = latest_run(runner.recorder, pipeline, day)
                    if current is not None:
                        records.append(current)
                        continue
                records.append(runner.queue(day, trigger=trigger))
                self._active.add((pipeline, day))
                fresh.append(day)
            if fresh:
                if self._executor is None:
                    self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="lily-pipelines")
                job = self._executor.submit(self._execute, runner, pipeline, fresh, trigger, parallel)
                self._jobs.add(job)
                job.add_done_callback(self._jobs.discard)
        return records

    def _execute(self, runner: Runner, pipeline: str, days: list[date], trigger: str,
                 parallel: int) -> None:
        def done(record: Finished) -> None:
            with self._lock:
                self._active.discard((pipeline, record.process_date))

        try:
            if trigger == "backfill":
                runner.run_days(days, max_workers=parallel, trigger=trigger, on_done=done)
            else:
                # Scheduled catch-up and manual runs go day by day, oldest first, each picking
                # up days reopened by late files.
                for day in days:
                    done(runner.run(day, trigger=trigger))
        except Exception:
            # Run records stay QUEUED/RUNNING; the next submit of those days resumes them.
            log.exception("pipeline_job_failed", pipeline=pipeline, days=[d.isoformat() for d in days])
        finally:
            with self._lock:
                self._active.difference_update((pipeline, d) for d in days)

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until every submitted job has finished (tests, shutdown). False on timeout."""
        with self._lock:
            jobs = list(self._jobs)
        deadline = None if timeout is None else time.monotonic() + timeout
        for job in jobs:
            remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
            try:
                job.result(timeout=remaining)
            except TimeoutError:
                return False
        return True

    # -- lifecycle (a background service of ``lily serve``) ---------------------------------
    def start(self) -> None:
        """Accept work (again, after a ``stop``); the worker thread is created by the first submit."""
        with self._lock:
            self._closed = False

    def stop(self) -> None:
        """Finish the running job and drop queued ones: their QUEUED records are resumed by the
        next submit of those days."""
        with self._lock:
            self._closed = True
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)
        with self._lock:
            self._active.clear()


__all__ = ["PIPELINES", "DeclaredPipelines", "PipelineService", "Runner", "utcnow"]
