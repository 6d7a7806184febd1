"""Build a runner wired into Lily: run records in the store, catalog events applied to the store,
OpenLineage events to an endpoint when one is configured. Shared by the CLI, the API and the
scheduler so they all record and publish the same way."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from lily.pipelines.engines import DuckDBEngine, Engine
from lily.pipelines.lake import Lake
from lily.pipelines.runner import PipelineConfig, PipelineRunner
from lily.pipelines.sinks import HttpLineageSink, LineageSink
from lily.pipelines.sql_recorder import SqlRunRecorder
from lily.pipelines.store_sink import StoreMetadataSink
from lily.store import Store


def store_runner(store: Store, lake: Lake, *, tenant_id: str, clock: Callable[[], datetime],
                 pipeline: str = "logs", lineage: LineageSink | None = None,
                 threads: int | None = None, engine: Engine | None = None) -> PipelineRunner:
    return PipelineRunner(
        PipelineConfig(lake, pipeline=pipeline, threads=threads, engine=engine or DuckDBEngine()),
        recorder=SqlRunRecorder(store, tenant_id),
        clock=clock,
        lineage=lineage,
        metadata=StoreMetadataSink(store, tenant_id, pipeline=pipeline),
    )


def http_lineage(url: str | None, api_key: str | None) -> LineageSink | None:
    """OpenLineage over HTTP to ``<url>/api/v1/lineage`` when a URL is configured."""
    return HttpLineageSink(url, api_key) if url else None
