"""declared lineage processes, data contracts, dataset update history

``lineage_processes`` keeps each declared process and the edges it owns; ``data_contracts`` each
ODCS document with the status of its last evaluation; ``dataset_updates`` when a dataset was seen
to change (the history freshness monitoring learns a cadence from).

A branch off ``0001_core``, like every flow's migrations.

Revision ID: 0011_contracts
Revises: 0001_core
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0011_contracts"
down_revision = "0001_core"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "lineage_processes",
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("body", _JSON, nullable=False),
        sa.Column("origin", sa.String(1000), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("edges", _JSON, nullable=False),
        sa.Column("errors", _JSON, nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=True),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "name", name="pk_lineage_processes"),
    )
    op.create_table(
        "data_contracts",
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("contract_id", sa.String(200), nullable=False),
        sa.Column("document", _JSON, nullable=False),
        sa.Column("datasets", _JSON, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("result", _JSON, nullable=True),
        sa.Column("evaluated_at", _TS, nullable=True),
        sa.Column("updated_by", sa.String(200), nullable=True),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "contract_id", name="pk_data_contracts"),
    )
    op.create_table(
        "dataset_updates",
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("asset_id", sa.Uuid(), nullable=False),
        sa.Column("at", _TS, nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("source", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("tenant_id", "asset_id", "at", name="pk_dataset_updates"),
    )
    op.create_index("ix_dataset_updates_asset", "dataset_updates", ["tenant_id", "asset_id", "at"])


def downgrade() -> None:
    op.drop_index("ix_dataset_updates_asset", table_name="dataset_updates")
    op.drop_table("dataset_updates")
    op.drop_table("data_contracts")
    op.drop_table("lineage_processes")
