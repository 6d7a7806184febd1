"""Catalog description of what the pipeline wrote, as ``MetadataEvent``s (pure).

One ``UpsertAsset`` per dataset (schema columns; attributes ``partitions``, ``row_count``,
``format``, ``location``; owners) and ``AddLineage`` at dataset and column level along
raw → bronze → silver → gold. Identity: ``(lake namespace, dataset name)``, e.g.
``file:///data/lake`` + ``silver/logs``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from lily.model import AddLineage, AssetRef, AssetType, MetadataEvent, Owner, TransformationType, UpsertAsset
from lily.pipelines.datasets import Dataset
from lily.pipelines.schema import column_specs


def dataset_ref(namespace: str, name: str) -> AssetRef:
    return AssetRef(namespace=namespace, name=name)


def describe_dataset(ds: Dataset, *, namespace: str, row_count: int | None,
                     owners: Sequence[Owner]) -> UpsertAsset:
    attributes: dict[str, object] = {
        "partitions": list(ds.partitions),
        "format": ds.format,
        "location": f"{namespace.rstrip('/')}/{ds.name}",
    }
    if row_count is not None:
        attributes["row_count"] = row_count
    return UpsertAsset(
        ref=dataset_ref(namespace, ds.name),
        type=AssetType.TABLE if ds.format == "delta" else AssetType.DATASET,
        description=ds.description,
        owners=list(owners) or None,
        attributes=attributes,
        columns=column_specs(ds.columns) if ds.columns else None,
        replace_columns=bool(ds.columns),
    )


def lineage_of(ds: Dataset, *, namespace: str, job: AssetRef | None, run_id: str | None) -> list[AddLineage]:
    target = dataset_ref(namespace, ds.name)
    edges = [AddLineage(source=dataset_ref(namespace, src), target=target, job=job, run_id=run_id)
             for src in ds.inputs]
    for column, inputs in ds.column_inputs.items():
        for ci in inputs:
            edges.append(AddLineage(
                source=dataset_ref(ci.namespace or namespace, ci.dataset).column(ci.field),
                target=target.column(column),
                transformation_type=TransformationType.DIRECT,
                transformation_subtype=ci.subtype,
                masking=ci.masking,
                job=job,
                run_id=run_id,
            ))
    return edges


def catalog_events(
    datasets: Sequence[Dataset],
    *,
    namespace: str,
    row_counts: Mapping[str, int | None] | None = None,
    owners: Sequence[Owner] = (),
    job: AssetRef | None = None,
    run_id: str | None = None,
) -> list[MetadataEvent]:
    """Assets first, then their lineage, so an apply in order never references a missing asset."""
    counts = row_counts or {}
    events: list[MetadataEvent] = []
    if job is not None:
        events.append(UpsertAsset(ref=job, type=AssetType.JOB, owners=list(owners) or None,
                                  description="Lily batch log pipeline"))
    events.extend(describe_dataset(ds, namespace=namespace, row_count=counts.get(ds.name), owners=owners)
                  for ds in datasets)
    for ds in datasets:
        events.extend(lineage_of(ds, namespace=namespace, job=job, run_id=run_id))
    return events
