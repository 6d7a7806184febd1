"""Choosing the engine: by name from the settings, one module per engine."""

from __future__ import annotations

from pathlib import Path

import pytest

from lily.pipelines.engines import DuckDBEngine, engine_named
from lily.pipelines.serving import build
from lily.pipelines.spark_engine import SparkEngine
from lily.settings import Settings
from lily.store import Store


def test_engines_are_chosen_by_name() -> None:
    assert engine_named("duckdb") == DuckDBEngine() == engine_named("DuckDB")
    assert engine_named("spark", spark_master="local[2]") == SparkEngine("local[2]")  # no session started yet
    with pytest.raises(ValueError, match="one of duckdb, spark"):
        engine_named("flink")


def test_the_served_pipelines_use_the_configured_engine_and_lake(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, engine="spark", spark_master="local[1]", lake_url=str(tmp_path / "elsewhere"))
    store = Store.from_url(settings.resolved_database_url)
    try:
        service, _ = build(settings, store, has_endpoint=lambda: False)
        assert service.engine == SparkEngine("local[1]")
        assert service.lake.root == (tmp_path / "elsewhere").resolve()
    finally:
        store.dispose()
