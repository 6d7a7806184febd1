"""Connector runs: one row per run of a configured connector (an S3 scan, a PostgreSQL crawl, an
S3 → SQS drain), with its counts, the errors of the items it skipped, and the state the next
incremental run starts from (partitions seen, relation fingerprints)."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Index, String, Table, Text

from lily.store.tables import TS, Json, metadata

connector_runs = Table(
    "connector_runs",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("run_id", String(64), primary_key=True),
    Column("connector", String(200), nullable=False),  # the name in the connectors file
    Column("kind", String(32), nullable=False),  # s3 | postgres | sqs | ...
    Column("state", String(16), nullable=False),  # running | succeeded | partial | failed
    Column("full", Boolean, nullable=False),  # a full scan (not incremental)
    Column("trigger", String(32), nullable=False),  # cli | schedule | api
    Column("started_at", TS, nullable=False),
    Column("finished_at", TS, nullable=True),
    Column("counts", Json, nullable=False, default=dict),  # objects, datasets, tables, changes, ...
    Column("errors", Json, nullable=False, default=list),  # [{item, reason}]: skipped, the run went on
    Column("notes", Json, nullable=False, default=list),  # e.g. views whose SQL did not parse
    Column("cursor", Json, nullable=True),  # where the next incremental run starts (succeeded runs)
    Column("error", Text, nullable=True),  # why a failed run failed
    Index("ix_connector_runs_name", "tenant_id", "connector", "started_at"),
)
