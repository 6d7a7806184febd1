"""Governance tables: security rules, outbound targets, applied policy state, deliveries.

Defined on the core ``metadata`` so one schema description covers everything; created by the
``0005_governance`` migration branch. Every row carries ``tenant_id`` and every query filters on it.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
)

from lily.store.tables import TS, Json, classifications, metadata

security_rules = Table(
    "security_rules",
    metadata,
    Column("tenant_id", String(64), nullable=False),
    Column("rule_id", String(200), nullable=False),
    Column("body", Json, nullable=False),  # the validated rule as JSON (seed schema)
    Column("enabled", Boolean, nullable=False, default=True),
    Column("version", Integer, nullable=False, default=1),
    Column("created_by", String(200), nullable=True),
    Column("updated_by", String(200), nullable=True),
    Column("created_at", TS, nullable=False),
    Column("updated_at", TS, nullable=False),
    PrimaryKeyConstraint("tenant_id", "rule_id", name="pk_security_rules"),
)

outbound_targets = Table(
    "outbound_targets",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("name", String(200), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("config", Json, nullable=False),  # non-secret settings, returned by the API
    Column("secrets", Text, nullable=True),  # Fernet token of the secret settings, never returned
    Column("secret_keys", Json, nullable=False),  # names of the secret settings (shown, values not)
    Column("enabled", Boolean, nullable=False, default=True),
    Column("created_at", TS, nullable=False),
    Column("updated_at", TS, nullable=False),
    UniqueConstraint("tenant_id", "name", name="uq_outbound_targets_tenant_name"),
)

# Last policy state Lily applied to each target object (what the planner diffs against).
outbound_applied = Table(
    "outbound_applied",
    metadata,
    Column("target_id", Uuid, nullable=False),
    Column("object_key", String(2200), nullable=False),
    Column("tenant_id", String(64), nullable=False),
    Column("namespace", String(1000), nullable=False),
    Column("name", String(1000), nullable=False),
    Column("policy", Json, nullable=False),
    Column("delivery_id", Uuid, nullable=True),
    Column("updated_at", TS, nullable=False),
    PrimaryKeyConstraint("target_id", "object_key", name="pk_outbound_applied"),
    Index("ix_outbound_applied_object", "tenant_id", "namespace", "name"),
)

# A planned set of statements for one target object. Status: pending -> applied, or failed (will
# retry at next_attempt_at) -> ... -> dead; superseded when a newer plan replaced it before it ran.
deliveries = Table(
    "deliveries",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("target_id", Uuid, nullable=False),
    Column("object_key", String(2200), nullable=False),
    Column("namespace", String(1000), nullable=False),
    Column("name", String(1000), nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("replays", Integer, nullable=False, default=0),
    Column("next_attempt_at", TS, nullable=True),
    Column("first_attempt_at", TS, nullable=True),
    Column("claimed_until", TS, nullable=True),
    Column("last_error", Text, nullable=True),
    Column("statements", Json, nullable=False),
    Column("desired", Json, nullable=False),  # the object's policy once applied
    Column("cause_seq", BigInteger, nullable=True),  # the change that caused it (root cause)
    Column("cause_at", TS, nullable=True),
    Column("correlation_id", String(200), nullable=True),
    Column("traceparent", String(64), nullable=True),  # the trace the delivery continues (migration 0013)
    Column("created_at", TS, nullable=False),
    Column("updated_at", TS, nullable=False),
    Column("applied_at", TS, nullable=True),
    Index("ix_deliveries_due", "status", "next_attempt_at"),
    Index("ix_deliveries_tenant", "tenant_id", "status", "created_at"),
    Index("ix_deliveries_object", "target_id", "object_key", "status"),
)

# Re-plan requests (a rule or target changed): the outbound worker re-plans the tenant (or target).
governance_requests = Table(
    "governance_requests",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("target_id", Uuid, nullable=True),  # None: every target of the tenant
    Column("reason", String(200), nullable=False),
    Column("correlation_id", String(200), nullable=True),
    Column("requested_at", TS, nullable=False),
    Index("ix_governance_requests_tenant", "tenant_id"),
)

# Origins whose propagation ran out of the time budget: recomputed on the next round.
propagation_pending = Table(
    "propagation_pending",
    metadata,
    Column("tenant_id", String(64), nullable=False),
    Column("origin_id", Uuid, nullable=False),
    Column("requested_at", TS, nullable=False),
    PrimaryKeyConstraint("tenant_id", "origin_id", name="pk_propagation_pending"),
)

# Propagated rows are found by their origin when an origin is recomputed.
ix_classifications_origin = Index("ix_classifications_origin", classifications.c.tenant_id,
                                  classifications.c.origin_key)
