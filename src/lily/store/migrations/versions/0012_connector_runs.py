"""connectors: one row per connector run (counts, skipped items, the incremental cursor)

A branch off ``0001_core``, like every flow's migrations.

Revision ID: 0012_connector_runs
Revises: 0001_core
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0012_connector_runs"
down_revision = "0001_core"
branch_labels = ("connectors",)
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "connector_runs",
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("run_id", sa.String(length=64), nullable=False),
        sa.Column("connector", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("full", sa.Boolean(), nullable=False),
        sa.Column("trigger", sa.String(length=32), nullable=False),
        sa.Column("started_at", _TS, nullable=False),
        sa.Column("finished_at", _TS, nullable=True),
        sa.Column("counts", _JSON, nullable=False),
        sa.Column("errors", _JSON, nullable=False),
        sa.Column("notes", _JSON, nullable=False),
        sa.Column("cursor", _JSON, nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("tenant_id", "run_id", name=op.f("pk_connector_runs")),
    )
    with op.batch_alter_table("connector_runs", schema=None) as batch_op:
        batch_op.create_index("ix_connector_runs_name", ["tenant_id", "connector", "started_at"], unique=False)


def downgrade() -> None:
    op.drop_table("connector_runs")
