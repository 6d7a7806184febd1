"""runs, run inputs/outputs, data-quality results, incidents

Revision ID: 0003_runs_incidents
Revises: 0001_core
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003_runs_incidents"
down_revision = "0001_core"
branch_labels = ("runs_incidents",)
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "runs",
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("run_id", sa.String(length=100), nullable=False),
        sa.Column("job_id", sa.Uuid(), nullable=False),
        sa.Column("job_version", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("state_at", _TS, nullable=False),
        sa.Column("event_types", _JSON, nullable=False),
        sa.Column("started_at", _TS, nullable=True),
        sa.Column("ended_at", _TS, nullable=True),
        sa.Column("nominal_start_time", _TS, nullable=True),
        sa.Column("nominal_end_time", _TS, nullable=True),
        sa.Column("facets", _JSON, nullable=False),
        sa.Column("facet_times", _JSON, nullable=False),
        sa.Column("parent_run_id", sa.String(length=100), nullable=True),
        sa.Column("inputs", _JSON, nullable=False),
        sa.Column("outputs", _JSON, nullable=False),
        sa.Column("first_event_at", _TS, nullable=False),
        sa.Column("last_event_at", _TS, nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "run_id", name=op.f("pk_runs")),
    )
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.create_index("ix_runs_job", ["tenant_id", "job_id", "first_event_at"], unique=False)

    op.create_table(
        "run_io",
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("run_id", sa.String(length=100), nullable=False),
        sa.Column("asset_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.String(length=8), nullable=False),
        sa.Column("job_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.Column("event_time", _TS, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "run_id", "asset_id", "role", name=op.f("pk_run_io")),
    )
    with op.batch_alter_table("run_io", schema=None) as batch_op:
        batch_op.create_index("ix_run_io_asset", ["tenant_id", "asset_id"], unique=False)
        batch_op.create_index("ix_run_io_job", ["tenant_id", "job_id"], unique=False)

    op.create_table(
        "quality_results",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("asset_id", sa.Uuid(), nullable=False),
        sa.Column("run_id", sa.String(length=100), nullable=True),
        sa.Column("assertions", _JSON, nullable=False),
        sa.Column("metrics", _JSON, nullable=False),
        sa.Column("passed", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("observed_at", _TS, nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quality_results")),
    )
    with op.batch_alter_table("quality_results", schema=None) as batch_op:
        batch_op.create_index("ix_quality_asset", ["tenant_id", "asset_id", "observed_at"], unique=False)

    op.create_table(
        "incidents",
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True,
                  nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=64), nullable=True),
        sa.Column("severity", sa.String(length=64), nullable=True),
        sa.Column("owner", sa.String(length=500), nullable=True),
        sa.Column("link", sa.Text(), nullable=True),
        sa.Column("affected", _JSON, nullable=False),
        sa.Column("unresolved", _JSON, nullable=False),
        sa.Column("timeline", _JSON, nullable=False),
        sa.Column("enrichment", _JSON, nullable=False),
        sa.Column("opened_at", _TS, nullable=False),
        sa.Column("last_observed_at", _TS, nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_incidents")),
        sa.UniqueConstraint("id", name=op.f("uq_incidents_id")),
        sa.UniqueConstraint("tenant_id", "source", "external_id", name="uq_incidents_external"),
    )
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.create_index("ix_incidents_tenant_status", ["tenant_id", "status"], unique=False)

    op.create_table(
        "incident_assets",
        sa.Column("incident_id", sa.Uuid(), nullable=False),
        sa.Column("asset_id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("incident_id", "asset_id", name=op.f("pk_incident_assets")),
    )
    with op.batch_alter_table("incident_assets", schema=None) as batch_op:
        batch_op.create_index("ix_incident_assets_asset", ["tenant_id", "asset_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("incident_assets", schema=None) as batch_op:
        batch_op.drop_index("ix_incident_assets_asset")
    op.drop_table("incident_assets")
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_index("ix_incidents_tenant_status")
    op.drop_table("incidents")
    with op.batch_alter_table("quality_results", schema=None) as batch_op:
        batch_op.drop_index("ix_quality_asset")
    op.drop_table("quality_results")
    with op.batch_alter_table("run_io", schema=None) as batch_op:
        batch_op.drop_index("ix_run_io_job")
        batch_op.drop_index("ix_run_io_asset")
    op.drop_table("run_io")
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.drop_index("ix_runs_job")
    op.drop_table("runs")
