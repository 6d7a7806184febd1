"""A declared pipeline's runner wired into Lily, as the log pipeline's ``store_runner``: run records
in the store, the run's catalog operations applied through the apply path (actor
``pipeline:<name>``, the run id as correlation id), OpenLineage to a sink when one is given.
Shared by the CLI, the API and the demo so they all record and publish the same way."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from lily.anonymize import KeyRing
from lily.medallion.compute import Compute, DuckDBCompute
from lily.medallion.runner import MedallionRunner, RunnerConfig
from lily.medallion.validate import Pipeline
from lily.pipelines.lake import Lake
from lily.pipelines.sinks import LineageSink
from lily.pipelines.sql_recorder import SqlRunRecorder
from lily.pipelines.store_sink import StoreMetadataSink
from lily.store import Store


def store_runner(pipeline: Pipeline, store: Store, lake: Lake, *, tenant_id: str, clock: Callable[[], datetime],
                 keys: KeyRing, lineage: LineageSink | None = None, threads: int | None = None,
                 engine: Compute | None = None) -> MedallionRunner:
    config = RunnerConfig(lake, threads=threads, engine=engine or DuckDBCompute())
    return MedallionRunner(pipeline, config, recorder=SqlRunRecorder(store, tenant_id),
                           clock=clock, keys=keys, lineage=lineage,
                           metadata=StoreMetadataSink(store, tenant_id, pipeline=pipeline.name))


__all__ = ["store_runner"]
