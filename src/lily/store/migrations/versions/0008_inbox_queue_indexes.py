"""inbound: queue indexes that keep a claim's cost independent of the backlog

``(status, available_at)`` made every claim read and sort all waiting rows, and made SQLite's
planner look up a handful of ids through it (a scan of the backlog) instead of through the id
index. ``(status, seq)`` is walked in arrival order and the claim stops at its limit; a partial
index on ``lease_until`` holds only the rows leased right now (the partitions other workers hold).

Revision ID: 0008_inbox_queue_indexes
Revises: 0007_inbound_applied
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_inbox_queue_indexes"
down_revision = "0007_inbound_applied"
branch_labels = None
depends_on = None

_LEASED = sa.text("lease_until IS NOT NULL")


def upgrade() -> None:
    op.drop_index("ix_inbound_events_ready", table_name="inbound_events")
    op.create_index("ix_inbound_events_queue", "inbound_events", ["status", "seq"])
    op.create_index("ix_inbound_events_leased", "inbound_events", ["lease_until", "partition"],
                    sqlite_where=_LEASED, postgresql_where=_LEASED)


def downgrade() -> None:
    op.drop_index("ix_inbound_events_leased", table_name="inbound_events")
    op.drop_index("ix_inbound_events_queue", table_name="inbound_events")
    op.create_index("ix_inbound_events_ready", "inbound_events", ["status", "available_at"])
