"""Runs a declared pipeline for one process date: every dataset through bronze and silver, then
gold, ML-ready and retention, recording each step.

The runner is the only place that reads time, through the injected ``clock``: the run's start is
bronze's ``ingestion_timestamp`` and the data files' modification time, so a frozen clock gives the
same files. Each call of ``run`` is a new attempt (run id = UUIDv5 of pipeline, date and attempt):
it ingests the source again, so a re-run after the input was fixed sees the fixed input. A dataset
whose source fails or whose partition is quarantined fails the run with the reason; the others
still go through, and gold and ML steps that need an unpublished relation are skipped.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

import duckdb

from lily.anonymize import KeyRing
from lily.medallion import engine, lineage, openlineage
from lily.medallion.catalog import catalog_operations
from lily.medallion.compute import Compute, DuckDBCompute
from lily.medallion.context import Context
from lily.medallion.dataset_step import run_bronze, run_silver
from lily.medallion.describe import run_tables
from lily.medallion.gold_sql import SqlError
from lily.medallion.gold_step import run_gold
from lily.medallion.layout import Layout
from lily.medallion.ml_step import run_ml
from lily.medallion.results import DatasetRef, DatasetRun, Decision, GoldRun, MlRun, PipelineRun
from lily.medallion.retention import apply_retention
from lily.medallion.silver import SchemaMismatch
from lily.medallion.sources import FILE_NO, SourceError, source_identity
from lily.medallion.tables import SchemaDrift
from lily.medallion.validate import Pipeline
from lily.observability import log
from lily.pipelines.delta import row_count
from lily.pipelines.lake import Lake
from lily.pipelines.openlineage import run_event, run_id_for
from lily.pipelines.runs import RunRecord, RunRecorder, State, StepRecord, latest_run
from lily.pipelines.sinks import LineageSink, MetadataSink
from lily.quality import QualityError

# Failures a pipeline file or its input explains: reported as they are, without a traceback.
EXPECTED = (SourceError, SchemaMismatch, SchemaDrift, SqlError, QualityError)


def date_range(start: date, end: date) -> list[date]:
    if end < start:
        raise ValueError("the range ends before it starts")
    return [start + timedelta(days=k) for k in range((end - start).days + 1)]


@dataclass(frozen=True)
class RunnerConfig:
    lake: Lake
    lake_namespace: str | None = None  # default file://<lake root>
    threads: int | None = None  # DuckDB threads per run (None: DuckDB's default)
    env: Mapping[str, str] | None = None  # where source URLs are looked up (None: the process environment)
    engine: Compute = field(default_factory=DuckDBCompute)  # where silver's de-duplication and gold SQL run (LILY_ENGINE)

    @property
    def namespace(self) -> str:
        return self.lake_namespace or self.lake.namespace()


@dataclass
class _Outcome:
    rows_in: int = 0
    rows_out: int = 0
    rows_rejected: int = 0
    details: dict[str, Any] = field(default_factory=dict)
    error: str | None = None  # a failure that is an answer, not an exception (a quarantine)


class MedallionRunner:
    """``lineage``: where each step's OpenLineage START/COMPLETE/FAIL goes; ``metadata``: where the
    run's catalog operations go (``lily.medallion.catalog``), as a last ``catalog`` step. Without
    them the run writes the lake and its run records only."""

    def __init__(self, pipeline: Pipeline, config: RunnerConfig, *, recorder: RunRecorder,
                 clock: Callable[[], datetime], keys: KeyRing, lineage: LineageSink | None = None,
                 metadata: MetadataSink | None = None) -> None:
        self.pipeline = pipeline
        self.config = config
        self.recorder = recorder
        self.clock = clock
        self.keys = keys
        self.lineage = lineage
        self.metadata = metadata
        self.layout = Layout(config.lake, pipeline.name)
        self.lineage_failures = 0  # OpenLineage events that could not be delivered

    # -- runs ----------------------------------------------------------------------------------
    def queue(self, day: date, *, trigger: str = "manual") -> RunRecord:
        """Record the run the next ``run(day)`` will execute, as QUEUED (its id is known now)."""
        return self._open(day, trigger, State.QUEUED)

    def run(self, day: date, *, trigger: str = "manual", retention: bool = True) -> PipelineRun:
        record = self._open(day, trigger, State.RUNNING)
        con = engine.connect(self.config.threads)
        try:
            result = self._run(record, con, retention)
        finally:
            con.close()
        errors = [f"{s.step}: {s.error}" for s in self.recorder.steps(record.run_id) if s.state is State.FAILED]
        final = replace(record, state=State.FAILED if errors else State.SUCCEEDED, finished_at=self.clock(),
                        error="; ".join(errors) or None)
        self.recorder.save_run(final)
        result.run = final
        return result

    def backfill(self, start: date, end: date, *, trigger: str = "backfill",
                 on_done: Callable[[PipelineRun], None] | None = None) -> list[PipelineRun]:
        """Run every day of ``[start, end]`` in order; retention runs once, with the last day."""
        return self.run_days(date_range(start, end), trigger=trigger, on_done=on_done)

    def run_days(self, days: list[date], *, max_workers: int = 1, trigger: str = "backfill",
                 on_done: Callable[[PipelineRun], None] | None = None) -> list[PipelineRun]:
        """Run ``days`` oldest first, one at a time (a day's silver is the next day's reference:
        ``max_workers`` is accepted for the pipeline service's sake and ignored); retention runs
        once, with the last day."""
        del max_workers
        ordered = sorted(set(days))
        results = []
        for day in ordered:
            result = self.run(day, trigger=trigger, retention=day == ordered[-1])
            results.append(result)
            if on_done is not None:
                on_done(result)
        return results

    def _open(self, day: date, trigger: str, state: State) -> RunRecord:
        name = self.pipeline.name
        last = latest_run(self.recorder, name, day)
        if last is not None and last.state is State.QUEUED:
            if state is State.QUEUED:
                return last
            started = replace(last, state=state, started_at=self.clock())
            self.recorder.save_run(started)
            return started
        attempt = last.attempt + 1 if last else 1
        record = RunRecord(run_id_for(name, day, attempt), name, day, attempt, state, self.clock(), trigger=trigger)
        self.recorder.save_run(record)
        return record

    # -- steps ---------------------------------------------------------------------------------
    def _step(self, run: RunRecord, step: str, body: Callable[[], _Outcome], result: PipelineRun) -> _Outcome | None:
        started = self.clock()
        self.recorder.save_step(StepRecord(run.run_id, step, State.RUNNING, started))
        self._emit(step, run, result, "START", started)
        try:
            outcome = body()
        except EXPECTED as exc:
            self._failed(run, step, started, str(exc), result)
            return None
        except Exception as exc:
            log.exception("medallion_step_failed", pipeline=run.pipeline, step=step, run_id=run.run_id)
            self._failed(run, step, started, f"{type(exc).__name__}: {exc}", result)
            return None
        ended = result.ended[step] = self.clock()
        state = State.FAILED if outcome.error else State.SUCCEEDED
        self.recorder.save_step(StepRecord(run.run_id, step, state, started, ended, outcome.rows_in,
                                           outcome.rows_out, outcome.rows_rejected, outcome.error, outcome.details))
        self._emit(step, run, result, "FAIL" if outcome.error else "COMPLETE", ended, outcome.error)
        return outcome

    def _failed(self, run: RunRecord, step: str, started: datetime, error: str, result: PipelineRun) -> None:
        ended = result.ended[step] = self.clock()
        self.recorder.save_step(StepRecord(run.run_id, step, State.FAILED, started, ended, error=error))
        self._emit(step, run, result, "FAIL", ended, error)

    def _emit(self, step: str, run: RunRecord, result: PipelineRun, event_type: str, at: datetime,
              error: str | None = None) -> None:
        # Reported, not required (as for the log pipeline): a failed delivery is logged and counted,
        # never a failed run; the catalog step publishes the same datasets, lineage and results.
        if self.lineage is None:
            return
        try:
            step_run = openlineage.step_run(step, self.pipeline, self.layout, result, run,
                                            ended=event_type != "START")
            self.lineage.emit(run_event(step_run, event_type, at, error))
        except Exception as exc:
            self.lineage_failures += 1
            log.warning("medallion_lineage_emit_failed", pipeline=run.pipeline, step=step, event_type=event_type,
                        error=f"{type(exc).__name__}: {exc}")

    def _error(self, run: RunRecord, step: str) -> str | None:
        return next((s.error for s in self.recorder.steps(run.run_id) if s.step == step), None)

    def _skip(self, run: RunRecord, step: str, why: str) -> None:
        now = self.clock()
        self.recorder.save_step(StepRecord(run.run_id, step, State.SKIPPED, now, now, details={"why": why}))

    def _run(self, run: RunRecord, con: duckdb.DuckDBPyConnection, retention: bool) -> PipelineRun:
        cfg, spec = self.config, self.pipeline.spec
        ctx = Context(self.pipeline, self.layout, cfg.namespace, run.process_date, run.run_id, run.started_at,
                      self.keys, con, cfg.env, cfg.engine)
        result = PipelineRun(run, self.pipeline.name, run.process_date, cfg.namespace)
        published: dict[str, DatasetRef] = {}
        for name, ds in spec.datasets.items():
            namespace, source_name = source_identity(ds.source, lake_root=cfg.lake.root,
                                                     lake_namespace=cfg.namespace, env=cfg.env)
            out = result.datasets[name] = DatasetRun(name, DatasetRef(namespace, source_name))
            self._dataset(run, ctx, name, out, result, published)
        for name in spec.gold:
            self._gold(run, ctx, name, result, published)
        for name in spec.ml:
            self._ml(run, ctx, name, result, published)
        if retention:
            def do_retention() -> _Outcome:
                report = result.retention = apply_retention(self.layout, spec, run.process_date)
                return _Outcome(rows_out=report.files_removed, details=report.to_json())

            self._step(run, "retention", do_retention, result)
        if self.metadata is not None:
            self._step(run, "catalog", lambda: self._catalog(run, result), result)
        return result

    def _catalog(self, run: RunRecord, result: PipelineRun) -> _Outcome:
        assert self.metadata is not None
        tables = run_tables(self.pipeline, self.layout, result)
        counts = {t.ref.name: row_count(t.table) for t in tables if not t.held}
        ops = catalog_operations(self.pipeline, self.layout, result, row_counts=counts, ended=result.ended)
        self.metadata.publish(ops, run_id=run.run_id)
        kinds = Counter(op.op for op in ops)
        return _Outcome(rows_in=len(tables), rows_out=len(ops), details={"unit": "operations", **dict(sorted(kinds.items()))})

    def _gold(self, run: RunRecord, ctx: Context, name: str, result: PipelineRun,
              published: dict[str, DatasetRef]) -> None:
        compiled = self.pipeline.gold[name]
        g = result.gold[name] = GoldRun(name, compiled.to_sql("duckdb"))
        if missing := [r for r in compiled.relations if r not in published]:
            g.skipped = f"needs {', '.join(missing)}, not published by this run"
            self._skip(run, f"gold.{name}", g.skipped)
            return

        def do_gold() -> _Outcome:
            result.lineage.extend(run_gold(ctx, name, self.pipeline.spec.gold[name], compiled, g, published))
            details = {"sql": g.sql, "quality": _quality(g.quality), **_decision(g.decision, self.layout)}
            return _Outcome(rows_out=g.table.rows if g.table else 0, details=details, error=_held(g.decision))

        if self._step(run, f"gold.{name}", do_gold, result) is None:
            g.error = self._error(run, f"gold.{name}")
        if g.table is not None:
            published[f"gold.{name}"] = g.table.ref

    def _ml(self, run: RunRecord, ctx: Context, name: str, result: PipelineRun,
            published: dict[str, DatasetRef]) -> None:
        spec = self.pipeline.spec.ml[name]
        m = result.ml[name] = MlRun(name)
        if spec.source not in published:
            m.skipped = f"needs {spec.source}, not published by this run"
            self._skip(run, f"ml.{name}", m.skipped)
            return

        def do_ml() -> _Outcome:
            result.lineage.extend(run_ml(ctx, name, spec, m, published))
            manifest = self.layout.name(m.manifest_path) if m.manifest_path else None
            return _Outcome(rows_out=m.table.rows if m.table else 0,
                            details={"rows": m.manifest.get("rows"), "delta_version": m.manifest.get("delta_version"),
                                     "manifest": manifest})

        if self._step(run, f"ml.{name}", do_ml, result) is None:
            m.error = self._error(run, f"ml.{name}")

    def _dataset(self, run: RunRecord, ctx: Context, name: str, out: DatasetRun, result: PipelineRun,
                 published: dict[str, DatasetRef]) -> None:
        spec = self.pipeline.spec.datasets[name]
        ingested: list[Any] = []

        def do_bronze() -> _Outcome:
            batch, table = run_bronze(ctx, name, spec, out)
            ingested.extend((batch, table))
            assert out.bronze is not None
            columns = [c for c in batch.table.column_names if c != FILE_NO]
            result.lineage.extend(lineage.copied(out.source, out.bronze.ref, columns))
            return _Outcome(rows_in=table.num_rows + len(batch.malformed), rows_out=table.num_rows,
                            details={"files": [f.__dict__ for f in batch.files], "malformed_lines": len(batch.malformed),
                                     "delta_version": out.bronze.version})

        if self._step(run, f"bronze.{name}", do_bronze, result) is None:
            out.error = self._error(run, f"bronze.{name}")
            self._skip(run, f"silver.{name}", "bronze failed")
            return

        def do_silver() -> _Outcome:
            batch, table = ingested
            result.lineage.extend(run_silver(ctx, name, spec, batch, table, out))
            return _Outcome(out.rows_in, out.silver.rows if out.silver else 0, out.rows_rejected,
                            _silver_details(out, self.layout), _held(out.decision))

        if self._step(run, f"silver.{name}", do_silver, result) is None:
            out.error = self._error(run, f"silver.{name}")
        if out.silver is not None:
            published[f"silver.{name}"] = out.silver.ref


def _held(decision: Decision | None) -> str | None:
    """The step's error when its partition was quarantined."""
    if decision is None or decision.published:
        return None
    return f"quarantined: {decision.reason}"


def _quality(reports: Mapping[str, Any]) -> dict[str, Any]:
    return {layer: {"passed": r.passed, "scores": r.scores, "failed": [x.name for x in r.results if x.status == "fail"],
                    "warned": [x.name for x in r.results if x.status == "warn"]} for layer, r in reports.items()}


def _decision(decision: Decision | None, layout: Layout) -> dict[str, Any]:
    if decision is None:
        return {}
    return {"published": decision.published, "reason": decision.reason,
            "quarantine": layout.name(decision.quarantine) if decision.quarantine else None,
            "resolved": layout.name(decision.resolved) if decision.resolved else None}


def _silver_details(out: DatasetRun, layout: Layout) -> dict[str, Any]:
    return {
        "duplicates": out.duplicates,
        "unknown_columns": list(out.unknown_columns),
        "missing_columns": list(out.missing_columns),
        "reject_reasons": out.reject_reasons,
        "detected": [{"column": d.name, "entity": d.entity, "confidence": round(d.confidence, 4)}
                     for d in out.detections if d.entity],
        "anonymized": [{"column": t.column, "operator": t.operator.operator, "entity": t.entity, "origin": t.origin}
                       for t in out.anonymized],
        "unprotected": list(out.unprotected),
        "quality": _quality(out.quality),
        **_decision(out.decision, layout),
    }
