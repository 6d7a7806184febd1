"""tracing: the W3C trace context on change rows and deliveries (lily.tracing)

Consumers of the change feed (propagation, outbound) and the delivery of a policy to a warehouse
continue the trace of the work that caused them, across processes.

Revision ID: 0013_trace_context
Revises: 0005_governance
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_trace_context"
down_revision = "0005_governance"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("changes", sa.Column("traceparent", sa.String(length=64), nullable=True))
    op.add_column("deliveries", sa.Column("traceparent", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_column("traceparent")
    with op.batch_alter_table("changes") as batch:
        batch.drop_column("traceparent")
