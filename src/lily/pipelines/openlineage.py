"""OpenLineage RunEvents for pipeline steps, built purely (dicts ready to POST).

Run ids are UUIDv5 of ``(pipeline, process_date, attempt[, step])``: the same run always has the
same id, so events are reproducible and a resumed run continues under its original id.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from lily.pipelines.datasets import ColumnInput, Dataset

PRODUCER = "https://github.com/lily-metadata/lily/tree/main/src/lily/pipelines"
RUN_EVENT_SCHEMA = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"
_FACETS = "https://openlineage.io/spec/facets"
_RUN_NS = uuid.UUID("0b6f8f7e-5a55-4c1f-9d0e-6c2f3f1d8a42")

FACET_SCHEMAS = {
    "schema": f"{_FACETS}/1-2-0/SchemaDatasetFacet.json#/$defs/SchemaDatasetFacet",
    "columnLineage": f"{_FACETS}/1-2-0/ColumnLineageDatasetFacet.json#/$defs/ColumnLineageDatasetFacet",
    "outputStatistics": f"{_FACETS}/1-0-2/OutputStatisticsOutputDatasetFacet.json#/$defs/OutputStatisticsOutputDatasetFacet",
    "dataQualityAssertions": f"{_FACETS}/1-1-0/DataQualityAssertionsDatasetFacet.json#/$defs/DataQualityAssertionsDatasetFacet",
    "parent": f"{_FACETS}/1-2-0/ParentRunFacet.json#/$defs/ParentRunFacet",
    "errorMessage": f"{_FACETS}/1-0-1/ErrorMessageRunFacet.json#/$defs/ErrorMessageRunFacet",
    "nominalTime": f"{_FACETS}/1-0-1/NominalTimeRunFacet.json#/$defs/NominalTimeRunFacet",
    "jobType": f"{_FACETS}/2-0-4/JobTypeJobFacet.json#/$defs/JobTypeJobFacet",
}


def run_id_for(pipeline: str, process_date: date, attempt: int, step: str | None = None) -> str:
    parts = [pipeline, process_date.isoformat(), str(attempt)] + ([step] if step else [])
    return str(uuid.uuid5(_RUN_NS, "/".join(parts)))


def _facet(kind: str, **fields: Any) -> dict[str, Any]:
    return {"_producer": PRODUCER, "_schemaURL": FACET_SCHEMAS[kind], **fields}


@dataclass(frozen=True)
class Io:
    """A dataset as input or output of one step run, with what the step measured about it."""

    dataset: Dataset
    row_count: int | None = None
    assertions: list[dict[str, Any]] = field(default_factory=list)
    # More input/output facets (data quality, ...), on COMPLETE and FAIL events.
    facets: dict[str, Any] = field(default_factory=dict)
    namespace: str | None = None  # the dataset's namespace when it is not the lake's


@dataclass(frozen=True)
class StepRun:
    """Everything needed to describe one step run in OpenLineage."""

    pipeline: str
    step: str
    process_date: date
    attempt: int
    job_namespace: str
    dataset_namespace: str
    inputs: Sequence[Io] = ()
    outputs: Sequence[Io] = ()

    @property
    def run_id(self) -> str:
        return run_id_for(self.pipeline, self.process_date, self.attempt, self.step)

    @property
    def parent_run_id(self) -> str:
        return run_id_for(self.pipeline, self.process_date, self.attempt)

    @property
    def job_name(self) -> str:
        return f"{self.pipeline}.{self.step}"


def _schema_facet(ds: Dataset) -> dict[str, Any]:
    return _facet("schema", fields=[
        {"name": name, "type": str(typ), "description": desc, "ordinal_position": i}
        for i, (name, typ, desc) in enumerate(ds.columns, start=1)
    ])


def _transformation(ci: ColumnInput) -> dict[str, Any]:
    return {"type": "DIRECT", "subtype": ci.subtype, **({"masking": True} if ci.masking else {})}


def _column_lineage_facet(ds: Dataset, namespace: str) -> dict[str, Any]:
    return _facet("columnLineage", fields={
        column: {"inputFields": [
            {"namespace": ci.namespace or namespace, "name": ci.dataset, "field": ci.field,
             "transformations": [_transformation(ci)]}
            for ci in inputs
        ]}
        for column, inputs in ds.column_inputs.items()
    })


def _dataset(io: Io, namespace: str, *, output: bool, complete: bool, ended: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {"namespace": io.namespace or namespace, "name": io.dataset.name}
    facets: dict[str, Any] = {}
    if io.dataset.columns:
        facets["schema"] = _schema_facet(io.dataset)
    if output and io.dataset.column_inputs:
        facets["columnLineage"] = _column_lineage_facet(io.dataset, namespace)
    if facets:
        out["facets"] = facets
    if complete and output and io.row_count is not None:
        out["outputFacets"] = {"outputStatistics": _facet("outputStatistics", rowCount=io.row_count)}
    if complete and not output and io.assertions:
        out["inputFacets"] = {"dataQualityAssertions": _facet("dataQualityAssertions", assertions=io.assertions)}
    if ended and io.facets:
        key = "outputFacets" if output else "inputFacets"
        out[key] = {**out.get(key, {}), **io.facets}
    return out


def run_event(step: StepRun, event_type: str, event_time: datetime, error: str | None = None) -> dict[str, Any]:
    """One RunEvent (START, COMPLETE or FAIL) of ``step``. ``event_time`` comes from the caller."""
    complete = event_type == "COMPLETE"
    ended = event_type in ("COMPLETE", "FAIL")
    start = datetime.combine(step.process_date, time(), tzinfo=UTC)
    run_facets: dict[str, Any] = {
        "parent": _facet("parent", run={"runId": step.parent_run_id},
                         job={"namespace": step.job_namespace, "name": step.pipeline}),
        "nominalTime": _facet("nominalTime", nominalStartTime=start.isoformat(),
                              nominalEndTime=(start + timedelta(days=1)).isoformat()),
    }
    if error is not None:
        run_facets["errorMessage"] = _facet("errorMessage", message=error, programmingLanguage="PYTHON")
    return {
        "eventType": event_type,
        "eventTime": event_time.astimezone(UTC).isoformat(),
        "producer": PRODUCER,
        "schemaURL": RUN_EVENT_SCHEMA,
        "run": {"runId": step.run_id, "facets": run_facets},
        "job": {"namespace": step.job_namespace, "name": step.job_name,
                "facets": {"jobType": _facet("jobType", processingType="BATCH", integration="LILY",
                                             jobType="TASK")}},
        "inputs": [_dataset(io, step.dataset_namespace, output=False, complete=complete, ended=ended)
                   for io in step.inputs],
        "outputs": [_dataset(io, step.dataset_namespace, output=True, complete=complete, ended=ended)
                    for io in step.outputs],
    }


def count_assertions(rows_in: int, rows_out: int, rows_rejected: int) -> list[dict[str, Any]]:
    """Assertions every normalize run reports: counts add up, and whether any row was rejected."""
    return [
        {"assertion": "row_count_reconciles", "success": rows_in == rows_out + rows_rejected,
         "severity": "error", "actual": str(rows_in), "expected": str(rows_out + rows_rejected)},
        {"assertion": "no_rejected_rows", "success": rows_rejected == 0, "severity": "warn",
         "actual": str(rows_rejected), "expected": "0"},
    ]
