"""inbound: drop the inbox's (tenant, source, idempotency key) unique constraint

An event's id is the UUIDv5 of (tenant, source, idempotency key) and is unique already, so the
second unique index only cost a random-leaf B-tree insert per accepted event (a third of the pages
an accepting commit wrote).

Revision ID: 0006_inbox_key
Revises: 0002_inbound
"""

from __future__ import annotations

from alembic import op

revision = "0006_inbox_key"
down_revision = "0002_inbound"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # SQLite cannot drop a table constraint in place: batch mode copies the table.
    with op.batch_alter_table("inbound_events", schema=None) as batch_op:
        batch_op.drop_constraint("uq_inbound_events_key", type_="unique")


def downgrade() -> None:
    with op.batch_alter_table("inbound_events", schema=None) as batch_op:
        batch_op.create_unique_constraint("uq_inbound_events_key", ["tenant_id", "source", "idempotency_key"])
