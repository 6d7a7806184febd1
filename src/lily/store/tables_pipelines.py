"""Pipeline run records: one row per run of a pipeline for a ``process_date``, one per step.

Tenant-scoped like every other table: the primary keys start with ``tenant_id``. Run ids are
UUIDv5 of ``(pipeline, process_date, attempt)`` (see ``lily.pipelines.openlineage.run_id_for``), so
two tenants running the same day get the same run id; the tenant column keeps them apart.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)
from sqlalchemy.dialects.postgresql import JSONB

from lily.store.tables import metadata

_Json = JSON().with_variant(JSONB(), "postgresql")
_TS = DateTime(timezone=True)  # stored as UTC; SQLite drops the zone, the repository restores it

pipeline_runs = Table(
    "pipeline_runs",
    metadata,
    Column("tenant_id", String(64), ForeignKey("tenants.id"), primary_key=True),
    Column("run_id", String(64), primary_key=True),
    Column("pipeline", String(200), nullable=False),
    Column("process_date", Date, nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("state", String(16), nullable=False),  # lily.pipelines.runs.State
    Column("trigger", String(32), nullable=False),
    Column("started_at", _TS, nullable=False),
    Column("finished_at", _TS, nullable=True),
    Column("error", Text, nullable=True),
    # Listing a pipeline's runs by day (and finding the latest attempt of a day) is the hot query.
    Index("ix_pipeline_runs_day", "tenant_id", "pipeline", "process_date", "attempt"),
)

pipeline_steps = Table(
    "pipeline_steps",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("run_id", String(64), primary_key=True),
    Column("step", String(64), primary_key=True),
    # Order in which the step was first saved; later saves of the same step keep it.
    Column("position", Integer, nullable=False),
    Column("state", String(16), nullable=False),
    Column("started_at", _TS, nullable=False),
    Column("finished_at", _TS, nullable=True),
    Column("rows_in", BigInteger, nullable=False, default=0),
    Column("rows_out", BigInteger, nullable=False, default=0),
    Column("rows_rejected", BigInteger, nullable=False, default=0),
    Column("error", Text, nullable=True),
    Column("details", _Json, nullable=False, default=dict),
)
