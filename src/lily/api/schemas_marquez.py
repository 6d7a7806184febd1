"""Marquez response shapes, built by pure functions from Lily's catalog and runs.

Keys, nesting and value formats follow Marquez's Jackson output (``marquez.service.models`` and the
web UI's ``types/api.ts``): camelCase keys, ISO-8601 instants with ``Z``, ``null`` for absent
optional values, ``[]``/``{}`` for empty collections. Version ids are deterministic UUIDs derived
from Lily's integer asset versions, so they are stable across calls.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from lily.api.marquez_ids import dataset_id, field_id, job_id
from lily.model import Asset, AssetType, stable_id
from lily.store.marquez import ColumnInput, DatasetVersion, DatasetView, Namespace
from lily.store.runs import StoredRun

Json = dict[str, Any]


def ts(value: datetime | None) -> str | None:
    """An instant the way Jackson writes ``java.time.Instant``: UTC with a ``Z``."""
    if value is None:
        return None
    value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return value.isoformat().replace("+00:00", "Z")


def version_uuid(aid: uuid.UUID, version: int | None) -> str | None:
    return str(stable_id(str(aid), "version", str(version))) if version is not None else None


def namespace_json(ns: Namespace) -> Json:
    # Marquez's default owner for namespaces created implicitly by lineage events is "anonymous".
    return {"name": ns.name, "createdAt": ts(ns.created_at), "updatedAt": ts(ns.updated_at),
            "ownerName": "anonymous", "description": None, "isHidden": False}


def _facet(asset_facets: dict[str, Any], name: str, key: str) -> Any:
    facet = asset_facets.get(name)
    return facet.get(key) if isinstance(facet, dict) else None


def dataset_type(asset: Asset) -> str:
    return "STREAM" if asset.type is AssetType.TOPIC else "DB_TABLE"


def source_name(asset: Asset) -> str:
    name = _facet(asset.facets, "dataSource", "name")
    return name if isinstance(name, str) and name else asset.ref.namespace


def _field(column: Asset, tags: dict[uuid.UUID, list[str]]) -> Json:
    return {"name": column.ref.field, "type": column.attributes.get("data_type"),
            "tags": tags.get(column.id, []), "description": column.description}


def _input_field(i: ColumnInput, with_version: bool) -> Json:
    out: Json = {"namespace": i.source.ref.namespace, "dataset": i.source.ref.name}
    if with_version:
        out["datasetVersion"] = None  # filled by column_node when the input's dataset is known
    out |= {"field": i.source.ref.field, "transformationDescription": i.description,
            "transformationType": i.transformation_type}
    return out


def column_lineage(view: DatasetView) -> list[Json] | None:
    """Marquez's ``Dataset.columnLineage``: per output field, its input fields (``null`` when none)."""
    if not view.column_inputs:
        return None
    out = []
    for name, inputs in view.column_inputs.items():
        fields = [_input_field(i, with_version=False) for i in inputs]
        out.append({"name": name, "inputFields": fields,
                    "transformationDescription": fields[0]["transformationDescription"],
                    "transformationType": fields[0]["transformationType"]})
    return out


def dataset_json(view: DatasetView) -> Json:
    a = view.asset
    lifecycle = _facet(a.facets, "lifecycleStateChange", "lifecycleStateChange")
    return {
        "id": {"namespace": a.ref.namespace, "name": a.ref.name},
        "type": dataset_type(a),
        "name": a.ref.name,
        "physicalName": a.ref.name,
        "createdAt": ts(a.created_at),
        "updatedAt": ts(a.updated_at),
        "namespace": a.ref.namespace,
        "sourceName": source_name(a),
        "fields": [_field(c, view.tags) for c in view.columns],
        "tags": view.tags.get(a.id, []),
        "lastModifiedAt": ts(view.last_modified),
        "lastLifecycleState": lifecycle if isinstance(lifecycle, str) else None,
        "description": a.description,
        "currentVersion": version_uuid(a.id, a.version),
        "columnLineage": column_lineage(view),
        "facets": a.facets,
        "deleted": a.status.value == "deleted",
    }


def _version_fields(columns: list[dict[str, Any]], tags: dict[uuid.UUID, list[str]]) -> list[Json]:
    return [{"name": c.get("field"), "type": (c.get("attributes") or {}).get("data_type"),
             "tags": tags.get(uuid.UUID(str(c["id"])), []) if c.get("id") else [],
             "description": c.get("description")} for c in columns]


def dataset_version_json(view: DatasetView, v: DatasetVersion, created_by: Json | None) -> Json:
    a, snap = view.asset, v.snapshot
    facets = snap.get("facets") or {}
    lifecycle = _facet(facets, "lifecycleStateChange", "lifecycleStateChange")
    version = version_uuid(a.id, v.version)
    return {
        "id": {"namespace": a.ref.namespace, "name": a.ref.name, "version": version},
        "type": dataset_type(a),
        "name": a.ref.name,
        "physicalName": a.ref.name,
        "createdAt": ts(v.at),
        "version": version,
        "namespace": a.ref.namespace,
        "sourceName": source_name(a),
        "fields": _version_fields(v.columns, view.tags),
        "tags": view.tags.get(a.id, []),
        "lifecycleState": lifecycle if isinstance(lifecycle, str) else None,
        "description": snap.get("description"),
        "createdByRun": created_by,
        "facets": facets,
    }


def run_json(run: StoredRun, job: Asset, datasets: dict[uuid.UUID, Asset]) -> Json:
    duration = None
    if run.started_at and run.ended_at:
        duration = int((run.ended_at - run.started_at).total_seconds() * 1000)

    def versions(role: str) -> list[Json]:
        out = []
        for io in run.io:
            ds = datasets.get(io.asset_id)
            if io.role == role and ds is not None:
                out.append({"datasetVersionId": {"namespace": ds.ref.namespace, "name": ds.ref.name,
                                                 "version": version_uuid(ds.id, io.version)}, "facets": {}})
        return out

    return {
        "id": run.run_id,
        "createdAt": ts(run.first_event_at),
        "updatedAt": ts(run.last_event_at),
        "nominalStartTime": ts(run.nominal_start_time),
        "nominalEndTime": ts(run.nominal_end_time),
        "state": run.state,
        "startedAt": ts(run.started_at),
        "endedAt": ts(run.ended_at),
        "durationMs": duration,
        "args": {},
        "jobVersion": {"namespace": job.ref.namespace, "name": job.ref.name,
                       "version": version_uuid(job.id, run.job_version)},
        "inputDatasetVersions": versions("input"),
        "outputDatasetVersions": versions("output"),
        "context": {},
        "facets": run.facets,
    }


def job_type(job: Asset) -> str:
    processing = _facet(job.facets, "jobType", "processingType")
    return "STREAM" if isinstance(processing, str) and processing.upper() == "STREAMING" else "BATCH"


def job_json(job: Asset, parent: Asset | None, inputs: list[Asset], outputs: list[Asset],
             runs: list[Json], tags: list[str]) -> Json:
    """``runs`` are the job's newest runs (already shaped), newest first."""
    simple = job.ref.name
    if parent is not None and simple.startswith(parent.ref.name + "."):
        simple = simple[len(parent.ref.name) + 1:]
    location = _facet(job.facets, "sourceCodeLocation", "url")
    return {
        "id": {"namespace": job.ref.namespace, "name": job.ref.name},
        "type": job_type(job),
        "name": job.ref.name,
        "simpleName": simple,
        "parentJobName": parent.ref.name if parent else None,
        "parentJobUuid": str(parent.id) if parent else None,
        "createdAt": ts(job.created_at),
        "updatedAt": ts(job.updated_at),
        "namespace": job.ref.namespace,
        "inputs": [{"namespace": d.ref.namespace, "name": d.ref.name} for d in inputs],
        "outputs": [{"namespace": d.ref.namespace, "name": d.ref.name} for d in outputs],
        "location": location if isinstance(location, str) else None,
        "description": job.description,
        "latestRun": runs[0] if runs else None,
        "latestRuns": runs,
        "facets": job.facets,
        "currentVersion": version_uuid(job.id, job.version),
        "labels": [],
        "tags": tags,
    }


def edge(origin: str, destination: str) -> Json:
    return {"origin": origin, "destination": destination}


def graph_node(node_id: str, node_type: str, data: Json | None, in_edges: list[Json],
               out_edges: list[Json]) -> Json:
    key = lambda e: (e["origin"], e["destination"])  # noqa: E731  (stable order for clients and tests)
    return {"id": node_id, "type": node_type, "data": data, "inEdges": sorted(in_edges, key=key),
            "outEdges": sorted(out_edges, key=key)}


def dataset_node_id(a: Asset) -> str:
    return dataset_id(a.ref.namespace, a.ref.name)


def job_node_id(a: Asset) -> str:
    return job_id(a.ref.namespace, a.ref.name)


def column_node_id(a: Asset) -> str:
    return field_id(a.ref.namespace, a.ref.name, a.ref.field)


def column_data(column: Asset, inputs: list[ColumnInput], versions: dict[tuple[str, str], str | None]) -> Json:
    """``data`` of a DATASET_FIELD node; ``versions`` maps (namespace, dataset) to its current version."""
    fields = []
    for i in inputs:
        f = _input_field(i, with_version=True)
        f["datasetVersion"] = versions.get((i.source.ref.namespace, i.source.ref.name))
        fields.append(f)
    return {
        "namespace": column.ref.namespace,
        "dataset": column.ref.name,
        "datasetVersion": versions.get((column.ref.namespace, column.ref.name)),
        "field": column.ref.field,
        "fieldType": column.attributes.get("data_type"),
        # Marquez reports the first input's transformation here (deprecated, kept for old clients).
        "transformationDescription": fields[0]["transformationDescription"] if fields else None,
        "transformationType": fields[0]["transformationType"] if fields else None,
        "inputFields": fields,
    }


def search_result(a: Asset) -> Json:
    is_job = a.type is AssetType.JOB
    return {"type": "JOB" if is_job else "DATASET", "name": a.ref.name, "updatedAt": ts(a.updated_at),
            "namespace": a.ref.namespace, "nodeId": job_node_id(a) if is_job else dataset_node_id(a)}
