"""Inbound tables: the inbox of received events, the assets each touched, and per-tenant source config.

The inbox is the durable record of every accepted event, whichever bus carries it: with the local
bus it *is* the queue (rows are leased by workers); with NATS JetStream the stream carries the event
and a worker writes the row when it settles the event. Either way the events API reads this table.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Float,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    Uuid,
    text,
)

from lily.store.tables import TS, Json, metadata

# SQLite only auto-increments an INTEGER PRIMARY KEY (the rowid alias); PostgreSQL gets a BIGINT identity.
Seq = BigInteger().with_variant(Integer(), "sqlite")

inbound_events = Table(
    "inbound_events",
    metadata,
    # Arrival order: the cursor of the events API and the order the local bus hands events out.
    Column("seq", Seq, primary_key=True, autoincrement=True),
    # Derived from (tenant, source, idempotency key), so a redelivery has the same id on every bus;
    # its uniqueness is also the key's (no second unique index: migration 0006).
    Column("id", Uuid, nullable=False, unique=True),
    Column("tenant_id", String(64), nullable=False),
    Column("source", String(32), nullable=False),
    Column("event_type", String(120), nullable=True),
    Column("idempotency_key", String(64), nullable=False),
    # Events with the same partition key (one asset/job/incident) are applied in arrival order.
    Column("partition", Integer, nullable=False, default=0),
    # The event exactly as split out of the request body (JSON bytes), kept for replay.
    Column("payload", LargeBinary, nullable=False),
    Column("headers", Json, nullable=False, default=dict),
    Column("actor", String(200), nullable=True),
    Column("correlation_id", String(200), nullable=True),
    # received → applied | failed (permanent: bad payload, rejected operation) | dead (retries exhausted)
    Column("status", String(16), nullable=False, default="received"),
    Column("error", Text, nullable=True),
    Column("note", String(500), nullable=True),  # e.g. why an applied event changed nothing
    Column("attempts", Integer, nullable=False, default=0),
    Column("lease_owner", String(100), nullable=True),
    Column("lease_until", TS, nullable=True),
    Column("available_at", TS, nullable=False),  # not handed out before (retry backoff)
    Column("received_at", TS, nullable=False),
    Column("applied_at", TS, nullable=True),
    Column("parse_ms", Float, nullable=True),
    Column("enrich_ms", Float, nullable=True),
    Column("apply_ms", Float, nullable=True),
    Column("changes", Integer, nullable=True),  # change rows written by this event's application
    Column("first_change_seq", BigInteger, nullable=True),
    Column("last_change_seq", BigInteger, nullable=True),
    # Every asset the application touched (ids, space-separated), for the event's detail and to tell
    # which events of a dataset touched one of its columns: ``inbound_event_assets`` indexes columns
    # under their dataset (a run event touches several columns per dataset, and each index row is a
    # page written per event). Null for events settled before this column existed.
    Column("touched_assets", Text, nullable=True),
    # The local bus's queue: a claim walks the waiting rows in arrival order and stops at its limit
    # (an index on (status, available_at) made every claim sort the whole backlog).
    Index("ix_inbound_events_queue", "status", "seq"),
    # The rows leased right now, and so the partitions other workers hold. Only waiting rows are
    # leased (every way out of ``received`` clears the lease), so this stays as small as the work
    # in flight however long the inbox grows.
    Index("ix_inbound_events_leased", "lease_until", "partition",
          sqlite_where=text("lease_until IS NOT NULL"), postgresql_where=text("lease_until IS NOT NULL")),
    Index("ix_inbound_events_tenant_received", "tenant_id", "received_at"),
)

# Which datasets, jobs and other assets an applied event touched (a column under its dataset), so the
# events API can answer "what happened to this asset".
inbound_event_assets = Table(
    "inbound_event_assets",
    metadata,
    Column("event_seq", BigInteger, primary_key=True),
    Column("asset_id", Uuid, primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Index("ix_inbound_event_assets_asset", "tenant_id", "asset_id"),
)

# Events applied to the catalog whose inbox row is not settled yet, written in the transaction that
# applied them. Only used when the inbox is a database file of its own (SQLite: accepts then never
# wait for the worker's transaction): the worker settles the inbox right after the catalog commits,
# and if it dies in between, the next delivery finds the event here and settles it from ``outcome``
# instead of applying it twice. Deleted once the inbox row is settled.
inbound_applied = Table(
    "inbound_applied",
    metadata,
    Column("event_id", Uuid, primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("outcome", Json, nullable=False),  # the inbox row's settled columns and the touched asset ids
)

# Per-tenant configuration of a source: the webhook secret (Fernet-encrypted) and parse options
# (e.g. the Monte Carlo table mapping).
inbound_source_configs = Table(
    "inbound_source_configs",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("source", String(32), primary_key=True),
    Column("secret_encrypted", Text, nullable=True),
    Column("options", Json, nullable=False, default=dict),
    Column("updated_by", String(200), nullable=True),
    Column("updated_at", TS, nullable=False),
)
