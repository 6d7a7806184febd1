"""Request and response bodies of the governance API (rules, targets, deliveries, preview)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from lily.api.schemas import Bool
from lily.model.policy import TargetKind

TARGET_NAME = Field(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9_.\-]+$")


class RuleOut(BaseModel):
    rule_id: str
    asset_id: str | None
    rule_type: str
    description: str | None
    enabled: bool
    conditions: list[dict[str, Any]]
    actions: list[dict[str, Any]]
    version: int
    created_by: str | None
    updated_by: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, row: dict[str, Any]) -> RuleOut:
        return cls(**row["body"], version=row["version"], created_by=row["created_by"],
                   updated_by=row["updated_by"], created_at=row["created_at"], updated_at=row["updated_at"])


class TargetIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = TARGET_NAME
    kind: TargetKind
    enabled: Bool = True
    config: dict[str, Any] = Field(default_factory=dict)
    secrets: dict[str, Any] = Field(default_factory=dict, description="encrypted at rest, never returned")


class TargetUpdate(BaseModel):
    """Replace a target's settings. ``secrets`` omitted keeps the stored ones."""

    model_config = ConfigDict(extra="forbid")
    name: str = TARGET_NAME
    kind: TargetKind
    enabled: Bool = True
    config: dict[str, Any] = Field(default_factory=dict)
    secrets: dict[str, Any] | None = None


class TargetOut(BaseModel):
    id: uuid.UUID
    name: str
    kind: TargetKind
    enabled: bool
    config: dict[str, Any]
    secret_keys: list[str] = Field(description="names of the stored secrets; their values are never returned")
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, row: dict[str, Any]) -> TargetOut:
        return cls(id=row["id"], name=row["name"], kind=row["kind"], enabled=row["enabled"], config=row["config"],
                   secret_keys=list(row["secret_keys"] or []), created_at=row["created_at"],
                   updated_at=row["updated_at"])


class StatementOut(BaseModel):
    kind: str
    text: str
    destination: str | None = None


class DeliveryOut(BaseModel):
    id: uuid.UUID
    target_id: uuid.UUID
    target: str | None
    object: str
    namespace: str
    name: str
    status: Literal["pending", "failed", "applied", "dead", "superseded"]
    attempts: int
    replays: int
    next_attempt_at: datetime | None
    first_attempt_at: datetime | None
    last_error: str | None
    statements: list[StatementOut]
    cause_seq: int | None
    correlation_id: str | None
    created_at: datetime
    updated_at: datetime
    applied_at: datetime | None

    @classmethod
    def of(cls, row: dict[str, Any], target_name: str | None) -> DeliveryOut:
        keys = ("id", "target_id", "namespace", "name", "status", "attempts", "replays", "next_attempt_at",
                "first_attempt_at", "last_error", "statements", "cause_seq", "correlation_id", "created_at",
                "updated_at", "applied_at")
        return cls(**{k: row[k] for k in keys}, target=target_name, object=row["object_key"])


class PreviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    asset_id: uuid.UUID
    tag: str = Field(min_length=1, max_length=200)
    action: Literal["add", "remove"] = "add"
    propagate: Bool = True


class PreviewItem(BaseModel):
    asset_id: uuid.UUID
    qualified_name: str | None
    tag: str
    origin_asset_id: uuid.UUID
    origin_classification_id: uuid.UUID
    path: list[uuid.UUID]
    depth: int


class LimitHitOut(BaseModel):
    origin_classification_id: uuid.UUID
    asset_id: uuid.UUID
    limit: str
    value: int


class PreviewOut(BaseModel):
    to_add: list[PreviewItem]
    to_remove: list[PreviewItem]
    to_update: list[PreviewItem] = Field(description="kept, with a different provenance (path/depth)")
    limits_hit: list[LimitHitOut]
    deferred_origins: list[uuid.UUID]
