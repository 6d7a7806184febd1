"""Assets: anything in the catalog (databases, tables, columns, objects, jobs, dashboards)."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

from lily.model.identity import AssetRef


class AssetType(StrEnum):
    DATABASE = "database"
    SCHEMA = "schema"
    TABLE = "table"
    VIEW = "view"
    COLUMN = "column"
    DATASET = "dataset"
    S3_BUCKET = "s3_bucket"
    S3_OBJECT = "s3_object"
    FILE = "file"
    TOPIC = "topic"
    JOB = "job"
    DASHBOARD = "dashboard"
    MODEL = "model"


class AssetStatus(StrEnum):
    ACTIVE = "active"
    DELETED = "deleted"


class Owner(BaseModel):
    name: str
    type: str | None = None


class Asset(BaseModel):
    """An asset as stored: identity, type, descriptive metadata, facets and lifecycle."""

    id: uuid.UUID
    tenant_id: str
    type: AssetType
    ref: AssetRef
    parent_id: uuid.UUID | None = None
    display_name: str | None = None
    description: str | None = None
    owners: list[Owner] = Field(default_factory=list)
    attributes: dict[str, Any] = Field(default_factory=dict)
    facets: dict[str, Any] = Field(default_factory=dict)
    status: AssetStatus = AssetStatus.ACTIVE
    version: int = 1
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None = None


class ColumnSpec(BaseModel):
    """A column as declared by a writer (schema facet, API, pipeline)."""

    name: str
    data_type: str | None = None
    description: str | None = None
    ordinal: int | None = None
    attributes: dict[str, Any] = Field(default_factory=dict)
