"""Events built with the real openlineage-python client, serialised as its HTTP transport does."""

from __future__ import annotations

import gzip
from typing import Any

import orjson
from openlineage.client.event_v2 import (
    DatasetEvent,
    InputDataset,
    Job,
    JobEvent,
    OutputDataset,
    Run,
    RunEvent,
    RunState,
    StaticDataset,
)
from openlineage.client.facet_v2 import (
    column_lineage_dataset,
    data_quality_assertions_dataset,
    documentation_dataset,
    lifecycle_state_change_dataset,
    ownership_job,
    parent_run,
    schema_dataset,
    tags_dataset,
)
from openlineage.client.serde import Serde
from openlineage.client.uuid import generate_new_uuid

from lily.inbound.sources import openlineage
from lily.inbound.sources.decode import read_body
from lily.model import (
    AddClassification,
    AddLineage,
    AssetRef,
    DeleteAsset,
    RecordQuality,
    RecordRun,
    RenameAsset,
    TransformationType,
    UpsertAsset,
)
from lily.model import (
    RunState as LilyRunState,
)

PRODUCER = "https://github.com/lily/tests"
PG = "postgres://db:5432"


def roundtrip(event: Any, *, compress: bool = False) -> list[Any]:
    """Serialise like the client's HttpTransport (Serde.to_json, optional gzip) and parse it."""
    body = Serde.to_json(event).encode()
    headers = {"Content-Type": "application/json"}
    if compress:
        body = gzip.compress(body, compresslevel=3)
        headers["Content-Encoding"] = "gzip"
    (decoded,) = openlineage.split(read_body(body, headers)[1])
    return openlineage.parse(decoded)


def full_run_event() -> RunEvent:
    column_lineage = column_lineage_dataset.ColumnLineageDatasetFacet(
        fields={
            "email_hash": column_lineage_dataset.Fields(
                inputFields=[
                    column_lineage_dataset.InputField(
                        namespace=PG,
                        name="shop.public.users",
                        field="email",
                        transformations=[
                            column_lineage_dataset.Transformation(
                                type="DIRECT", subtype="TRANSFORMATION", masking=True
                            )
                        ],
                    )
                ]
            )
        }
    )
    output = OutputDataset(
        namespace=PG,
        name="shop.public.users_masked",
        facets={
            "schema": schema_dataset.SchemaDatasetFacet(
                fields=[schema_dataset.SchemaDatasetFacetFields(name="email_hash", type="TEXT")]
            ),
            "columnLineage": column_lineage,
            "documentation": documentation_dataset.DocumentationDatasetFacet(description="masked users"),
            "tags": tags_dataset.TagsDatasetFacet(
                tags=[tags_dataset.TagsDatasetFacetFields(key="PII", value="email", field="email_hash")]
            ),
        },
    )
    source = InputDataset(
        namespace=PG,
        name="shop.public.users",
        inputFacets={
            "dataQualityAssertions": data_quality_assertions_dataset.DataQualityAssertionsDatasetFacet(
                assertions=[
                    data_quality_assertions_dataset.Assertion(
                        assertion="not_null", success=False, column="email"
                    )
                ]
            )
        },
    )
    parent = parent_run.ParentRunFacet(
        run=parent_run.Run(runId=str(generate_new_uuid())),
        job=parent_run.Job(namespace="airflow", name="dag"),
    )
    return RunEvent(
        eventType=RunState.FAIL,
        eventTime="2024-05-01T12:00:00.123456789Z",
        run=Run(runId=str(generate_new_uuid()), facets={"parent": parent}),
        job=Job(
            namespace="airflow",
            name="dag.mask_users",
            facets={
                "ownership": ownership_job.OwnershipJobFacet(
                    owners=[ownership_job.Owner(name="alice", type="USER")]
                )
            },
        ),
        inputs=[source],
        outputs=[output],
        producer=PRODUCER,
    )


def test_client_run_event_round_trip() -> None:
    event = full_run_event()
    ops = roundtrip(event)
    (run,) = [op for op in ops if isinstance(op, RecordRun)]
    assert run.run_id == event.run.runId
    assert run.state is LilyRunState.FAILED
    assert run.parent_run_id == event.run.facets["parent"].run.runId  # type: ignore[index]
    job = next(op for op in ops if isinstance(op, UpsertAsset) and op.ref.name == "dag.mask_users")
    assert job.parent == AssetRef(namespace="airflow", name="dag")
    assert [o.name for o in job.owners or []] == ["alice"]
    (edge,) = [op for op in ops if isinstance(op, AddLineage) and op.target.is_column]
    assert edge.source == AssetRef(namespace=PG, name="shop.public.users", field="email")
    assert edge.masking and edge.transformation_type is TransformationType.DIRECT
    (tag,) = [op for op in ops if isinstance(op, AddClassification)]
    assert (tag.ref.field, tag.tag) == ("email_hash", "PII.email")
    (quality,) = [op for op in ops if isinstance(op, RecordQuality)]
    (assertion,) = quality.assertions
    assert (assertion["assertion"], assertion["success"], assertion["column"]) == ("not_null", False, "email")


def test_client_gzip_transport() -> None:
    event = full_run_event()
    assert roundtrip(event, compress=True) == roundtrip(event)


def test_client_serialisation_is_canonical_for_idempotency() -> None:
    event = full_run_event()
    as_sent = orjson.loads(Serde.to_json(event))
    # The client sorts keys; our key is computed on sorted keys too, so whitespace/order never matter.
    assert openlineage.idempotency_key(as_sent) == openlineage.idempotency_key(
        orjson.loads(orjson.dumps(as_sent))
    )


def test_client_dataset_event_with_lifecycle_drop() -> None:
    event = DatasetEvent(
        eventTime="2024-05-01T12:00:00",
        dataset=StaticDataset(
            namespace=PG,
            name="shop.public.tmp",
            facets={
                "lifecycleStateChange": lifecycle_state_change_dataset.LifecycleStateChangeDatasetFacet(
                    lifecycleStateChange=lifecycle_state_change_dataset.LifecycleStateChange.DROP
                ),
                "schema": schema_dataset.SchemaDatasetFacet(fields=[], deleted=True),
            },
        ),
        producer=PRODUCER,
    )
    ops = roundtrip(event)
    assert [type(op) for op in ops] == [UpsertAsset, DeleteAsset]
    assert ops[0].deleted_facets == ["schema"]
    assert ops[1].ref == AssetRef(namespace=PG, name="shop.public.tmp")


def test_client_job_event_with_rename() -> None:
    previous = lifecycle_state_change_dataset.PreviousIdentifier(name="shop.public.old", namespace=PG)
    event = JobEvent(
        eventTime="2024-05-01T12:00:00+02:00",
        job=Job(namespace="dbt", name="rename_model"),
        inputs=[InputDataset(namespace=PG, name="shop.public.src")],
        outputs=[
            OutputDataset(
                namespace=PG,
                name="shop.public.new",
                facets={
                    "lifecycleStateChange": lifecycle_state_change_dataset.LifecycleStateChangeDatasetFacet(
                        lifecycleStateChange=lifecycle_state_change_dataset.LifecycleStateChange.RENAME,
                        previousIdentifier=previous,
                    )
                },
            )
        ],
        producer=PRODUCER,
    )
    ops = roundtrip(event)
    assert openlineage.classify(orjson.loads(Serde.to_json(event))) is openlineage.EventKind.JOB
    (rename,) = [op for op in ops if isinstance(op, RenameAsset)]
    assert (rename.ref.name, rename.new_ref.name) == ("shop.public.old", "shop.public.new")
    assert not [op for op in ops if isinstance(op, RecordRun)]
    (edge,) = [op for op in ops if isinstance(op, AddLineage)]
    assert edge.run_id is None and edge.job == AssetRef(namespace="dbt", name="rename_model")
