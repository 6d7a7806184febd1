"""inbound: inbox of received events, touched assets, per-tenant source config

Revision ID: 0002_inbound
Revises: 0001_core
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002_inbound"
down_revision = "0001_core"
branch_labels = ("inbound",)
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "inbound_events",
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True,
                  nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("event_type", sa.String(length=120), nullable=True),
        sa.Column("idempotency_key", sa.String(length=64), nullable=False),
        sa.Column("partition", sa.Integer(), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.Column("headers", _JSON, nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=True),
        sa.Column("correlation_id", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("lease_owner", sa.String(length=100), nullable=True),
        sa.Column("lease_until", _TS, nullable=True),
        sa.Column("available_at", _TS, nullable=False),
        sa.Column("received_at", _TS, nullable=False),
        sa.Column("applied_at", _TS, nullable=True),
        sa.Column("parse_ms", sa.Float(), nullable=True),
        sa.Column("enrich_ms", sa.Float(), nullable=True),
        sa.Column("apply_ms", sa.Float(), nullable=True),
        sa.Column("changes", sa.Integer(), nullable=True),
        sa.Column("first_change_seq", sa.BigInteger(), nullable=True),
        sa.Column("last_change_seq", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_inbound_events")),
        sa.UniqueConstraint("id", name=op.f("uq_inbound_events_id")),
        sa.UniqueConstraint("tenant_id", "source", "idempotency_key", name="uq_inbound_events_key"),
    )
    with op.batch_alter_table("inbound_events", schema=None) as batch_op:
        batch_op.create_index("ix_inbound_events_ready", ["status", "available_at"], unique=False)
        batch_op.create_index("ix_inbound_events_tenant_received", ["tenant_id", "received_at"], unique=False)

    op.create_table(
        "inbound_event_assets",
        sa.Column("event_seq", sa.BigInteger(), nullable=False),
        sa.Column("asset_id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("event_seq", "asset_id", name=op.f("pk_inbound_event_assets")),
    )
    with op.batch_alter_table("inbound_event_assets", schema=None) as batch_op:
        batch_op.create_index("ix_inbound_event_assets_asset", ["tenant_id", "asset_id"], unique=False)

    op.create_table(
        "inbound_source_configs",
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("secret_encrypted", sa.Text(), nullable=True),
        sa.Column("options", _JSON, nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=True),
        sa.Column("updated_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "source", name=op.f("pk_inbound_source_configs")),
    )


def downgrade() -> None:
    op.drop_table("inbound_source_configs")
    with op.batch_alter_table("inbound_event_assets", schema=None) as batch_op:
        batch_op.drop_index("ix_inbound_event_assets_asset")
    op.drop_table("inbound_event_assets")
    with op.batch_alter_table("inbound_events", schema=None) as batch_op:
        batch_op.drop_index("ix_inbound_events_tenant_received")
        batch_op.drop_index("ix_inbound_events_ready")
    op.drop_table("inbound_events")
