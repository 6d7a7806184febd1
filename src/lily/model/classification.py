"""Classifications (governance tags) on assets and columns."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field


class ClassificationSource(StrEnum):
    DIRECT = "direct"  # set by a person or API client on this asset
    DETECTED = "detected"  # found by a PII detector on this asset's values
    PROPAGATED = "propagated"  # inherited along lineage from an origin classification
    IMPORTED = "imported"  # came from a producer (OpenLineage tags facet, Monte Carlo...)


class ClassificationStatus(StrEnum):
    """Where a ``detected`` classification stands: a suggestion until a person reviews it.

    A rejected suggestion is not a classification at all: it is deleted and its rejection kept
    apart (so the detector never suggests it again), so only these two appear on a row."""

    SUGGESTED = "suggested"  # re-scored (or removed) by every detection run
    CONFIRMED = "confirmed"  # a person agreed: runs never touch it again


class Provenance(BaseModel):
    """Where a propagated classification came from and how it got here."""

    origin_asset_id: uuid.UUID
    origin_classification_id: uuid.UUID
    path: list[uuid.UUID] = Field(default_factory=list)  # asset ids from origin to here, inclusive
    depth: int = 0


class Classification(BaseModel):
    id: uuid.UUID
    tenant_id: str
    asset_id: uuid.UUID
    tag: str  # e.g. "PII.email", "GDPR.personal"
    source: ClassificationSource
    propagate: bool = True
    provenance: Provenance | None = None
    confidence: float | None = None
    status: ClassificationStatus | None = None  # detected ones only
    evidence: dict[str, Any] | None = None  # detected ones: recognizer, sample, classifier version, run, time
    created_by: str | None = None
    created_at: datetime
