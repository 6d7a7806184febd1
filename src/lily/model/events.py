"""Metadata operations: what every writer (API, inbound sources, pipelines) asks the store to do.

A source parser turns a producer payload into ``list[MetadataEvent]``; the apply path turns a
``ChangeSet`` of them into state + changes + audit in one transaction. Operations name assets by
identity (``AssetRef``), never by store id, so parsing stays pure.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from lily.model.asset import AssetType, ColumnSpec, Owner
from lily.model.classification import ClassificationSource, Provenance
from lily.model.identity import AssetRef
from lily.model.lineage import TransformationType


class UpsertAsset(BaseModel):
    """Create or update an asset. ``None`` fields leave the stored value unchanged."""

    op: Literal["upsert_asset"] = "upsert_asset"
    ref: AssetRef
    type: AssetType
    parent: AssetRef | None = None
    display_name: str | None = None
    description: str | None = None
    owners: list[Owner] | None = None
    attributes: dict[str, Any] = Field(default_factory=dict)  # shallow-merged into stored attributes
    facets: dict[str, Any] = Field(default_factory=dict)  # replace stored facets by name
    deleted_facets: list[str] = Field(default_factory=list)  # OpenLineage `_deleted: true`
    columns: list[ColumnSpec] | None = None  # upserted as child column assets
    replace_columns: bool = False  # soft-delete stored columns missing from ``columns``


class DeleteAsset(BaseModel):
    """Soft-delete an asset (and its columns); its lineage edges stop being traversed."""

    op: Literal["delete_asset"] = "delete_asset"
    ref: AssetRef


class RenameAsset(BaseModel):
    """Move an asset (and its columns and edges) to a new identity, e.g. a RENAME lifecycle change."""

    op: Literal["rename_asset"] = "rename_asset"
    ref: AssetRef
    new_ref: AssetRef


class AddLineage(BaseModel):
    """``source`` feeds ``target``. Column level when both refs carry a field."""

    op: Literal["add_lineage"] = "add_lineage"
    source: AssetRef
    target: AssetRef
    transformation_type: TransformationType = TransformationType.DIRECT
    transformation_subtype: str | None = None
    masking: bool = False
    block_list: list[str] | None = None  # None leaves a stored block list unchanged
    job: AssetRef | None = None
    run_id: str | None = None
    description: str | None = None


class RemoveLineage(BaseModel):
    op: Literal["remove_lineage"] = "remove_lineage"
    source: AssetRef
    target: AssetRef


class AddClassification(BaseModel):
    op: Literal["add_classification"] = "add_classification"
    ref: AssetRef
    tag: str = Field(min_length=1, max_length=200)
    source: ClassificationSource = ClassificationSource.DIRECT
    propagate: bool = True
    confidence: float | None = Field(default=None, ge=0.0, le=1.0)


class RemoveClassification(BaseModel):
    op: Literal["remove_classification"] = "remove_classification"
    ref: AssetRef
    tag: str
    source: ClassificationSource = ClassificationSource.DIRECT


class PruneImportedClassifications(BaseModel):
    """The producer restated the full tag set of ``ref`` (OpenLineage ``tags`` facet, or its
    ``_deleted``): its imported classifications and those of its columns that are not in ``keep``
    ((field, tag) pairs, field "" for ``ref`` itself) are removed. Other sources' tags are untouched."""

    op: Literal["prune_imported_classifications"] = "prune_imported_classifications"
    ref: AssetRef
    keep: list[tuple[str, str]] = Field(default_factory=list)


class RunState(StrEnum):
    RUNNING = "RUNNING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    ABORTED = "ABORTED"


class DetectedTag(BaseModel):
    """One tag a detector found on one column of a dataset."""

    field: str = Field(min_length=1)
    tag: str = Field(min_length=1, max_length=200)
    confidence: float = Field(ge=0.0, le=1.0)
    evidence: dict[str, Any] = Field(default_factory=dict)  # recognizer, sample size, classifier version, ...


class SyncDetectedClassifications(BaseModel):
    """What ``detector`` finds on a dataset's columns now: its suggestions (``detected``,
    ``suggested``) are added or re-scored, and the ones it no longer finds are removed.

    A confirmed or rejected suggestion is never touched again, a tag a person set directly on the
    column is never duplicated, and only columns the catalog knows with a type (declared by a
    schema) are tagged, never placeholders. Other detectors' suggestions are left alone.
    """

    op: Literal["sync_detected_classifications"] = "sync_detected_classifications"
    ref: AssetRef  # the dataset
    detector: str = Field(min_length=1, max_length=100)
    found: list[DetectedTag] = Field(default_factory=list)


class ReviewClassification(BaseModel):
    """A person's verdict on a detected classification of an asset: ``confirmed`` keeps it for good;
    ``rejected`` deletes it and remembers the rejection, so detection never suggests it again.
    Confirming a rejected suggestion restores it, confirmed."""

    op: Literal["review_classification"] = "review_classification"
    ref: AssetRef
    tag: str = Field(min_length=1, max_length=200)
    decision: Literal["confirmed", "rejected"]


class RecordRun(BaseModel):
    """A job run's state and facets (OpenLineage RunEvent); facets are additive across events."""

    op: Literal["record_run"] = "record_run"
    job: AssetRef
    run_id: str
    state: RunState
    event_type: str | None = None  # START, RUNNING, COMPLETE, ABORT, FAIL, OTHER
    event_time: datetime
    facets: dict[str, Any] = Field(default_factory=dict)
    inputs: list[AssetRef] = Field(default_factory=list)
    outputs: list[AssetRef] = Field(default_factory=list)
    parent_run_id: str | None = None


class RecordQuality(BaseModel):
    """Data-quality results observed on a dataset (assertions and/or metrics).

    ``assertions`` are OpenLineage ``dataQualityAssertions`` entries (one per check), ``metrics`` the
    ``dataQualityMetrics`` facet's fields. A producer that scores its checks adds ``scores`` (0-100
    per DAMA dimension), ``status`` (``pass``, ``warn``, or ``fail`` when a blocking check failed)
    and ``context`` (pipeline, layer, process date...). The result's identity is its assertions,
    metrics, run and time: the same result arriving again (say, once from the pipeline and once
    from its OpenLineage event) is stored once, keeping the scores whichever came first.
    """

    op: Literal["record_quality"] = "record_quality"
    ref: AssetRef
    assertions: list[dict[str, Any]] = Field(default_factory=list)
    metrics: dict[str, Any] = Field(default_factory=dict)
    run_id: str | None = None
    observed_at: datetime
    scores: dict[str, float] = Field(default_factory=dict)
    status: Literal["pass", "warn", "fail"] | None = None
    context: dict[str, Any] = Field(default_factory=dict)


class UpsertIncident(BaseModel):
    """An incident from a monitoring tool (Monte Carlo), with one timeline update."""

    op: Literal["upsert_incident"] = "upsert_incident"
    source: str  # e.g. "monte_carlo"
    external_id: str
    title: str | None = None  # set only by an update that names the incident
    # What to call the incident while no update has named it (e.g. its event type, humanised).
    default_title: str | None = None
    status: str | None = None
    severity: str | None = None
    owner: str | None = None
    link: str | None = None
    affected: list[AssetRef] = Field(default_factory=list)
    unresolved: list[dict[str, Any]] = Field(default_factory=list)  # references we could not map
    update: dict[str, Any] = Field(default_factory=dict)  # appended to the timeline
    observed_at: datetime


class SetPropagated(BaseModel):
    """Write (or update the provenance of) one propagated classification.

    Written only by the propagation consumer, which computes over store ids, so the asset is named
    by id here rather than by identity. One row per ``(asset, tag, origin classification)``.
    """

    op: Literal["set_propagated"] = "set_propagated"
    asset_id: uuid.UUID
    tag: str = Field(min_length=1, max_length=200)
    origin_classification_id: uuid.UUID
    provenance: Provenance


class RetractPropagated(BaseModel):
    """Remove the propagated classification of ``tag`` on the asset that came from one origin."""

    op: Literal["retract_propagated"] = "retract_propagated"
    asset_id: uuid.UUID
    tag: str
    origin_classification_id: uuid.UUID


MetadataEvent = Annotated[
    UpsertAsset
    | DeleteAsset
    | RenameAsset
    | AddLineage
    | RemoveLineage
    | AddClassification
    | RemoveClassification
    | PruneImportedClassifications
    | SyncDetectedClassifications
    | ReviewClassification
    | RecordRun
    | RecordQuality
    | UpsertIncident
    | SetPropagated
    | RetractPropagated,
    Field(discriminator="op"),
]


class ChangeSet(BaseModel):
    """Operations applied atomically for one tenant, with who/why for the change feed and audit."""

    tenant_id: str
    actor: str
    operations: list[MetadataEvent]
    cause_event_id: str | None = None
    correlation_id: str | None = None
    traceparent: str | None = None  # W3C trace context of the work that wrote it (lily.tracing)
    at: datetime | None = None  # injected time; the store's clock is used when absent
