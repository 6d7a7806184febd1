"""Declared pipelines on Spark (``LILY_ENGINE=spark``): silver's de-duplication and gold SQL run on
Spark, and the demo CRM gives the same silver, reject and gold rows — the same files — as on DuckDB."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pyarrow as pa
import pytest

from lily.medallion.compute import DuckDBCompute, compute_named
from lily.medallion.runner import MedallionRunner, RunnerConfig
from lily.medallion.spark_compute import spark_query
from lily.medallion.validate import load_pipeline
from lily.pipelines.delta import open_table, read_all
from lily.pipelines.lake import Lake
from lily.pipelines.runs import InMemoryRunRecorder
from tests.support.motoserver import MotoServer

from .conftest import CRM_YAML, D1, D2, KEYS, FrozenClock, demo, lake_for

TABLES = ("silver/crm/customers", "silver/crm/orders", "rejected/rows/crm/customers", "rejected/rows/crm/orders",
          "gold/crm/orders_per_segment_day", "gold/crm/customer_value", "ml/crm/customer_features")


def test_relations_become_spark_views_and_keep_their_aliases() -> None:
    sql = ("SELECT c.segment, count(*) AS n FROM silver.orders AS o JOIN silver.customers AS c "
           "ON o.customer_id = c.customer_id GROUP BY c.segment ORDER BY ALL")
    spark = spark_query(sql)
    assert "silver__orders AS o" in spark and "silver__customers AS c" in spark
    assert "silver.orders" not in spark and "ORDER BY ALL NULLS LAST" in spark  # DuckDB's null order kept
    plain = spark_query('SELECT "id" FROM __staged WHERE "__reason" IS NULL')
    assert plain == "SELECT `id` FROM __staged WHERE `__reason` IS NULL"


def test_an_unknown_engine_is_refused_with_the_known_ones() -> None:
    with pytest.raises(ValueError, match="one of duckdb, spark"):
        compute_named("flink")


def _run(lake: Lake, engine: object) -> dict[str, object]:
    lake.ensure()
    demo(lake, days=2)
    runner = MedallionRunner(load_pipeline(CRM_YAML), RunnerConfig(lake, threads=1, engine=engine),  # type: ignore[arg-type]
                             recorder=InMemoryRunRecorder(), clock=FrozenClock(), keys=KEYS)
    runs = [runner.run(d) for d in (D1, D2)]
    assert all(r.succeeded for r in runs), [r.error for r in runs]
    out: dict[str, object] = {}
    for key in TABLES:
        table = read_all(lake.table(key))
        assert table is not None and table.num_rows > 0, key
        out[key] = _sorted(table)
        # content-named data files: the same rows give the same file names
        actions = open_table(lake.table(key)).get_add_actions(flatten=True)
        out[f"{key} files"] = sorted(p.rsplit("/", 1)[-1] for p in actions.column("path").to_pylist())
    return out


def _sorted(table: pa.Table) -> list[dict[str, object]]:
    return sorted(table.to_pylist(), key=lambda r: repr(sorted(r.items())))


@pytest.mark.slow  # one Spark session (~10 s to start on two cores)
def test_spark_and_duckdb_give_the_same_silver_rejects_gold_and_ml(
        tmp_path: Path, request: pytest.FixtureRequest, moto: MotoServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """DuckDB on a directory lake, Spark on an S3 lake (moto): engines and lakes both vary."""
    pytest.importorskip("pyspark")
    from lily.medallion.spark_compute import SparkCompute

    on_spark: list[str] = []
    real = SparkCompute.select

    def spy(self: SparkCompute, con: object, sql: str, relations: object) -> pa.Table:
        on_spark.append(sql)
        return real(self, con, sql, relations)  # type: ignore[arg-type]

    monkeypatch.setattr(SparkCompute, "select", spy)
    duck = _run(lake_for("dir", request, tmp_path / "duckdb"), DuckDBCompute())
    assert on_spark == []
    spark = _run(lake_for("s3", request, tmp_path / "unused"), compute_named("spark", spark_master="local[1]"))
    # per day: each dataset's de-duplication and each gold table ran on Spark
    assert len(on_spark) == 2 * (2 + 2) and sum("row_number()" in q for q in on_spark) == 4
    for key in duck:
        assert spark[key] == duck[key], key
    assert date(2024, 1, 2) in {r["process_date"] for r in duck["gold/crm/customer_value"]}  # type: ignore[union-attr]
