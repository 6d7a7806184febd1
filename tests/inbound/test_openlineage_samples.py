"""Every real OpenLineage sample parses into the operations it should."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from lily.inbound.sources import openlineage
from lily.model import (
    AddClassification,
    AddLineage,
    AssetRef,
    AssetType,
    DeleteAsset,
    RecordQuality,
    RecordRun,
    RenameAsset,
    RunState,
    TransformationType,
    UpsertAsset,
)
from tests.inbound.samples import TEMPLATED, openlineage_events, openlineage_sample_names

PG = "postgres://localhost:5432"


def ops_of(name: str, index: int = 0) -> list[Any]:
    return openlineage.parse(openlineage_events(name)[index])


def of_type(ops: list[Any], kind: type) -> list[Any]:
    return [op for op in ops if isinstance(op, kind)]


def upsert(ops: list[Any], namespace: str, name: str) -> UpsertAsset:
    found = [op for op in of_type(ops, UpsertAsset) if op.ref == AssetRef(namespace=namespace, name=name)]
    assert len(found) == 1, f"expected one upsert of {namespace}/{name}"
    return found[0]


def col(namespace: str, name: str, field: str) -> AssetRef:
    return AssetRef(namespace=namespace, name=name, field=field)


@pytest.mark.parametrize("name", openlineage_sample_names())
def test_every_sample_parses_into_a_job_or_dataset(name: str) -> None:
    for event in openlineage_events(name):
        ops = openlineage.parse(event)
        assert ops, name
        assert isinstance(ops[0], UpsertAsset)
        # Idempotency keys are stable and distinct per event.
        assert openlineage.idempotency_key(event) == openlineage.idempotency_key(
            dict(reversed(event.items()))
        )


def test_sample_directory_is_complete() -> None:
    assert len(openlineage_sample_names()) == 14


def test_dbt_model_column_lineage_edges() -> None:
    ops = ops_of("dbt_model_complete_columnlineage.json")
    job = AssetRef(namespace="dbt", name="dbt_test.main.openlineage_compatibility_test.customer_analytics")
    out = "dbt_test.main.customer_analytics"
    column_edges = {(e.source, e.target) for e in of_type(ops, AddLineage) if e.target.is_column}
    assert column_edges == {
        (col(PG, "dbt_test.main.stg_orders", "completed_amount"), col(PG, out, "avg_order_value")),
        (col(PG, "dbt_test.main.stg_customers", "customer_id"), col(PG, out, "customer_id")),
        (col(PG, "dbt_test.main.stg_customers", "customer_name"), col(PG, out, "customer_name")),
        (col(PG, "dbt_test.main.stg_customers", "email"), col(PG, out, "email")),
        (col(PG, "dbt_test.main.stg_orders", "order_date"), col(PG, out, "last_order_date")),
        (col(PG, "dbt_test.main.stg_customers", "segment"), col(PG, out, "segment")),
        (col(PG, "dbt_test.main.stg_orders", "order_id"), col(PG, out, "total_orders")),
        (col(PG, "dbt_test.main.stg_orders", "completed_amount"), col(PG, out, "total_revenue")),
        (col(PG, "dbt_test.main.stg_customers", "value_tier"), col(PG, out, "value_tier")),
    }
    run_id = "019a977e-cd5e-71fb-a982-ec11b80e5b01"
    for edge in of_type(ops, AddLineage):
        assert edge.job == job and edge.run_id == run_id
        assert edge.transformation_type is TransformationType.DIRECT and not edge.masking
    dataset_edges = {
        (e.source.name, e.target.name) for e in of_type(ops, AddLineage) if not e.target.is_column
    }
    assert dataset_edges == {("dbt_test.main.stg_customers", out), ("dbt_test.main.stg_orders", out)}

    output = upsert(ops, PG, out)
    assert output.type is AssetType.DATASET
    assert output.description == "Customer analytics with aggregated metrics"
    assert [(c.name, c.description) for c in output.columns or []] == [
        ("customer_id", "Unique customer identifier"),
        ("total_revenue", "Total completed revenue per customer"),
    ]
    assert output.replace_columns is True
    assert {"columnLineage", "dataSource", "documentation", "schema"} <= set(output.facets)
    assert output.attributes["last_output_facets"]["outputStatistics"]["rowCount"] == 5
    # Inputs never drop columns: a reader may only see a projection.
    assert upsert(ops, PG, "dbt_test.main.stg_orders").replace_columns is False

    job_op = upsert(ops, "dbt", job.name)
    assert job_op.type is AssetType.JOB
    assert job_op.parent == AssetRef(namespace="dbt", name="dbt-run-openlineage_compatibility_test")
    assert job_op.facets["sql"]["dialect"] == "postgres"
    (run,) = of_type(ops, RecordRun)
    assert run.state is RunState.COMPLETED and run.event_type == "COMPLETE"
    assert run.parent_run_id == "019a977e-6c3f-7b18-a638-05655c338077"
    assert run.inputs == [
        AssetRef(namespace=PG, name="dbt_test.main.stg_customers"),
        AssetRef(namespace=PG, name="dbt_test.main.stg_orders"),
    ]
    assert run.outputs == [AssetRef(namespace=PG, name=out)]
    assert run.event_time == datetime(2025, 11, 18, 15, 4, 20, 125206, tzinfo=UTC)
    # A run's tags describe the run (client version), not an asset: no classification.
    assert not of_type(ops, AddClassification)
    assert "tags" in run.facets


def test_spark_ctas_symlinks_lifecycle_and_transformations() -> None:
    ops = ops_of("spark_ctas_complete_columnlineage_symlinks.json")
    output = upsert(ops, "file", "/tmp/cll_test/tbl1")
    assert output.attributes["symlinks"] == [
        {"namespace": "file:/tmp/cll_test", "name": "default.tbl1", "type": "TABLE"}
    ]
    assert "symlinks" in output.facets
    assert output.facets["lifecycleStateChange"]["lifecycleStateChange"] == "CREATE"
    assert not of_type(ops, DeleteAsset) and not of_type(ops, RenameAsset)  # CREATE is no rename/drop
    source = upsert(ops, "file", "/tmp/cll_test/cll_source1")
    assert source.attributes["symlinks"][0]["name"] == "default.cll_source1"
    assert [(c.name, c.data_type, c.ordinal) for c in source.columns or []] == [
        ("a", "integer", 1),
        ("b", "string", 2),
    ]

    edges = {(e.source, e.target): e for e in of_type(ops, AddLineage) if e.target.is_column}
    s1, s2, out = "/tmp/cll_test/cll_source1", "/tmp/cll_test/cll_source2", "/tmp/cll_test/tbl1"
    assert len(edges) == 10
    ident = edges[(col("file", s1, "a"), col("file", out, "ident"))]
    assert ident.transformation_type is TransformationType.DIRECT
    assert ident.transformation_subtype == "IDENTITY"
    group_by = edges[(col("file", s1, "b"), col("file", out, "ident"))]
    assert group_by.transformation_type is TransformationType.INDIRECT
    assert group_by.transformation_subtype == "GROUP_BY"
    join = edges[(col("file", s2, "a"), col("file", out, "agg"))]
    assert (join.transformation_type, join.transformation_subtype) == (
        TransformationType.INDIRECT,
        "JOIN,FILTER",
    )
    agg = edges[(col("file", s2, "c"), col("file", out, "agg"))]
    assert (agg.transformation_type, agg.transformation_subtype) == (TransformationType.DIRECT, "AGGREGATION")
    trans = edges[(col("file", s1, "b"), col("file", out, "trans"))]
    assert (trans.transformation_type, trans.transformation_subtype) == (
        TransformationType.DIRECT,
        "TRANSFORMATION",
    )
    run = of_type(ops, RecordRun)[0]
    assert run.parent_run_id == "019127de-fd25-7707-bfa4-3ec02693a531"
    assert "spark.logicalPlan" in run.facets  # unknown custom facets are kept


def test_airflow_task_deprecated_transformation_type_and_parent() -> None:
    ops = ops_of("airflow_bq_task_complete_parent_columnlineage.json")
    column_edges = [e for e in of_type(ops, AddLineage) if e.target.is_column]
    assert len(column_edges) == 8  # 4 columns x 2 input files
    for edge in column_edges:
        # Deprecated field-level transformationType IDENTITY with empty per-input transformations.
        assert edge.transformation_type is TransformationType.DIRECT
        assert edge.transformation_subtype == "IDENTITY"
        assert edge.description == "identical"
        assert edge.source.field == edge.target.field
    job = upsert(ops, "airflow", "BQ.upload")
    assert job.parent == AssetRef(namespace="airflow", name="BQ")
    assert of_type(ops, RecordRun)[0].parent_run_id == "01936893-9751-7a91-a2a0-a51101a3970c"


def test_airflow_dag_start_ownership() -> None:
    ops = ops_of("airflow_dag_start.json")
    job = upsert(ops, "airflow", "BQ")
    assert [o.name for o in job.owners or []] == ["***"]
    assert job.parent is None
    (run,) = of_type(ops, RecordRun)
    assert run.state is RunState.RUNNING and run.event_type == "START"


def test_dbt_test_quality_assertions_counted_once() -> None:
    ops = ops_of("dbt_test_complete_dataquality_assertions.json")
    (quality,) = of_type(ops, RecordQuality)
    assert quality.ref == AssetRef(namespace=PG, name="dbt_test.main.customer_analytics")
    assert [a["assertion"] for a in quality.assertions] == [
        "not_null_customer_analytics_customer_id",
        "not_null_customer_analytics_total_revenue",
        "unique_customer_analytics_customer_id",
    ]
    assert all(a["success"] for a in quality.assertions)
    assert quality.run_id == "019a977f-3b76-72d4-bec4-6af410d814b4"


def test_marquez_full_facets() -> None:
    ops = ops_of("marquez_test_run_event_full_facets.json")
    (quality,) = of_type(ops, RecordQuality)
    assert quality.metrics == {"rowCount": 1000, "bytes": 1048576}
    assert quality.assertions[1] == {"assertion": "no_null_values", "success": True, "column": "id"}
    job = upsert(ops, "my-scheduler-namespace", "myjob.mytask")
    assert job.description == "string"
    assert {"additionalProp1", "additionalProp2", "additionalProp3", "sql", "jobType"} <= set(job.facets)
    # Input and output are the same table: no self-edge.
    assert not of_type(ops, AddLineage)
    (run,) = of_type(ops, RecordRun)
    assert run.parent_run_id == "3f5e83fa-3480-44ff-99c5-ff943904e5e8"


def test_spark_serde_lenient_facets_and_metrics() -> None:
    ops = ops_of("spark_serde_event_errormessage_parent_root.json")
    (quality,) = of_type(ops, RecordQuality)
    assert quality.ref == AssetRef(namespace="ins", name="input")
    assert quality.metrics["columnMetrics"]["mycol"]["nullCount"] == 1
    job = upsert(ops, "namespace", "jobName")
    assert job.description == "test documentation"
    (run,) = of_type(ops, RecordRun)
    assert run.parent_run_id is None  # the parent facet has a job and a root but no run
    assert run.facets["errorMessage"]["message"] == "failed"
    assert run.facets["parent"]["root"]["run"]["runId"] == "5f24c93c-1a1a-49dc-82e7-95ab4915242f"
    assert [(e.source.name, e.target.name) for e in of_type(ops, AddLineage)] == [("input", "output")]


def test_dataset_event() -> None:
    event = openlineage_events("marquez_test_dataset_event.json")[0]
    assert openlineage.classify(event) is openlineage.EventKind.DATASET
    (op,) = openlineage.parse(event)
    assert op.ref == AssetRef(namespace="my-dataset-namespace", name="my-dataset-name")
    assert [(c.name, c.data_type, c.description) for c in op.columns or []] == [
        ("col_a", "VARCHAR", "string")
    ]


def test_job_event_with_event_type_is_still_a_job_event() -> None:
    event = openlineage_events("marquez_test_job_event.json")[0]
    assert openlineage.classify(event) is openlineage.EventKind.JOB
    ops = openlineage.parse(event)
    assert not of_type(ops, RecordRun)
    (edge,) = of_type(ops, AddLineage)
    assert (edge.source.name, edge.target.name, edge.run_id) == (
        "instance.schema.input-1",
        "instance.schema.output-1",
        None,
    )
    assert (
        upsert(ops, "my-datasource-namespace", "instance.schema.output-1").description
        == "output documentation"
    )


def test_python_client_job_event_naive_time() -> None:
    event = openlineage_events("python_client_job_event.json")[0]
    assert openlineage.classify(event) is openlineage.EventKind.JOB
    ops = openlineage.parse(event)
    assert upsert(ops, "openlineage", "dataset_b").columns[0].name == "a"  # type: ignore[index]


def test_required_only_naive_no_event_type() -> None:
    ops = ops_of("marquez_test_required_only_no_timezone_no_eventtype.json")
    (run,) = of_type(ops, RecordRun)
    assert run.state is RunState.RUNNING and run.event_type is None
    assert run.event_time == datetime(2020, 12, 28, 19, 51, 1, 641499, tzinfo=UTC)


def test_templated_dbt_failure_sequence() -> None:
    events = openlineage_events(TEMPLATED)
    assert len(events) == 8
    runs = [of_type(openlineage.parse(e), RecordRun)[0] for e in events]
    assert [r.event_type for r in runs] == ["START"] * 3 + ["COMPLETE", "START"] + ["FAIL"] * 3
    assert [r.state for r in runs] == [RunState.RUNNING] * 3 + [RunState.COMPLETED, RunState.RUNNING] + [
        RunState.FAILED
    ] * 3
    failed = runs[-2]
    assert failed.facets["errorMessage"]["programmingLanguage"] == "sql"
    assert failed.parent_run_id == events[-2]["run"]["facets"]["parent"]["run"]["runId"]
    ops = openlineage.parse(events[1])
    # "_deleted": null does not delete a facet.
    assert upsert(ops, "dbt-test-namespace", "model.jaffle_shop.orders").deleted_facets == []
    orders = upsert(ops, "postgres://postgres:5432", "postgres.public.orders")
    assert len(orders.columns or []) == 9
    assert {e.source.name for e in of_type(ops, AddLineage)} == {
        "postgres.public.stg_orders",
        "postgres.public.stg_payments",
    }


def test_dataproc_insert() -> None:
    ops = ops_of("spark_dataproc_insert_complete.json")
    t2 = upsert(ops, "hdfs://dataproc-producer-test-m", "/user/hive/warehouse/t2")
    assert t2.attributes["symlinks"] == [
        {"namespace": "hive://dataproc-producer-test-m:9083", "name": "default.t2", "type": "TABLE"}
    ]
    assert {(e.source.field, e.target.field) for e in of_type(ops, AddLineage)} == {
        ("a", "a"),
        ("b", "b"),
        ("", ""),
    }
