"""Property-based checks of the invariants the apply stage relies on."""

from __future__ import annotations

import copy
import gzip
from typing import Any
from unittest import mock
from urllib.parse import quote_plus

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from lily.inbound.sources import openlineage, s3
from lily.inbound.sources._memo import Memo
from lily.inbound.sources.decode import read_body
from lily.model import AddLineage, AssetRef, RecordQuality, RecordRun, UpsertAsset

hex_seq = st.text(alphabet="0123456789ABCDEF", min_size=1, max_size=24)
names = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=30).filter(
    str.strip
)
json_scalars = st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(max_size=20)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
facets = st.dictionaries(st.text(min_size=1, max_size=20), json_values, max_size=5)
standard_facets = st.fixed_dictionaries(
    {},
    optional={
        "schema": json_values,
        "columnLineage": json_values,
        "tags": json_values,
        "ownership": json_values,
        "documentation": json_values,
        "symlinks": json_values,
        "lifecycleStateChange": json_values,
        "dataQualityMetrics": json_values,
    },
)


@given(key=st.text(min_size=1, max_size=40).filter(lambda k: k.strip()))
def test_s3_object_identity_uses_the_decoded_key(key: str) -> None:
    payload = {
        "Records": [
            {
                "eventVersion": "2.1",
                "eventName": "ObjectCreated:Put",
                "eventTime": "2024-01-01T00:00:00.000Z",
                "s3": {
                    "bucket": {"name": "b"},
                    "object": {"key": quote_plus(key, safe="/"), "sequencer": "01"},
                },
            }
        ]
    }
    _, obj = s3.parse(payload)
    assert obj.ref == AssetRef(namespace="s3://b", name=key)


@given(a=hex_seq, b=hex_seq, c=hex_seq)
def test_sequencer_order_is_total_and_transitive(a: str, b: str, c: str) -> None:
    assert (s3.is_newer(a, b), s3.is_newer(b, a)).count(True) <= 1
    if not s3.is_newer(b, a) and not s3.is_newer(c, b):  # a >= b >= c
        assert not s3.is_newer(c, a)
    if s3.is_newer(a, b) and s3.is_newer(b, c):
        assert s3.is_newer(a, c)


@given(a=hex_seq, zeros=st.integers(0, 8))
def test_sequencer_right_padding_is_neutral(a: str, zeros: int) -> None:
    assert not s3.is_newer(a, a + "0" * zeros) and not s3.is_newer(a + "0" * zeros, a)


@given(a=hex_seq, b=hex_seq)
def test_sequencer_equal_length_is_plain_string_order(a: str, b: str) -> None:
    width = max(len(a), len(b))
    a, b = a.ljust(width, "0"), b.ljust(width, "0")
    assert s3.is_newer(a, b) == (a > b)


def make_event(job: tuple[str, str], datasets: list[tuple[str, str, dict[str, Any]]], run_facets: dict[str, Any]) -> dict[str, Any]:  # fmt: skip
    half = len(datasets) // 2
    return {
        "eventTime": "2024-01-01T00:00:00",
        "eventType": "COMPLETE",
        "run": {"runId": "r-1", "facets": run_facets},
        "job": {"namespace": job[0], "name": job[1], "facets": run_facets},
        "inputs": [
            {"namespace": ns, "name": n, "facets": f, "inputFacets": f} for ns, n, f in datasets[:half]
        ],
        "outputs": [
            {"namespace": ns, "name": n, "facets": f, "outputFacets": f} for ns, n, f in datasets[half:]
        ],
    }


@settings(max_examples=150, deadline=None)
@given(
    job=st.tuples(names, names),
    datasets=st.lists(st.tuples(names, names, facets | standard_facets), max_size=4),
    run_facets=facets,
)
def test_random_facets_never_crash_and_keep_identities(
    job: tuple[str, str], datasets: list[tuple[str, str, dict[str, Any]]], run_facets: dict[str, Any]
) -> None:
    event = make_event(job, datasets, run_facets)
    ops = openlineage.parse(event)
    job_ref = AssetRef(namespace=job[0], name=job[1])
    assert ops[0].ref == job_ref
    (run,) = [op for op in ops if isinstance(op, RecordRun)]
    assert run.job == job_ref
    upserted = {op.ref for op in ops if isinstance(op, UpsertAsset)}
    for ns, n, _ in datasets:
        assert AssetRef(namespace=ns, name=n) in upserted
    for edge in ops:
        if isinstance(edge, AddLineage):
            assert edge.job == job_ref
    # Operations survive a JSON round trip (they are stored as a change set).
    for op in ops:
        assert type(op).model_validate_json(op.model_dump_json()) == op


def shuffle_keys(value: Any, reverse: bool) -> Any:
    if isinstance(value, dict):
        items = sorted(value.items(), reverse=reverse)
        return {k: shuffle_keys(v, not reverse) for k, v in items}
    if isinstance(value, list):
        return [shuffle_keys(v, reverse) for v in value]
    return value


@given(job=st.tuples(names, names), run_facets=facets, reverse=st.booleans())
def test_openlineage_idempotency_key_stable_under_key_reordering(
    job: tuple[str, str], run_facets: dict[str, Any], reverse: bool
) -> None:
    event = make_event(job, [], run_facets)
    reordered = shuffle_keys(copy.deepcopy(event), reverse)
    assert openlineage.idempotency_key(reordered) == openlineage.idempotency_key(event)
    assert openlineage.idempotency_key(orjson.loads(orjson.dumps(reordered))) == openlineage.idempotency_key(
        event
    )
    changed = copy.deepcopy(event)
    changed["run"]["runId"] = "r-2"
    assert openlineage.idempotency_key(changed) != openlineage.idempotency_key(event)


@given(value=json_values, header=st.booleans())
def test_gzip_decoding_round_trips(value: Any, header: bool) -> None:
    body = gzip.compress(orjson.dumps(value))
    assert read_body(body, {"Content-Encoding": "gzip"} if header else {})[1] == value


def forget_parsed() -> None:
    for memo in (openlineage._JOBS, openlineage._DATASETS, openlineage._EDGES):
        memo.clear()


pool_names = st.sampled_from(["a", "b", "c"])  # few identities, so events restate each other
pool_facets = st.sampled_from([
    {},
    {"schema": {"fields": [{"name": "id", "type": "INT"}, {"name": "email", "type": "TEXT"}]}},
    {"schema": {"fields": [{"name": "id"}]}, "columnLineage": {"fields": {"id": {"inputFields": [
        {"namespace": "pg", "name": "a", "field": "id", "transformations": [{"type": "DIRECT", "masking": True}]}]}},
        "dataset": [{"namespace": "pg", "name": "b", "field": "k"}]}},
    {"dataQualityMetrics": {"rowCount": 3}, "tags": {"tags": [{"key": "PII", "value": "email", "field": "email"}]}},
    {"lifecycleStateChange": {"lifecycleStateChange": "DROP"}},
    {"lifecycleStateChange": {"lifecycleStateChange": "RENAME", "previousIdentifier": {"namespace": "pg", "name": "old"}}},
    {"ownership": {"owners": [{"name": "team:data"}]}, "documentation": {"description": "d"}},
])
pool_event = st.fixed_dictionaries({
    "eventType": st.sampled_from(["START", "COMPLETE", "FAIL", None]),
    "eventTime": st.sampled_from(["2024-01-01T00:00:00Z", "2024-01-02T10:00:00.5+02:00"]),
    "run": st.fixed_dictionaries({"runId": st.sampled_from(["r1", "r2", "r3"]),
                                  "facets": st.sampled_from([{}, {"parent": {"job": {"namespace": "air", "name": "dag"},
                                                                             "run": {"runId": "p1"}}}])}),
    "job": st.fixed_dictionaries({"namespace": st.just("air"), "name": pool_names, "facets": pool_facets}),
    # The same dataset object as an input of one event and an output of another, too.
    "inputs": st.lists(st.fixed_dictionaries({"namespace": st.just("pg"), "name": pool_names, "facets": pool_facets},
                                             optional={"inputFacets": pool_facets}), max_size=2),
    "outputs": st.lists(st.fixed_dictionaries({"namespace": st.just("pg"), "name": pool_names, "facets": pool_facets},
                                              optional={"outputFacets": pool_facets}), max_size=2),
})


@settings(max_examples=60, deadline=None)
@given(events=st.lists(pool_event | st.builds(lambda d: {"eventTime": "2024-01-03T00:00:00Z", "dataset": d},
                                              st.fixed_dictionaries({"namespace": st.just("pg"), "name": pool_names,
                                                                     "facets": pool_facets})),
                       min_size=1, max_size=12))
def test_parsing_what_earlier_events_restated_gives_what_a_fresh_parse_gives(events: list[dict[str, Any]]) -> None:
    forget_parsed()
    remembered = [openlineage.parse(orjson.loads(orjson.dumps(e))) for e in events]
    for event, ops in zip(events, remembered, strict=True):
        with mock.patch.object(Memo, "get", lambda self, key: None):  # nothing remembered is used
            assert openlineage.parse(copy.deepcopy(event)) == ops
        run_id = event["run"]["runId"] if "run" in event else None
        assert all(op.run_id == run_id for op in ops if isinstance(op, AddLineage | RecordQuality))


def test_a_dataset_restated_as_an_input_is_parsed_as_an_input() -> None:
    forget_parsed()
    table = {"namespace": "pg", "name": "t", "facets": {"schema": {"fields": [{"name": "id"}]}}}
    writes = {"eventTime": "2024-01-01T00:00:00Z", "run": {"runId": "r1"}, "job": {"namespace": "j", "name": "w"},
              "outputs": [table]}
    reads = {"eventTime": "2024-01-01T00:00:00Z", "run": {"runId": "r2"}, "job": {"namespace": "j", "name": "r"},
             "inputs": [copy.deepcopy(table)]}
    written = [op for op in openlineage.parse(writes) if isinstance(op, UpsertAsset) and op.ref.name == "t"]
    read = [op for op in openlineage.parse(reads) if isinstance(op, UpsertAsset) and op.ref.name == "t"]
    # A writer knows the whole schema; a reader may see a projection and never drops columns.
    assert [op.replace_columns for op in written] == [True] and [op.replace_columns for op in read] == [False]
