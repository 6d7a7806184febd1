"""SQLAlchemy Core tables: the single definition of Lily's schema (migrations are generated from it)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import TypeDecorator

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)



class UTCDateTime(TypeDecorator[datetime]):
    """Timestamps are UTC and timezone-aware everywhere; SQLite drops the zone, so restore it."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(UTC)
            if dialect.name == "sqlite":
                value = value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value

    # SQLite stores text; SQLAlchemy's conversions (a %-format through a dict one way, a regular
    # expression the other, around the methods above) cost a few microseconds per value, and the
    # worker binds about fifteen timestamps per event. These give the same text and values
    # (tests/store/test_timestamps.py). Measured: binding through SQLAlchemy's DATETIME cost the worker
    # thread 281 more py-spy samples of 6,662 at a steady 1,000 events/s (4 %; with store.bulk's read
    # plan, the steady worker CPU of issue 14: docs/performance.md, "Issue 14, the two seams back").
    def bind_processor(self, dialect: Any) -> Any:
        if dialect.name != "sqlite":
            return super().bind_processor(dialect)
        return _sqlite_timestamp

    def result_processor(self, dialect: Any, coltype: Any) -> Any:
        if dialect.name != "sqlite":
            return super().result_processor(dialect, coltype)
        return _sqlite_read_timestamp


def _sqlite_timestamp(value: datetime | None) -> str | None:
    """``value`` in UTC as SQLAlchemy's SQLite DATETIME stores it (naive values taken as they are)."""
    if value is None:
        return None
    if not isinstance(value, datetime):
        raise TypeError(f"SQLite DateTime type only accepts Python datetime objects as input, not {value!r}")
    if value.tzinfo is not None and value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    # %-formatting a tuple: half the time of the equivalent f-string here.
    return "%04d-%02d-%02d %02d:%02d:%02d.%06d" % (  # noqa: UP031
        value.year, value.month, value.day, value.hour, value.minute, value.second, value.microsecond)


def _sqlite_read_timestamp(value: str | datetime | None) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    parsed = datetime.fromisoformat(value)
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


Json = JSON().with_variant(JSONB(), "postgresql")
TS = UTCDateTime()

tenants = Table(
    "tenants",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    # Next change sequence number; bumped under a row lock so per-tenant order == commit order.
    Column("change_seq", BigInteger, nullable=False, server_default="0"),
    Column("settings", Json, nullable=False, default=dict),
    Column("created_at", TS, nullable=False),
)

users = Table(
    "users",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("tenant_id", String(64), ForeignKey("tenants.id"), nullable=False),
    Column("username", String(200), nullable=False),
    Column("password_hash", String(300), nullable=False),
    Column("role", String(32), nullable=False),
    Column("disabled", Boolean, nullable=False, default=False),
    Column("created_at", TS, nullable=False),
    UniqueConstraint("tenant_id", "username", name="uq_users_tenant_username"),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("tenant_id", String(64), ForeignKey("tenants.id"), nullable=False),
    Column("name", String(200), nullable=False),
    Column("prefix", String(32), nullable=False, unique=True),
    Column("key_hash", String(128), nullable=False),
    Column("role", String(32), nullable=False),
    Column("created_by", String(200), nullable=True),
    Column("created_at", TS, nullable=False),
    Column("expires_at", TS, nullable=True),
    Column("revoked_at", TS, nullable=True),
    Column("last_used_at", TS, nullable=True),
)

refresh_tokens = Table(
    "refresh_tokens",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("tenant_id", String(64), ForeignKey("tenants.id"), nullable=False),
    Column("user_id", Uuid, ForeignKey("users.id"), nullable=False),
    # All tokens of one login share a family; reuse of a rotated token revokes the family.
    Column("family_id", Uuid, nullable=False, index=True),
    Column("token_hash", String(128), nullable=False, unique=True),
    Column("issued_at", TS, nullable=False),
    Column("expires_at", TS, nullable=False),
    Column("used_at", TS, nullable=True),
    Column("revoked_at", TS, nullable=True),
)

assets = Table(
    "assets",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("tenant_id", String(64), ForeignKey("tenants.id"), nullable=False),
    Column("type", String(32), nullable=False),
    Column("namespace", String(1000), nullable=False),
    Column("name", String(1000), nullable=False),
    Column("field", String(500), nullable=False, default=""),
    Column("parent_id", Uuid, nullable=True),
    Column("display_name", String(500), nullable=True),
    Column("description", Text, nullable=True),
    Column("owners", Json, nullable=False, default=list),
    Column("attributes", Json, nullable=False, default=dict),
    Column("facets", Json, nullable=False, default=dict),
    Column("status", String(16), nullable=False, default="active"),
    Column("version", Integer, nullable=False, default=1),
    Column("created_at", TS, nullable=False),
    Column("updated_at", TS, nullable=False),
    Column("deleted_at", TS, nullable=True),
    UniqueConstraint("tenant_id", "namespace", "name", "field", name="uq_assets_identity"),
    Index("ix_assets_tenant_type", "tenant_id", "type"),
    Index("ix_assets_parent", "parent_id"),
)

asset_history = Table(
    "asset_history",
    metadata,
    Column("asset_id", Uuid, primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("snapshot", Json, nullable=False),
    Column("at", TS, nullable=False),
)

lineage_edges = Table(
    "lineage_edges",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("tenant_id", String(64), ForeignKey("tenants.id"), nullable=False),
    Column("source_id", Uuid, nullable=False),
    Column("target_id", Uuid, nullable=False),
    Column("level", String(16), nullable=False),
    Column("transformation_type", String(16), nullable=False, default="DIRECT"),
    Column("transformation_subtype", String(64), nullable=True),
    Column("masking", Boolean, nullable=False, default=False),
    Column("block_list", Json, nullable=False, default=list),
    Column("job_id", Uuid, nullable=True),
    Column("run_id", String(100), nullable=True),
    Column("attributes", Json, nullable=False, default=dict),
    Column("created_at", TS, nullable=False),
    Column("updated_at", TS, nullable=False),
    UniqueConstraint("tenant_id", "source_id", "target_id", name="uq_lineage_edges_pair"),
    # Traversal indexes: covering (node -> neighbour) in both directions.
    Index("ix_lineage_down", "source_id", "target_id", "tenant_id", "level"),
    Index("ix_lineage_up", "target_id", "source_id", "tenant_id", "level"),
)

classifications = Table(
    "classifications",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("tenant_id", String(64), ForeignKey("tenants.id"), nullable=False),
    Column("asset_id", Uuid, nullable=False),
    Column("tag", String(200), nullable=False),
    Column("source", String(16), nullable=False),
    Column("propagate", Boolean, nullable=False, default=True),
    # "" for non-propagated rows, the origin classification id for propagated ones.
    Column("origin_key", String(64), nullable=False, default=""),
    Column("provenance", Json, nullable=True),
    Column("confidence", Float, nullable=True),
    Column("created_by", String(200), nullable=True),
    Column("created_at", TS, nullable=False),
    # Detected rows: "suggested" or "confirmed", and the detector's evidence (0010_detected_review).
    Column("status", String(16), nullable=True),
    Column("evidence", Json, nullable=True),
    UniqueConstraint("tenant_id", "asset_id", "tag", "source", "origin_key", name="uq_classifications_key"),
    Index("ix_classifications_asset", "asset_id"),
    Index("ix_classifications_tenant_tag", "tenant_id", "tag"),
)

# Detected classifications a person rejected: the classification row is deleted (a rejected tag is
# no tag: nothing propagates or pushes it) and this row keeps detection from suggesting it again.
classification_rejections = Table(
    "classification_rejections",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("asset_id", Uuid, primary_key=True),
    Column("tag", String(200), primary_key=True),
    Column("confidence", Float, nullable=True),
    Column("evidence", Json, nullable=True),  # the suggestion's, as it was when rejected
    Column("rejected_by", String(200), nullable=True),
    Column("rejected_at", TS, nullable=False),
)

changes = Table(
    "changes",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("seq", BigInteger, primary_key=True),
    Column("kind", String(40), nullable=False),
    Column("entity_type", String(40), nullable=False),
    Column("entity_id", String(100), nullable=False),
    Column("asset_id", Uuid, nullable=True),
    Column("before", Json, nullable=True),
    Column("after", Json, nullable=True),
    Column("actor", String(200), nullable=True),
    Column("cause_event_id", String(200), nullable=True),
    Column("correlation_id", String(200), nullable=True),
    Column("traceparent", String(64), nullable=True),  # W3C trace context (migration 0013)
    Column("at", TS, nullable=False),
    Index("ix_changes_asset", "asset_id"),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("action", String(100), nullable=False),
    Column("entity_type", String(40), nullable=True),
    Column("entity_id", String(200), nullable=True),
    Column("correlation_id", String(200), nullable=True),
    Column("details", Json, nullable=False, default=dict),
    Column("at", TS, nullable=False),
    Index("ix_audit_tenant_at", "tenant_id", "at"),
)

# Change-feed consumers (propagation, outbound, indexers): the last seq each has processed per tenant.
consumer_offsets = Table(
    "consumer_offsets",
    metadata,
    Column("consumer", String(100), primary_key=True),
    Column("tenant_id", String(64), primary_key=True),
    Column("seq", BigInteger, nullable=False),
    Column("updated_at", TS, nullable=False),
)

# Search documents: one per asset, text of its names, description, columns and tags. The
# full-text index over ``body`` is database-specific (SQLite FTS5 / PostgreSQL tsvector + GIN)
# and is created by the migration.
search_docs = Table(
    "search_docs",
    metadata,
    Column("rowid", Integer, primary_key=True, autoincrement=True),
    Column("asset_id", Uuid, nullable=False, unique=True),
    Column("tenant_id", String(64), nullable=False),
    Column("body", Text, nullable=False),
)
