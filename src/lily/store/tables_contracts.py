"""Declared lineage processes, data contracts and dataset update history (freshness).

Defined on the core ``metadata``; created by the ``0011_contracts`` migration branch. Every row
carries ``tenant_id`` and every query filters on it.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, PrimaryKeyConstraint, String, Table, Text, Uuid

from lily.store.tables import TS, Json, metadata

# A declared LineageProcess (YAML file or API) and the edges it owns: re-applying it removes the
# owned edges it no longer declares, and nothing else.
lineage_processes = Table(
    "lineage_processes",
    metadata,
    Column("tenant_id", String(64), nullable=False),
    Column("name", String(200), nullable=False),
    Column("body", Json, nullable=False),  # the validated process as JSON
    Column("origin", String(1000), nullable=False),  # "api" or the file it was read from
    Column("digest", String(64), nullable=False),  # sha256 of body: an unchanged file is not re-applied
    Column("edges", Json, nullable=False, default=list),  # owned edges: [[source ref], [target ref]]
    Column("errors", Json, nullable=False, default=list),  # per-item problems of the last apply
    Column("updated_by", String(200), nullable=True),
    Column("created_at", TS, nullable=False),
    Column("updated_at", TS, nullable=False),
    PrimaryKeyConstraint("tenant_id", "name", name="pk_lineage_processes"),
)

# An ODCS v3 contract, kept as the document it was imported as (unknown fields included), and the
# status of its last evaluation per dataset.
data_contracts = Table(
    "data_contracts",
    metadata,
    Column("tenant_id", String(64), nullable=False),
    Column("contract_id", String(200), nullable=False),
    Column("document", Json, nullable=False),
    Column("datasets", Json, nullable=False, default=list),  # [{namespace, name, schema}] it governs
    Column("status", String(16), nullable=False, default="unknown"),  # passing | failing | unknown
    Column("result", Json, nullable=True),  # the last evaluation (per dataset: findings, quality)
    Column("evaluated_at", TS, nullable=True),
    Column("updated_by", String(200), nullable=True),
    Column("created_at", TS, nullable=False),
    Column("updated_at", TS, nullable=False),
    PrimaryKeyConstraint("tenant_id", "contract_id", name="pk_data_contracts"),
)

# When a dataset was seen to change (object created, run COMPLETE, scan): learned cadence.
dataset_updates = Table(
    "dataset_updates",
    metadata,
    Column("tenant_id", String(64), nullable=False),
    Column("asset_id", Uuid, nullable=False),
    Column("at", TS, nullable=False),
    Column("seq", BigInteger, nullable=False),  # the change that showed it
    Column("source", Text, nullable=True),
    PrimaryKeyConstraint("tenant_id", "asset_id", "at", name="pk_dataset_updates"),
    Index("ix_dataset_updates_asset", "tenant_id", "asset_id", "at"),
)
