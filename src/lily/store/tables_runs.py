"""Runs, data-quality results and incidents: what producers say *happened*, beside the catalog.

Runs come from OpenLineage RunEvents (one row per run, facets additive across its events),
quality results from ``dataQualityAssertions``/``dataQualityMetrics`` facets, incidents from
monitoring tools (Monte Carlo). Asset ids are the catalog's deterministic ids
(``lily.model.asset_id``), so rows can name an asset before or without a lookup.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, Integer, String, Table, Text, UniqueConstraint, Uuid

from lily.store.tables import TS, Json, metadata

# SQLite only auto-increments an INTEGER PRIMARY KEY (the rowid alias); PostgreSQL gets a BIGINT identity.
Seq = BigInteger().with_variant(Integer(), "sqlite")

runs = Table(
    "runs",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("run_id", String(100), primary_key=True),
    Column("job_id", Uuid, nullable=False),
    Column("job_version", Integer, nullable=True),  # the job asset's version at the run's last event
    # RUNNING | COMPLETED | FAILED | ABORTED; a terminal state is never reopened by a late RUNNING/OTHER.
    Column("state", String(16), nullable=False),
    Column("state_at", TS, nullable=False),  # event time of the event that set ``state``
    Column("event_types", Json, nullable=False, default=list),  # distinct, in order first seen
    Column("started_at", TS, nullable=True),  # earliest START event time
    Column("ended_at", TS, nullable=True),  # event time of the terminal event
    Column("nominal_start_time", TS, nullable=True),
    Column("nominal_end_time", TS, nullable=True),
    Column("facets", Json, nullable=False, default=dict),
    # Event time each facet was last set at, so a late, older event cannot overwrite a newer facet.
    Column("facet_times", Json, nullable=False, default=dict),
    Column("parent_run_id", String(100), nullable=True),
    Column("inputs", Json, nullable=False, default=list),  # [{namespace, name}] in order first seen
    Column("outputs", Json, nullable=False, default=list),
    Column("first_event_at", TS, nullable=False),
    Column("last_event_at", TS, nullable=False),
    Column("created_at", TS, nullable=False),
    Column("updated_at", TS, nullable=False),
    Index("ix_runs_job", "tenant_id", "job_id", "first_event_at"),
)

# Which datasets a run read and wrote, with the dataset version it saw: the job <-> dataset links
# of the Marquez lineage graph and the input/output dataset versions of a run.
run_io = Table(
    "run_io",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("run_id", String(100), primary_key=True),
    Column("asset_id", Uuid, primary_key=True),
    Column("role", String(8), primary_key=True),  # input | output
    Column("job_id", Uuid, nullable=False),
    Column("version", Integer, nullable=True),
    Column("event_time", TS, nullable=False),
    Index("ix_run_io_asset", "tenant_id", "asset_id"),
    Index("ix_run_io_job", "tenant_id", "job_id"),
)

quality_results = Table(
    "quality_results",
    metadata,
    # Derived from the result's content, so applying the same result twice stores it once.
    Column("id", Uuid, primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("asset_id", Uuid, nullable=False),
    Column("run_id", String(100), nullable=True),
    Column("assertions", Json, nullable=False, default=list),
    Column("metrics", Json, nullable=False, default=dict),
    Column("passed", Integer, nullable=False, default=0),
    Column("failed", Integer, nullable=False, default=0),
    Column("observed_at", TS, nullable=False),
    Column("created_at", TS, nullable=False),
    # From producers that score their checks (lily.quality): 0-100 per dimension, pass/warn/fail,
    # and where the result comes from (0010_detected_review).
    Column("scores", Json, nullable=True),
    Column("status", String(8), nullable=True),
    Column("context", Json, nullable=True),
    Index("ix_quality_asset", "tenant_id", "asset_id", "observed_at"),
)

incidents = Table(
    "incidents",
    metadata,
    # Creation order: the cursor of the incidents API (newest first).
    Column("seq", Seq, primary_key=True, autoincrement=True),
    Column("id", Uuid, nullable=False, unique=True),  # stable_id(tenant, "incident", source, external_id)
    Column("tenant_id", String(64), nullable=False),
    Column("source", String(64), nullable=False),
    Column("external_id", String(200), nullable=False),
    Column("title", Text, nullable=True),
    Column("status", String(64), nullable=True),
    Column("severity", String(64), nullable=True),
    Column("owner", String(500), nullable=True),
    Column("link", Text, nullable=True),
    Column("affected", Json, nullable=False, default=list),  # [{namespace, name, field}]
    Column("unresolved", Json, nullable=False, default=list),
    # Every distinct update, ordered by observed_at; the scalar fields above are a fold of it.
    Column("timeline", Json, nullable=False, default=list),
    Column("enrichment", Json, nullable=False, default=dict),
    Column("opened_at", TS, nullable=False),  # earliest observed update
    Column("last_observed_at", TS, nullable=False),
    Column("created_at", TS, nullable=False),
    Column("updated_at", TS, nullable=False),
    UniqueConstraint("tenant_id", "source", "external_id", name="uq_incidents_external"),
    Index("ix_incidents_tenant_status", "tenant_id", "status"),
)

# Incident -> affected asset, for "incidents touching this asset" without JSON queries.
incident_assets = Table(
    "incident_assets",
    metadata,
    Column("incident_id", Uuid, primary_key=True),
    Column("asset_id", Uuid, primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Index("ix_incident_assets_asset", "tenant_id", "asset_id"),
)
