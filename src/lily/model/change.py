"""Changes: the ordered per-tenant record of every state write (the transactional outbox)."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel


class ChangeKind(StrEnum):
    ASSET_CREATED = "asset.created"
    ASSET_UPDATED = "asset.updated"
    ASSET_DELETED = "asset.deleted"
    ASSET_RENAMED = "asset.renamed"
    LINEAGE_ADDED = "lineage.added"
    LINEAGE_UPDATED = "lineage.updated"
    LINEAGE_REMOVED = "lineage.removed"
    CLASSIFICATION_ADDED = "classification.added"
    CLASSIFICATION_REMOVED = "classification.removed"
    RUN_UPDATED = "run.updated"
    QUALITY_RECORDED = "quality.recorded"
    INCIDENT_UPDATED = "incident.updated"


class Change(BaseModel):
    seq: int
    tenant_id: str
    kind: ChangeKind
    entity_type: str
    entity_id: str
    asset_id: uuid.UUID | None = None
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    actor: str | None = None
    cause_event_id: str | None = None
    correlation_id: str | None = None
    traceparent: str | None = None  # the trace of the work that wrote it: consumers continue it
    at: datetime
