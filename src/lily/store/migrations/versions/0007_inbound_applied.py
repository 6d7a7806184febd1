"""inbound: applied-event markers, for an inbox kept in a database file of its own

Revision ID: 0007_inbound_applied
Revises: 0006_inbox_key
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")

revision = "0007_inbound_applied"
down_revision = "0006_inbox_key"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inbound_applied",
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("outcome", _JSON, nullable=False),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_inbound_applied")),
    )


def downgrade() -> None:
    op.drop_table("inbound_applied")
