"""Opening hours in the search tables, so that "open now" is a key seek per candidate.

Revision ID: 0002_search_schedule
Revises: 0001_initial
Create Date: 2026-11-01

The rows are derived: ``init`` rebuilds the search index after upgrading, which fills them.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_search_schedule"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "search_schedule",
        sa.Column("search_id", sa.Integer,
                  sa.ForeignKey("service_search.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("seq", sa.Integer, primary_key=True),
        sa.Column("freq", sa.String(10), nullable=False),
        sa.Column("day_mask", sa.Integer, nullable=False),
        sa.Column("byday", sa.String(60), nullable=False),
        sa.Column("opens_at", sa.String(5), nullable=False),
        sa.Column("closes_at", sa.String(5), nullable=False),
        sa.Column("uncertain", sa.Boolean, nullable=False),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    op.drop_table("search_schedule")
