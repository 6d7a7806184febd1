"""Tenants, principals, roles and audit records."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field


class Role(StrEnum):
    ADMIN = "admin"
    DATA_ENGINEER = "data_engineer"
    DATA_ANALYST = "data_analyst"
    ML_ENGINEER = "ml_engineer"
    VIEWER = "viewer"


class PrincipalKind(StrEnum):
    USER = "user"
    API_KEY = "api_key"
    SYSTEM = "system"


class Tenant(BaseModel):
    id: str
    name: str
    created_at: datetime


class Principal(BaseModel):
    """Who is calling: a user or an API key, always within one tenant."""

    id: uuid.UUID
    tenant_id: str
    kind: PrincipalKind
    name: str
    role: Role

    @property
    def actor(self) -> str:
        return f"{self.kind.value}:{self.name}"


class AuditRecord(BaseModel):
    id: uuid.UUID
    tenant_id: str
    actor: str
    action: str
    entity_type: str | None = None
    entity_id: str | None = None
    correlation_id: str | None = None
    details: dict[str, Any] = Field(default_factory=dict)
    at: datetime
