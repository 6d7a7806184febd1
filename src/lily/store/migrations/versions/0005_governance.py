"""governance: security rules, outbound targets, applied state, deliveries, propagation bookkeeping

Revision ID: 0005_governance
Revises: 0001_core
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0005_governance"
down_revision = "0001_core"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "security_rules",
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("rule_id", sa.String(200), nullable=False),
        sa.Column("body", JSON, nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=True),
        sa.Column("updated_by", sa.String(200), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "rule_id", name="pk_security_rules"),
    )
    op.create_table(
        "outbound_targets",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("config", JSON, nullable=False),
        sa.Column("secrets", sa.Text(), nullable=True),
        sa.Column("secret_keys", JSON, nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_outbound_targets"),
        sa.UniqueConstraint("tenant_id", "name", name="uq_outbound_targets_tenant_name"),
    )
    op.create_table(
        "outbound_applied",
        sa.Column("target_id", sa.Uuid(), nullable=False),
        sa.Column("object_key", sa.String(2200), nullable=False),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("namespace", sa.String(1000), nullable=False),
        sa.Column("name", sa.String(1000), nullable=False),
        sa.Column("policy", JSON, nullable=False),
        sa.Column("delivery_id", sa.Uuid(), nullable=True),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("target_id", "object_key", name="pk_outbound_applied"),
    )
    op.create_index("ix_outbound_applied_object", "outbound_applied", ["tenant_id", "namespace", "name"])
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("target_id", sa.Uuid(), nullable=False),
        sa.Column("object_key", sa.String(2200), nullable=False),
        sa.Column("namespace", sa.String(1000), nullable=False),
        sa.Column("name", sa.String(1000), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("replays", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", TS, nullable=True),
        sa.Column("first_attempt_at", TS, nullable=True),
        sa.Column("claimed_until", TS, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("statements", JSON, nullable=False),
        sa.Column("desired", JSON, nullable=False),
        sa.Column("cause_seq", sa.BigInteger(), nullable=True),
        sa.Column("cause_at", TS, nullable=True),
        sa.Column("correlation_id", sa.String(200), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("applied_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_deliveries"),
    )
    op.create_index("ix_deliveries_due", "deliveries", ["status", "next_attempt_at"])
    op.create_index("ix_deliveries_tenant", "deliveries", ["tenant_id", "status", "created_at"])
    op.create_index("ix_deliveries_object", "deliveries", ["target_id", "object_key", "status"])
    op.create_table(
        "governance_requests",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("target_id", sa.Uuid(), nullable=True),
        sa.Column("reason", sa.String(200), nullable=False),
        sa.Column("correlation_id", sa.String(200), nullable=True),
        sa.Column("requested_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_governance_requests"),
    )
    op.create_index("ix_governance_requests_tenant", "governance_requests", ["tenant_id"])
    op.create_table(
        "propagation_pending",
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("origin_id", sa.Uuid(), nullable=False),
        sa.Column("requested_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "origin_id", name="pk_propagation_pending"),
    )
    op.create_index("ix_classifications_origin", "classifications", ["tenant_id", "origin_key"])


def downgrade() -> None:
    op.drop_index("ix_classifications_origin", table_name="classifications")
    for table in ("propagation_pending", "governance_requests", "deliveries", "outbound_applied",
                  "outbound_targets", "security_rules"):
        op.drop_table(table)
