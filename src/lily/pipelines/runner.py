"""Orchestration: ingest → normalize → aggregate → catalog for one ``process_date``.

The runner is the only place that reads time, through an injected ``clock``: it stamps records and
events, and hands the ingest timestamp and run id down to the steps. It records every run and step
through a ``RunRecorder``, emits OpenLineage START/COMPLETE/FAIL per step, resumes a failed run
(steps that already succeeded are skipped), reprocesses days reopened by late files, and runs
backfills over a date range with bounded parallelism.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

from lily.model import AssetRef, Owner
from lily.observability import log
from lily.pipelines import datasets as dsets
from lily.pipelines.catalog import catalog_events
from lily.pipelines.delta import row_count
from lily.pipelines.engines import DuckDBEngine, Engine
from lily.pipelines.formats import LogFormat
from lily.pipelines.ingest import ingest
from lily.pipelines.lake import Lake
from lily.pipelines.openlineage import Io, StepRun, count_assertions, run_event, run_id_for
from lily.pipelines.runs import RunRecord, RunRecorder, State, StepRecord, latest_run
from lily.pipelines.sinks import LineageSink, MetadataSink
from lily.pipelines.state import clear_reopened, mark_reopened, reopened_dates

STEPS = ("ingest", "normalize", "aggregate", "catalog")
ALL_FORMATS = [f.value for f in LogFormat]


def date_range(start: date, end: date) -> list[date]:
    """Every day of ``[start, end]``."""
    if end < start:
        raise ValueError("backfill end is before start")
    return [start + timedelta(days=k) for k in range((end - start).days + 1)]


@dataclass(frozen=True)
class PipelineConfig:
    lake: Lake
    pipeline: str = "logs"
    job_namespace: str = "lily"
    lake_namespace: str | None = None  # default: file://<lake root>
    max_file_span_days: int = 1
    owners: tuple[Owner, ...] = (Owner(name="platform-team", type="team"),)
    threads: int | None = None  # engine threads per step
    engine: Engine = field(default_factory=DuckDBEngine)  # where normalize and aggregate compute

    @property
    def namespace(self) -> str:
        return self.lake_namespace or self.lake.namespace()


@dataclass
class StepOutput:
    rows_in: int = 0
    rows_out: int = 0
    rows_rejected: int = 0
    details: dict[str, Any] = field(default_factory=dict)
    inputs: list[Io] = field(default_factory=list)
    outputs: list[Io] = field(default_factory=list)


def _plan(step: str) -> tuple[list[Io], list[Io]]:
    """Datasets a step is expected to touch, for its START event."""
    if step == "ingest":
        return [Io(dsets.RAW)], [Io(dsets.bronze(f)) for f in ALL_FORMATS]
    if step == "normalize":
        return ([Io(dsets.bronze(f)) for f in ALL_FORMATS],
                [Io(dsets.silver(ALL_FORMATS)), Io(dsets.rejected(ALL_FORMATS))])
    if step == "aggregate":
        return [Io(dsets.silver(ALL_FORMATS))], [Io(dsets.gold())]
    return [], []


class PipelineRunner:
    def __init__(
        self,
        config: PipelineConfig,
        *,
        recorder: RunRecorder,
        clock: Callable[[], datetime],
        lineage: LineageSink | None = None,
        metadata: MetadataSink | None = None,
    ) -> None:
        self.config = config
        self.recorder = recorder
        self.clock = clock
        self.lineage = lineage
        self.metadata = metadata
        # Ingest moves files out of raw/: one at a time even when backfill threads overlap.
        self._ingest_lock = threading.Lock()
        self._emit_lock = threading.Lock()
        self.lineage_failures = 0  # OpenLineage events that could not be delivered

    # -- one day -------------------------------------------------------------------------------
    def run(self, process_date: date, *, trigger: str = "manual", ingest: bool = True,
            include_reopened: bool = True) -> RunRecord:
        """Run (or resume) the pipeline for ``process_date``; then days reopened by late files."""
        record = self._run_one(process_date, trigger=trigger, with_ingest=ingest)
        if include_reopened and record.state is State.SUCCEEDED:
            for day in reopened_dates(self.config.lake):
                if day < process_date:
                    self._run_one(day, trigger="reopened", with_ingest=False)
        return record

    def backfill(self, start: date, end: date, *, max_workers: int = 2,
                 on_done: Callable[[RunRecord], None] | None = None) -> list[RunRecord]:
        """Run every day of ``[start, end]`` with at most ``max_workers`` days in flight."""
        return self.run_days(date_range(start, end), max_workers=max_workers, on_done=on_done)

    def run_days(self, days: list[date], *, max_workers: int = 2, trigger: str = "backfill",
                 on_done: Callable[[RunRecord], None] | None = None) -> list[RunRecord]:
        """Run (or resume) each of ``days`` with at most ``max_workers`` days in flight."""
        results: list[RunRecord] = []
        with ThreadPoolExecutor(max_workers=max(1, max_workers), thread_name_prefix="lily-backfill") as pool:
            futures = [pool.submit(self._run_one, day, trigger=trigger, with_ingest=True) for day in days]
            for future in as_completed(futures):
                record = future.result()
                results.append(record)
                if on_done is not None:
                    on_done(record)
        return sorted(results, key=lambda r: r.process_date)

    # -- internals -----------------------------------------------------------------------------
    def queue(self, process_date: date, *, trigger: str = "manual") -> RunRecord:
        """Record the run that the next ``run``/``run_days`` of ``process_date`` will execute, as
        QUEUED, so a caller (API, scheduler) knows its run id before a worker picks it up."""
        return self._open(process_date, trigger, State.QUEUED)

    def _begin(self, process_date: date, trigger: str) -> RunRecord:
        return self._open(process_date, trigger, State.RUNNING)

    def _open(self, process_date: date, trigger: str, state: State) -> RunRecord:
        cfg = self.config
        last = latest_run(self.recorder, cfg.pipeline, process_date)
        if last is not None and last.state is State.QUEUED:
            # The queued record is this run: it starts now, under the id it was queued with.
            if state is State.QUEUED:
                return last
            started = replace(last, state=State.RUNNING, started_at=self.clock())
            self.recorder.save_run(started)
            return started
        if last is not None and last.state in (State.FAILED, State.RUNNING):
            resumed = replace(last, state=state, finished_at=None, error=None)
            self.recorder.save_run(resumed)
            return resumed
        attempt = last.attempt + 1 if last else 1
        record = RunRecord(run_id_for(cfg.pipeline, process_date, attempt), cfg.pipeline, process_date,
                           attempt, state, self.clock(), trigger=trigger)
        self.recorder.save_run(record)
        return record

    def _run_one(self, process_date: date, *, trigger: str, with_ingest: bool) -> RunRecord:
        run = self._begin(process_date, trigger)
        done = {s.step for s in self.recorder.steps(run.run_id) if s.state in (State.SUCCEEDED, State.SKIPPED)}
        for step in STEPS:
            if step in done:
                continue
            if step == "ingest" and not with_ingest:
                now = self.clock()
                self.recorder.save_step(StepRecord(run.run_id, step, State.SKIPPED, now, now,
                                                   details={"why": "ingest not requested"}))
                continue
            error = self._step(run, step)
            if error is not None:
                failed = replace(run, state=State.FAILED, finished_at=self.clock(), error=f"{step}: {error}")
                self.recorder.save_run(failed)
                return failed
        finished = replace(run, state=State.SUCCEEDED, finished_at=self.clock())
        self.recorder.save_run(finished)
        return finished

    def _step(self, run: RunRecord, step: str) -> str | None:
        """Run one step, recording and emitting around it. Returns the error text on failure."""
        cfg = self.config
        started = self.clock()
        self.recorder.save_step(StepRecord(run.run_id, step, State.RUNNING, started))
        inputs, outputs = _plan(step)
        plan = StepRun(cfg.pipeline, step, run.process_date, run.attempt, cfg.job_namespace, cfg.namespace,
                       inputs, outputs)
        self._emit(run_event(plan, "START", started))
        try:
            out = self._execute(run, step, started)
        except Exception as exc:
            message = f"{type(exc).__name__}: {exc}"
            ended = self.clock()
            self.recorder.save_step(StepRecord(run.run_id, step, State.FAILED, started, ended, error=message))
            self._emit(run_event(plan, "FAIL", ended, error=message))
            return message
        ended = self.clock()
        self.recorder.save_step(StepRecord(run.run_id, step, State.SUCCEEDED, started, ended, out.rows_in,
                                           out.rows_out, out.rows_rejected, details=out.details))
        self._emit(run_event(replace(plan, inputs=out.inputs or inputs, outputs=out.outputs or outputs),
                             "COMPLETE", ended))
        return None

    def _emit(self, event: dict[str, Any]) -> None:
        # Lineage is reported, not required: like an OpenLineage client, a transport failure is
        # logged and counted but never fails the run (the data and run records are what matter;
        # the catalog sink publishes the same datasets and lineage).
        if self.lineage is None:
            return
        try:
            self.lineage.emit(event)
        except Exception as exc:
            with self._emit_lock:
                self.lineage_failures += 1
            log.warning("pipeline_lineage_emit_failed", run_id=event.get("run", {}).get("runId"),
                        event_type=event.get("eventType"), error=f"{type(exc).__name__}: {exc}")

    def _execute(self, run: RunRecord, step: str, started: datetime) -> StepOutput:
        cfg, day, span = self.config, run.process_date, self.config.max_file_span_days
        if step == "ingest":
            with self._ingest_lock:
                res = ingest(cfg.lake, ingest_ts=started, run_id=run.run_id, span=span)
            return StepOutput(
                res.files_in, len(res.routed), len(res.rejected),
                details={"unit": "files", "touched": sorted(d.isoformat() for d in res.touched),
                         "rejected": [{"file": r.original, "reason": r.reason, "detail": r.detail,
                                       "location": r.location} for r in res.rejected]},
                inputs=[Io(dsets.RAW, row_count=res.files_in)],
                outputs=[Io(dsets.bronze(f), row_count=sum(1 for r in res.routed if r.format == f))
                         for f in sorted({r.format for r in res.routed})],
            )
        if step == "normalize":
            clear_reopened(cfg.lake, day)
            try:
                res = cfg.engine.normalize(cfg.lake, day, span=span, threads=cfg.threads)
            except Exception:
                mark_reopened(cfg.lake, [day])
                raise
            formats = res.inputs or ALL_FORMATS
            assertions = count_assertions(res.records_in, res.records_out, res.records_rejected)
            return StepOutput(
                res.records_in, res.records_out, res.records_rejected,
                details={"unit": "records", "files_read": res.files_read, "reject_reasons": res.reject_reasons,
                         "rejected_files": [{"file": r.original, "reason": r.reason, "location": r.location}
                                            for r in res.files_rejected]},
                inputs=[Io(dsets.bronze(f), assertions=assertions) for f in formats],
                outputs=[Io(dsets.silver(formats), row_count=res.records_out),
                         Io(dsets.rejected(formats), row_count=res.records_rejected)],
            )
        if step == "aggregate":
            agg = cfg.engine.aggregate(cfg.lake, day, threads=cfg.threads)
            return StepOutput(agg.records_in, agg.rows_out, 0, details={"unit": "rows"},
                              inputs=[Io(dsets.silver(ALL_FORMATS), row_count=agg.records_in)],
                              outputs=[Io(dsets.gold(), row_count=agg.rows_out)])
        if step == "catalog":
            described = [dsets.RAW, *(dsets.bronze(f) for f in ALL_FORMATS), dsets.silver(ALL_FORMATS),
                         dsets.rejected(ALL_FORMATS), dsets.gold()]
            tables = {ds.name: cfg.lake.table(ds.name) for ds in described if ds.format == "delta"}
            counts = {name: row_count(table) for name, table in tables.items()}
            events = catalog_events(described, namespace=cfg.namespace, row_counts=counts, owners=cfg.owners,
                                    job=AssetRef(namespace=cfg.job_namespace, name=cfg.pipeline),
                                    run_id=run.run_id)
            if self.metadata is not None:
                self.metadata.publish(events, run_id=run.run_id)
            return StepOutput(len(described), len(events), 0, details={"unit": "metadata_events"})
        raise ValueError(f"unknown step {step!r}")

