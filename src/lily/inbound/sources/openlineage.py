"""OpenLineage RunEvent / DatasetEvent / JobEvent → metadata operations.

Lenient on what real producers get wrong (naive timestamps, nanoseconds, facets without
``_producer``, unknown facets, non-UUID run ids), strict only on identities: job namespace/name,
``run.runId`` for RunEvents, dataset namespace/name. Standard facets are interpreted best-effort;
the raw facet is always kept on the asset (replaced by name), so nothing a producer said is lost.
Mapping decisions are documented in ``docs/inbound-sources.md``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from lily.inbound.sources import _ol_facets as ol_facets
from lily.inbound.sources._memo import Memo
from lily.inbound.sources.base import (
    ParseError,
    canonical_json,
    nonblank,
    optional_list,
    optional_object,
    parse_timestamp,
    require_object,
    require_str,
)
from lily.inbound.sources.contract import Source, listed_under
from lily.model.asset import AssetType, ColumnSpec
from lily.model.events import (
    AddLineage,
    DeleteAsset,
    MetadataEvent,
    RecordQuality,
    RecordRun,
    RenameAsset,
    RunState,
    UpsertAsset,
)
from lily.model.identity import AssetRef
from lily.model.identity import ref as asset_ref

NAME = "openlineage"


class EventKind(StrEnum):
    RUN = "RunEvent"
    DATASET = "DatasetEvent"
    JOB = "JobEvent"


# PROTOCOLS §1.5 (Marquez OpenLineageDao.getRunState): anything else, including None, is RUNNING.
_RUN_STATES = {"COMPLETE": RunState.COMPLETED, "ABORT": RunState.ABORTED, "FAIL": RunState.FAILED}


def split(body: Any) -> list[dict[str, Any]]:
    """Events of a ``/lineage`` or ``/lineage/batch`` body: one event, a JSON array, or ``{"events": [...]}``.

    The spec's ``/lineage/batch`` takes a JSON array; the ``{"events": [...]}`` wrapper is accepted
    too because some gateways wrap arrays. Each element must be an object.
    """
    if isinstance(body, list):
        items, path = body, ""
    elif isinstance(body, dict) and isinstance(body.get("events"), list) and "eventTime" not in body:
        items, path = body["events"], "events"
    elif isinstance(body, dict):
        return [body]
    else:
        raise ParseError("", "expected an OpenLineage event object or an array of events")
    for index, item in enumerate(items):
        require_object(item, f"{path}[{index}]")
    return list(items)


# sha256_hex(NAME, ...) with the name already hashed: the accept path keys every event.
_KEY_PREFIX = hashlib.sha256(NAME.encode() + b"\x1f")


def idempotency_key(payload: Any) -> str:
    """sha256 of the event's canonical JSON: key order and whitespace do not matter."""
    digest = _KEY_PREFIX.copy()
    digest.update(canonical_json(payload))
    return digest.hexdigest()  # == sha256_hex(NAME, canonical_json(payload))


_KINDS = {kind.value: kind for kind in EventKind}


def classify(event: Mapping[str, Any]) -> EventKind:
    """The event kind: by ``schemaURL``'s last segment (``#/$defs/X`` or ``#/definitions/X``), else structure."""
    schema_url = event.get("schemaURL")
    if isinstance(schema_url, str):
        kind = _KINDS.get(schema_url.rstrip("/").rsplit("/", 1)[-1])
        if kind is not None:
            return kind
    if "run" in event:
        return EventKind.RUN
    if "dataset" in event:
        return EventKind.DATASET
    return EventKind.JOB


def check(item: Any, tenant_id: str) -> EventKind:
    """What Marquez answers 422 for: identities it cannot store the event under. The kind, so the
    accept path classifies each event once."""
    del tenant_id  # an OpenLineage event names no tenant
    event = require_object(item, "")
    kind = classify(event)
    parse_timestamp(event.get("eventTime"), "eventTime")
    if kind is EventKind.DATASET:
        dataset = require_object(event.get("dataset"), "dataset")
        require_str(dataset, "namespace", "dataset")
        require_str(dataset, "name", "dataset")
        return kind
    job = require_object(event.get("job"), "job")
    require_str(job, "namespace", "job")
    require_str(job, "name", "job")
    if kind is EventKind.RUN:
        require_str(require_object(event.get("run"), "run"), "runId", "run")
    return kind


def partition_key(item: Any) -> str:
    """A dataset event's dataset, else the job: a job's runs stay in order."""
    if not isinstance(item, dict):
        return ""
    node = item.get("dataset") if isinstance(item.get("dataset"), dict) else item.get("job")
    return f"{node.get('namespace')}/{node.get('name')}" if isinstance(node, dict) else ""


def event_type(item: Any, kind: EventKind | None = None) -> str | None:
    """``RunEvent.COMPLETE``, ``DatasetEvent`` or ``JobEvent``; ``kind`` when ``check`` classified it."""
    if not isinstance(item, dict):
        return None
    label = (kind if kind is not None else classify(item)).value
    et = item.get("eventType")
    return f"{label}.{et}" if label == "RunEvent" and isinstance(et, str) else label


def parse(payload: Any, *, received_at: datetime | None = None, options: Any = None) -> list[MetadataEvent]:
    """Operations for one OpenLineage event (see the module docstring for what is required)."""
    del received_at, options  # OpenLineage events carry their own eventTime and need no options
    event = require_object(payload, "")
    kind = classify(event)
    event_time = parse_timestamp(event.get("eventTime"), "eventTime")
    if kind is EventKind.DATASET:
        dataset = _parse_dataset(require_object(event.get("dataset"), "dataset"), "dataset", output=True)
        return dataset.operations(run_id=None, observed_at=event_time)
    return _parse_job_event(event, kind, event_time)


def _parse_job_event(event: dict[str, Any], kind: EventKind, event_time: datetime) -> list[MetadataEvent]:
    job = require_object(event.get("job"), "job")
    job_ref = asset_ref(require_str(job, "namespace", "job"), require_str(job, "name", "job"))

    run_id: str | None = None
    run_facets: dict[str, Any] = {}
    if kind is EventKind.RUN:
        run = require_object(event.get("run"), "run")
        run_id = require_str(run, "runId", "run")
        run_facets = optional_object(run, "facets", "run")
    parent_job, parent_run_id = ol_facets.parent(run_facets.get("parent"))

    inputs = [_dataset(d, f"inputs[{i}]", output=False) for i, d in _objects(event, "inputs")]
    outputs = [_dataset(d, f"outputs[{i}]", output=True) for i, d in _objects(event, "outputs")]

    ops = list(_JOBS.of(job, lambda: _parse_job(job, job_ref, parent_job), parent_job))
    for dataset in (*inputs, *outputs):
        ops += dataset.operations(run_id=run_id, observed_at=event_time)
    if run_id is not None:
        event_type = (nonblank(event.get("eventType")) or "").strip().upper() or None
        ops.append(
            RecordRun(
                job=job_ref,
                run_id=run_id,
                state=_RUN_STATES.get(event_type or "", RunState.RUNNING),
                event_type=event_type,
                event_time=event_time,
                facets=run_facets,
                inputs=[d.ref for d in inputs],
                outputs=[d.ref for d in outputs],
                parent_run_id=parent_run_id,
            )
        )
    ops += _with_run(_dataset_lineage(inputs, outputs, job_ref), run_id)
    for out in outputs:
        ops += _with_run(out.column_edges(job_ref), run_id)
    return ops


# What the job and datasets of earlier events parsed into (``_memo``): a job's run events restate
# them, and only the run, its times and its state change from one event to the next.
_JOBS: Memo[list[MetadataEvent]] = Memo()
_DATASETS: Memo[_Dataset] = Memo()
_EDGES: Memo[list[AddLineage]] = Memo()


def _parse_job(job: dict[str, Any], job_ref: AssetRef, parent_job: AssetRef | None) -> list[MetadataEvent]:
    facets, deleted = ol_facets.split_facets(optional_object(job, "facets", "job"))
    upsert = UpsertAsset(ref=job_ref, type=AssetType.JOB, parent=parent_job if parent_job != job_ref else None,
                         description=ol_facets.description(facets), owners=ol_facets.owners(facets), facets=facets,
                         deleted_facets=deleted)
    # A job's tags describe the job, not data: they never propagate along lineage.
    return [upsert, *ol_facets.classifications(facets, deleted, job_ref, propagate=False)]


def _dataset(obj: dict[str, Any], path: str, *, output: bool) -> _Dataset:
    return _DATASETS.of(obj, lambda: _parse_dataset(obj, path, output=output), output)


def _with_run(edges: list[AddLineage], run_id: str | None) -> list[MetadataEvent]:
    """The edges as this run states them (parsed once without the run id, which is per event)."""
    if run_id is None:
        return list(edges)
    # Validating again costs less than pydantic's model_copy (its values are valid already).
    return [AddLineage(**{**edge.__dict__, "run_id": run_id}) for edge in edges]


def _objects(event: Mapping[str, Any], key: str) -> list[tuple[int, dict[str, Any]]]:
    return [(i, require_object(item, f"{key}[{i}]")) for i, item in enumerate(optional_list(event, key, ""))]


def _dataset_lineage(inputs: list[_Dataset], outputs: list[_Dataset], job: AssetRef) -> list[AddLineage]:
    """One dataset-level edge per (input, output) pair; self-edges (read and write one table) add
    nothing. Without a run id (``_with_run``)."""
    key = (tuple(d.ref for d in inputs), tuple(d.ref for d in outputs), job)
    found = _EDGES.get(key)
    if found is not None:
        return found
    pairs = dict.fromkeys((source, target) for source in key[0] for target in key[1] if source != target)
    return _EDGES.put(key, [AddLineage(source=source, target=target, job=job) for source, target in pairs])


@dataclass
class _Dataset:
    """A dataset of an event, with its facets split and interpreted. Kept in ``_DATASETS`` for the
    events that restate it, with what its operations and column edges are apart from the run."""

    ref: AssetRef
    facets: dict[str, Any]
    deleted: list[str]
    io_facets: dict[str, Any]  # inputFacets / outputFacets: about this run, not the dataset
    output: bool
    columns: list[ColumnSpec] | None
    _parts: tuple[list[MetadataEvent], ol_facets.Quality | None, list[MetadataEvent]] | None = field(
        default=None, init=False, repr=False, compare=False)
    _column_edges: dict[AssetRef, list[AddLineage]] = field(default_factory=dict, init=False, repr=False,
                                                           compare=False)

    def column_edges(self, job: AssetRef) -> list[AddLineage]:
        """Its ``columnLineage`` as edges written by ``job``, without a run id (``_with_run``)."""
        edges = self._column_edges.get(job)
        if edges is None:
            names = [c.name for c in self.columns or ()]
            edges = ol_facets.column_lineage(self.facets.get("columnLineage"), self.ref, names, job)
            self._column_edges[job] = edges
        return edges

    def operations(self, *, run_id: str | None, observed_at: datetime) -> list[MetadataEvent]:
        if self._parts is None:
            self._parts = self._split_operations()
        head, quality, tail = self._parts
        if quality is None:
            return [*head, *tail]
        assertions, metrics = quality
        record = RecordQuality(ref=self.ref, assertions=assertions, metrics=metrics, run_id=run_id,
                               observed_at=observed_at)
        return [*head, record, *tail]

    def _split_operations(self) -> tuple[list[MetadataEvent], ol_facets.Quality | None, list[MetadataEvent]]:
        """(operations before the quality results, the quality results, operations after them):
        all but the quality record are the same in every event that restates this dataset."""
        columns = self.columns
        attributes: dict[str, Any] = {}
        symlinks = ol_facets.symlinks(self.facets.get("symlinks"))
        if symlinks:
            attributes["symlinks"] = symlinks
        if self.io_facets:
            attributes["last_output_facets" if self.output else "last_input_facets"] = self.io_facets
        ops: list[MetadataEvent] = []
        lifecycle = ol_facets.lifecycle(self.facets.get("lifecycleStateChange"))
        if (
            lifecycle is not None
            and lifecycle.change == "RENAME"
            and lifecycle.previous not in (None, self.ref)
        ):
            # Move first, so the upsert below updates the renamed asset (keeping history and edges).
            ops.append(RenameAsset(ref=lifecycle.previous, new_ref=self.ref))
        ops.append(
            UpsertAsset(
                ref=self.ref,
                type=AssetType.DATASET,
                description=ol_facets.description(self.facets),
                owners=ol_facets.owners(self.facets),
                attributes=attributes,
                facets=self.facets,
                deleted_facets=self.deleted,
                columns=columns,
                # Writers know the full schema; readers may see a projection, so inputs never drop columns.
                replace_columns=columns is not None and self.output,
            )
        )
        ops += ol_facets.classifications(self.facets, self.deleted, self.ref, propagate=True)
        drop = [DeleteAsset(ref=self.ref)] if lifecycle is not None and lifecycle.change == "DROP" else []
        return ops, ol_facets.quality(self.io_facets, self.facets), drop


def _parse_dataset(obj: dict[str, Any], path: str, *, output: bool) -> _Dataset:
    ref = asset_ref(require_str(obj, "namespace", path), require_str(obj, "name", path))
    facets, deleted = ol_facets.split_facets(optional_object(obj, "facets", path))
    io_key = "outputFacets" if output else "inputFacets"
    io_facets = optional_object(obj, io_key, path)
    # Lenient: some producers put quality facets under the "wrong" side; read both.
    other = optional_object(obj, "inputFacets" if output else "outputFacets", path)
    return _Dataset(
        ref=ref,
        facets=facets,
        deleted=deleted,
        io_facets={**other, **io_facets},
        output=output,
        columns=ol_facets.columns(facets.get("schema")),
    )


SOURCE = Source(
    name=NAME, title="OpenLineage", split=split, count=listed_under("events"), check=check,
    idempotency_key=idempotency_key, partition_key=partition_key, event_type=event_type, parse=parse,
)
