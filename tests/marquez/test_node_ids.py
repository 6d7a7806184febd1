"""NodeId grammar: Marquez's parsing of plain ids, and a lossless round trip for every id Lily emits."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lily.api.marquez_ids import (
    NodeId,
    NodeIdError,
    dataset_id,
    field_id,
    format_node_id,
    job_id,
    parse_node_id,
)


@pytest.mark.parametrize(("value", "parts"), [
    ("dataset:namespace:commonDataset", ("namespace", "commonDataset")),
    # Marquez's own heuristic: a ':' followed by '//' or a digit belongs to the namespace URI.
    ("dataset:postgres://db.prod:5432:shop.public.users", ("postgres://db.prod:5432", "shop.public.users")),
    ("dataset:s3://delta-arc-lake:exports/users", ("s3://delta-arc-lake", "exports/users")),
    ("dataset:file:/tmp/cll_test/tbl1", ("file", "/tmp/cll_test/tbl1")),
    ("dataset:hdfs://dataproc-producer-test-m:/user/hive/warehouse/t2",
     ("hdfs://dataproc-producer-test-m", "/user/hive/warehouse/t2")),
    ("job:airflow:BQ.upload", ("airflow", "BQ.upload")),
    ("job:airflow:dag:task", ("airflow", "dag:task")),  # the rest of the id is the name
    ("datasetField:postgres://localhost:5432:dbt_test.main.stg_orders:customer_id",
     ("postgres://localhost:5432", "dbt_test.main.stg_orders", "customer_id")),
])
def test_plain_marquez_ids_parse_like_marquez(value: str, parts: tuple[str, ...]) -> None:
    node = parse_node_id(value)
    assert node.parts == parts and node.version is None
    assert format_node_id(node) == value  # unambiguous ids are emitted in the plain form


def test_version_suffix() -> None:
    version = uuid.uuid4()
    node = parse_node_id(f"dataset:postgres://h:5432:db.t#{version}")
    assert node.parts == ("postgres://h:5432", "db.t") and node.version == version
    assert format_node_id(node) == f"dataset:postgres://h:5432:db.t#{version}"


@pytest.mark.parametrize("value", ["", "table:ns:x", "dataset", "dataset:only-one-part", "datasetField:ns:ds",
                                   "run:not-a-uuid", "dataset:postgres://h:5432:123abc"])
def test_malformed_ids_are_refused(value: str) -> None:
    with pytest.raises(NodeIdError):
        parse_node_id(value)


def test_ambiguous_parts_are_percent_encoded_and_round_trip() -> None:
    # Plain, this would split as namespace "a", name "b:c": Lily encodes instead of guessing.
    assert dataset_id("a:b", "c") == "dataset:a%3Ab:c"
    assert parse_node_id(dataset_id("a:b", "c")).parts == ("a:b", "c")
    # A name starting with a digit right after a port cannot be split the Marquez way.
    assert parse_node_id(dataset_id("postgres://h:5432", "123abc")).parts == ("postgres://h:5432", "123abc")
    assert parse_node_id(field_id("ns", "t#1", "50%")).parts == ("ns", "t#1", "50%")
    assert job_id("airflow", "BQ.upload") == "job:airflow:BQ.upload"


parts = st.text(min_size=1, max_size=30)
namespaces = st.one_of(parts, st.builds(lambda h, p: f"postgres://{h}:{p}", st.from_regex(r"[a-z][a-z.-]{0,10}",
                                                                                           fullmatch=True),
                                         st.integers(1, 65535)),
                       st.builds(lambda b: f"s3://{b}", parts))


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(["dataset", "job"]), namespaces, parts, st.none() | st.uuids())
def test_format_then_parse_round_trips(kind: str, namespace: str, name: str, version: uuid.UUID | None) -> None:
    node = NodeId(kind, (namespace, name), version)
    assert parse_node_id(format_node_id(node)) == node


@settings(max_examples=300, deadline=None)
@given(namespaces, parts, parts)
def test_field_ids_round_trip(namespace: str, dataset: str, field: str) -> None:
    node = NodeId("datasetField", (namespace, dataset, field))
    assert parse_node_id(format_node_id(node)) == node
