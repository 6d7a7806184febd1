"""OpenLineage parsing rules: strictness on identities, lenience elsewhere, facet mapping decisions."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from lily.inbound.sources import openlineage
from lily.inbound.sources.base import ParseError
from lily.model import (
    AddClassification,
    AddLineage,
    AssetRef,
    ClassificationSource,
    DeleteAsset,
    PruneImportedClassifications,
    RecordQuality,
    RecordRun,
    RenameAsset,
    RunState,
    TransformationType,
    UpsertAsset,
)

RUN_ID = "0190c7a3-7c1e-7d2a-9b7e-3f0d7a1c2b4e"


def run_event(**overrides: Any) -> dict[str, Any]:
    event: dict[str, Any] = {
        "eventTime": "2024-05-01T12:00:00Z",
        "eventType": "COMPLETE",
        "producer": "https://example.com/producer",
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
        "run": {"runId": RUN_ID},
        "job": {"namespace": "etl", "name": "load_users"},
        "inputs": [{"namespace": "postgres://db:5432", "name": "shop.public.users"}],
        "outputs": [{"namespace": "s3://lake", "name": "silver/users"}],
    }
    event.update(overrides)
    return event


def ops_of_type(ops: list[Any], kind: type) -> list[Any]:
    return [op for op in ops if isinstance(op, kind)]


def dataset_op(ops: list[Any], name: str) -> UpsertAsset:
    return next(op for op in ops_of_type(ops, UpsertAsset) if op.ref.name == name)


# ------------------------------------------------------------------------------- classification


@pytest.mark.parametrize(
    ("schema_url", "keys", "expected"),
    [
        ("https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent", {"run", "job"}, "RunEvent"),
        ("https://openlineage.io/spec/1-0-5/OpenLineage.json#/definitions/RunEvent", {"job"}, "RunEvent"),
        ("https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/DatasetEvent", {"run"}, "DatasetEvent"),
        ("https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/JobEvent", {"run", "job"}, "JobEvent"),
        ("https://example.com/custom", {"run", "job"}, "RunEvent"),
        (None, {"dataset"}, "DatasetEvent"),
        (None, {"job"}, "JobEvent"),
    ],
)
def test_classify(schema_url: str | None, keys: set[str], expected: str) -> None:
    event: dict[str, Any] = {key: {} for key in keys}
    if schema_url:
        event["schemaURL"] = schema_url
    assert openlineage.classify(event).value == expected


# ------------------------------------------------------------------------------- run states


@pytest.mark.parametrize(
    ("event_type", "state"),
    [
        ("COMPLETE", RunState.COMPLETED),
        ("ABORT", RunState.ABORTED),
        ("FAIL", RunState.FAILED),
        ("fail", RunState.FAILED),
        ("START", RunState.RUNNING),
        ("RUNNING", RunState.RUNNING),
        ("OTHER", RunState.RUNNING),
        (None, RunState.RUNNING),
    ],
)
def test_run_state_mapping(event_type: str | None, state: RunState) -> None:
    event = run_event(eventType=event_type)
    (run,) = ops_of_type(openlineage.parse(event), RecordRun)
    assert run.state is state


# ------------------------------------------------------------------------------- lenience


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2021-11-03T10:53:52.427343", datetime(2021, 11, 3, 10, 53, 52, 427343, tzinfo=UTC)),
        ("2021-11-03T10:53:52.123456789Z", datetime(2021, 11, 3, 10, 53, 52, 123456, tzinfo=UTC)),
        ("2021-11-03T10:53:52.123456789", datetime(2021, 11, 3, 10, 53, 52, 123456, tzinfo=UTC)),
        (
            "2020-12-28T19:52:00.001+10:00",
            datetime(2020, 12, 28, 19, 52, 0, 1000, tzinfo=timezone(timedelta(hours=10))),
        ),
        ("2024-08-06T13:26:54.34Z", datetime(2024, 8, 6, 13, 26, 54, 340000, tzinfo=UTC)),
    ],
)
def test_timestamps_naive_is_utc_and_nanoseconds(text: str, expected: datetime) -> None:
    (run,) = ops_of_type(openlineage.parse(run_event(eventTime=text)), RecordRun)
    assert run.event_time == expected
    assert run.event_time.tzinfo is not None


def test_missing_producer_schema_url_and_facet_producers_are_fine() -> None:
    event = run_event()
    del event["producer"], event["schemaURL"]
    event["outputs"][0]["facets"] = {"documentation": {"description": "no _producer here"}}
    ops = openlineage.parse(event)
    assert dataset_op(ops, "silver/users").description == "no _producer here"


def test_non_uuid_run_id_accepted() -> None:
    (run,) = ops_of_type(openlineage.parse(run_event(run={"runId": "run_id"})), RecordRun)
    assert run.run_id == "run_id"


def test_unknown_and_malformed_facets_are_kept_not_fatal() -> None:
    event = run_event()
    event["job"]["facets"] = {"acme_custom": {"x": [1, 2]}, "ownership": "not-an-object"}
    event["outputs"][0]["facets"] = {
        "schema": {"fields": "oops"},
        "columnLineage": {"fields": {"a": {"inputFields": [{"namespace": "n"}]}}},
        "tags": {"tags": [{"value": "no key"}]},
        "lifecycleStateChange": {"lifecycleStateChange": 7},
    }
    ops = openlineage.parse(event)
    job = dataset_op(ops, "load_users")
    assert job.facets["acme_custom"] == {"x": [1, 2]} and job.owners is None
    out = dataset_op(ops, "silver/users")
    assert out.columns is None  # schema not interpretable: columns left unchanged
    assert set(out.facets) == {"schema", "columnLineage", "tags", "lifecycleStateChange"}
    assert not ops_of_type(ops, AddClassification)
    assert [e for e in ops_of_type(ops, AddLineage) if e.target.is_column] == []


# ------------------------------------------------------------------------------- strictness


@pytest.mark.parametrize(
    ("mutate", "path"),
    [
        (lambda e: e["job"].pop("namespace"), "job.namespace"),
        (lambda e: e["job"].update(name=""), "job.name"),
        (lambda e: e.pop("job"), "job"),
        (lambda e: e["run"].pop("runId"), "run.runId"),
        (lambda e: e["run"].update(runId=42), "run.runId"),
        (lambda e: e["inputs"][0].pop("name"), "inputs[0].name"),
        (lambda e: e["outputs"][0].update(namespace=None), "outputs[0].namespace"),
        (lambda e: e.update(inputs=["x"]), "inputs[0]"),
        (lambda e: e.update(outputs={"a": 1}), "outputs"),
        (lambda e: e.pop("eventTime"), "eventTime"),
        (lambda e: e.update(eventTime="yesterday"), "eventTime"),
        (lambda e: e["job"].update(facets=[]), "job.facets"),
    ],
)
def test_missing_required_fields_give_precise_paths(mutate: Any, path: str) -> None:
    event = copy.deepcopy(run_event())
    mutate(event)
    with pytest.raises(ParseError) as info:
        openlineage.parse(event)
    assert info.value.path == path
    assert str(info.value).startswith(f"{path}: ")
    assert info.value.status == 422


def test_dataset_event_requires_dataset_identity() -> None:
    event = {
        "eventTime": "2024-05-01T12:00:00Z",
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/DatasetEvent",
        "dataset": {"namespace": "n"},
    }
    with pytest.raises(ParseError, match=r"^dataset\.name: is required$"):
        openlineage.parse(event)


def test_run_event_by_schema_url_requires_run() -> None:
    event = run_event()
    del event["run"]
    with pytest.raises(ParseError, match=r"^run: expected an object, got null$"):
        openlineage.parse(event)


def test_not_an_object() -> None:
    with pytest.raises(ParseError, match="expected an object, got array"):
        openlineage.parse([])


# ------------------------------------------------------------------------------- facets


def test_deleted_facets_and_replacement_by_name() -> None:
    event = run_event()
    event["outputs"][0]["facets"] = {
        "schema": {"_deleted": True},
        "documentation": {"_deleted": None, "description": "kept"},
        "dataSource": {"name": "lake", "uri": "s3://lake"},
    }
    out = dataset_op(openlineage.parse(event), "silver/users")
    assert out.deleted_facets == ["schema"]
    assert set(out.facets) == {"documentation", "dataSource"}
    assert out.columns is None and out.replace_columns is False


def test_nested_schema_flattened() -> None:
    event = run_event()
    event["outputs"][0]["facets"] = {
        "schema": {
            "fields": [
                {"name": "id", "type": "BIGINT", "ordinal_position": 1},
                {
                    "name": "address",
                    "type": "STRUCT",
                    "fields": [
                        {"name": "city", "type": "STRING"},
                        {"name": "geo", "fields": [{"name": "lat"}]},
                    ],
                },
            ]
        }
    }
    out = dataset_op(openlineage.parse(event), "silver/users")
    assert [(c.name, c.data_type, c.ordinal, c.attributes) for c in out.columns or []] == [
        ("id", "BIGINT", 1, {}),
        ("address", "STRUCT", 2, {}),
        ("address.city", "STRING", None, {"parent": "address"}),
        ("address.geo", None, None, {"parent": "address"}),
        ("address.geo.lat", None, None, {"parent": "address.geo"}),
    ]
    assert out.replace_columns is True


def test_ownership_and_documentation() -> None:
    event = run_event()
    event["job"]["facets"] = {
        "documentation": {"description": "Loads users"},
        "ownership": {"owners": [{"name": "team:data", "type": "TEAM"}, {"name": "alice"}, {"type": "x"}]},
    }
    job = dataset_op(openlineage.parse(event), "load_users")
    assert job.description == "Loads users"
    assert [(o.name, o.type) for o in job.owners or []] == [("team:data", "TEAM"), ("alice", None)]


@pytest.mark.parametrize(
    ("key", "value", "tag"),
    [
        ("PII", "email", "PII.email"),
        ("pii", "true", "pii"),
        ("pii", "TRUE", "pii"),
        ("GDPR", "", "GDPR"),
        ("pii", "false", None),
        ("env", "production", "env.production"),
        ("", "x", None),
    ],
)
def test_tag_string_mapping(key: str, value: str, tag: str | None) -> None:
    event = run_event()
    event["outputs"][0]["facets"] = {"tags": {"tags": [{"key": key, "value": value}]}}
    classifications = ops_of_type(openlineage.parse(event), AddClassification)
    assert [c.tag for c in classifications] == ([tag] if tag else [])


def test_tags_on_dataset_columns_and_job() -> None:
    event = run_event()
    event["outputs"][0]["facets"] = {
        "tags": {
            "tags": [
                {"key": "PII", "value": "email", "field": "email", "source": "USER"},
                {"key": "domain", "value": "customers"},
                {"key": "PII", "value": "email", "field": "email"},  # duplicate
            ]
        }
    }
    event["job"]["facets"] = {"tags": {"tags": [{"key": "team", "value": "growth"}]}}
    classifications = ops_of_type(openlineage.parse(event), AddClassification)
    out = AssetRef(namespace="s3://lake", name="silver/users")
    assert [(c.ref, c.tag, c.propagate, c.source) for c in classifications] == [
        (AssetRef(namespace="etl", name="load_users"), "team.growth", False, ClassificationSource.IMPORTED),
        (out.column("email"), "PII.email", True, ClassificationSource.IMPORTED),
        (out, "domain.customers", True, ClassificationSource.IMPORTED),
    ]


def test_lifecycle_drop_deletes_after_upsert() -> None:
    event = run_event()
    event["outputs"][0]["facets"] = {"lifecycleStateChange": {"lifecycleStateChange": "DROP"}}
    ops = openlineage.parse(event)
    ref = AssetRef(namespace="s3://lake", name="silver/users")
    index = ops.index(dataset_op(ops, "silver/users"))
    assert isinstance(ops[index + 1], DeleteAsset) and ops[index + 1].ref == ref


def test_lifecycle_rename_moves_before_upsert() -> None:
    event = run_event()
    event["outputs"][0]["facets"] = {
        "lifecycleStateChange": {
            "lifecycleStateChange": "RENAME",
            "previousIdentifier": {"namespace": "s3://lake", "name": "silver/users_old"},
        }
    }
    ops = openlineage.parse(event)
    (rename,) = ops_of_type(ops, RenameAsset)
    assert rename.ref == AssetRef(namespace="s3://lake", name="silver/users_old")
    assert rename.new_ref == AssetRef(namespace="s3://lake", name="silver/users")
    assert ops.index(rename) < ops.index(dataset_op(ops, "silver/users"))


def test_rename_without_previous_identifier_is_just_an_upsert() -> None:
    event = run_event()
    event["outputs"][0]["facets"] = {"lifecycleStateChange": {"lifecycleStateChange": "RENAME"}}
    assert not ops_of_type(openlineage.parse(event), RenameAsset)


def test_column_lineage_masking_and_dataset_wide_dependencies() -> None:
    event = run_event()
    src = {"namespace": "postgres://db:5432", "name": "shop.public.users"}
    event["outputs"][0]["facets"] = {
        "schema": {"fields": [{"name": "email_hash"}, {"name": "country"}]},
        "columnLineage": {
            "fields": {
                "email_hash": {
                    "inputFields": [
                        {
                            **src,
                            "field": "email",
                            "transformations": [
                                {
                                    "type": "DIRECT",
                                    "subtype": "TRANSFORMATION",
                                    "masking": True,
                                    "description": "sha256",
                                }
                            ],
                        }
                    ]
                },
                "country": {"inputFields": [{**src, "field": "country"}]},
            },
            "dataset": [
                {
                    **src,
                    "field": "deleted_at",
                    "transformations": [{"type": "INDIRECT", "subtype": "FILTER"}],
                },
                {**src, "field": "country", "transformations": [{"type": "INDIRECT", "subtype": "GROUP_BY"}]},
            ],
        },
    }
    edges = {
        (e.source.field, e.target.field): e
        for e in ops_of_type(openlineage.parse(event), AddLineage)
        if e.target.is_column
    }
    masked = edges[("email", "email_hash")]
    assert (
        masked.masking
        and masked.transformation_subtype == "TRANSFORMATION"
        and masked.description == "sha256"
    )
    # Dataset-wide INDIRECT deps land on every output column.
    for target in ("email_hash", "country"):
        indirect = edges[("deleted_at", target)]
        assert indirect.transformation_type is TransformationType.INDIRECT
        assert indirect.transformation_subtype == "FILTER"
    # The same pair from fields (DIRECT, no transformations listed) and dataset (INDIRECT): DIRECT wins.
    assert edges[("country", "country")].transformation_type is TransformationType.DIRECT
    assert edges[("country", "email_hash")].transformation_subtype == "GROUP_BY"
    assert len(edges) == 5


def test_dataset_wide_dependencies_without_known_columns_attach_to_dataset() -> None:
    event = run_event()
    event["outputs"][0]["facets"] = {
        "columnLineage": {
            "fields": {},
            "dataset": [{"namespace": "n", "name": "t", "field": "f", "transformations": []}],
        }
    }
    (edge,) = [e for e in ops_of_type(openlineage.parse(event), AddLineage) if e.source.is_column]
    assert edge.target == AssetRef(namespace="s3://lake", name="silver/users")
    assert edge.transformation_type is TransformationType.INDIRECT


def test_dataset_lineage_for_every_pair() -> None:
    event = run_event(
        inputs=[
            {"namespace": "a", "name": "1"},
            {"namespace": "a", "name": "2"},
            {"namespace": "a", "name": "1"},
        ],
        outputs=[{"namespace": "b", "name": "x"}, {"namespace": "b", "name": "y"}],
    )
    edges = ops_of_type(openlineage.parse(event), AddLineage)
    assert sorted((e.source.name, e.target.name) for e in edges) == [
        ("1", "x"),
        ("1", "y"),
        ("2", "x"),
        ("2", "y"),
    ]
    assert all(e.job == AssetRef(namespace="etl", name="load_users") and e.run_id == RUN_ID for e in edges)


def test_quality_dataset_facet_variant() -> None:
    event = run_event()
    event["inputs"][0]["facets"] = {
        "dataQualityMetrics": {"_producer": "p", "rowCount": 3, "columnMetrics": {"id": {"nullCount": 0}}}
    }
    (quality,) = ops_of_type(openlineage.parse(event), RecordQuality)
    assert quality.metrics == {"rowCount": 3, "columnMetrics": {"id": {"nullCount": 0}}}
    assert quality.run_id == RUN_ID and quality.observed_at == datetime(2024, 5, 1, 12, tzinfo=UTC)


# ------------------------------------------------------------------------------- batches and keys


def test_split_batch_shapes() -> None:
    one = run_event()
    assert openlineage.split(one) == [one]
    assert openlineage.split([one, one]) == [one, one]
    assert openlineage.split({"events": [one]}) == [one]
    with pytest.raises(ParseError, match=r"^\[1\]: expected an object, got number$"):
        openlineage.split([one, 3])
    with pytest.raises(ParseError, match=r"^events\[0\]: expected an object"):
        openlineage.split({"events": ["x"]})
    with pytest.raises(ParseError, match="expected an OpenLineage event"):
        openlineage.split("nope")


def test_idempotency_key_ignores_key_order_not_content() -> None:
    a = run_event()
    b = dict(reversed(list(copy.deepcopy(a).items())))
    b["job"] = {"name": "load_users", "namespace": "etl"}
    assert openlineage.idempotency_key(a) == openlineage.idempotency_key(b)
    assert openlineage.idempotency_key(a) != openlineage.idempotency_key(run_event(eventType="START"))
    assert len(openlineage.idempotency_key(a)) == 64


def test_a_restated_tags_facet_prunes_the_imported_tags_it_no_longer_names() -> None:
    event = run_event()
    event["outputs"][0]["facets"] = {"tags": {"tags": [{"key": "domain", "value": "customers"},
                                                       {"key": "PII", "value": "email", "field": "email"}]}}
    ops = openlineage.parse(event)
    (prune,) = [op for op in ops_of_type(ops, PruneImportedClassifications) if op.ref.namespace == "s3://lake"]
    assert prune.keep == [("", "domain.customers"), ("email", "PII.email")]
    # prune first, then add: a tag named again is never removed and re-added
    assert ops.index(prune) < min(ops.index(c) for c in ops_of_type(ops, AddClassification))

    event["outputs"][0]["facets"] = {"tags": {"_deleted": True}}
    (prune,) = ops_of_type(openlineage.parse(event), PruneImportedClassifications)
    assert prune.keep == [] and not ops_of_type(openlineage.parse(event), AddClassification)

    event["outputs"][0]["facets"] = {}  # no tags facet: the stored tags are not the event's business
    assert not ops_of_type(openlineage.parse(event), PruneImportedClassifications)
