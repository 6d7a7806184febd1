"""inbound: the touched assets on the event row; columns indexed under their dataset

``inbound_event_assets`` held a row per touched asset, columns included: a run event with column
lineage wrote nine, each on a page of its own in the asset index (two thirds of the pages an inbox
settle wrote). Columns are now indexed under their dataset, and the event row lists every touched
asset, which tells a dataset's events that touched one column from the others.

Revision ID: 0009_inbox_touched_assets
Revises: 0008_inbox_queue_indexes
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_inbox_touched_assets"
down_revision = "0008_inbox_queue_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("inbound_events", sa.Column("touched_assets", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("inbound_events", schema=None) as batch_op:
        batch_op.drop_column("touched_assets")
