"""detected classifications as suggestions; scored quality results

``classifications`` gains ``status`` (``suggested`` / ``confirmed`` for detected rows) and
``evidence`` (what the detector saw: recognizer, score, sample size, classifier version, run and
time); ``classification_rejections`` keeps the detected tags a person rejected, so detection never
suggests them again. ``quality_results`` gains ``scores`` (0-100 per DAMA dimension), ``status``
(pass / warn / fail) and ``context`` (pipeline, layer, process date, decision).

A branch off ``0003_runs_incidents`` (which created ``quality_results``; ``classifications`` is
core), like every flow's migrations.

Revision ID: 0010_detected_review
Revises: 0003_runs_incidents
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0010_detected_review"
down_revision = "0003_runs_incidents"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("classifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("status", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("evidence", _JSON, nullable=True))
    op.create_table(
        "classification_rejections",
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("asset_id", sa.Uuid(), nullable=False),
        sa.Column("tag", sa.String(length=200), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("evidence", _JSON, nullable=True),
        sa.Column("rejected_by", sa.String(length=200), nullable=True),
        sa.Column("rejected_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "asset_id", "tag", name=op.f("pk_classification_rejections")),
    )
    with op.batch_alter_table("quality_results", schema=None) as batch_op:
        batch_op.add_column(sa.Column("scores", _JSON, nullable=True))
        batch_op.add_column(sa.Column("status", sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column("context", _JSON, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("quality_results", schema=None) as batch_op:
        batch_op.drop_column("context")
        batch_op.drop_column("status")
        batch_op.drop_column("scores")
    op.drop_table("classification_rejections")
    with op.batch_alter_table("classifications", schema=None) as batch_op:
        batch_op.drop_column("evidence")
        batch_op.drop_column("status")
