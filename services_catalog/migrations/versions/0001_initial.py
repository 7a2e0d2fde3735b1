"""Initial catalogue schema (HSDS 3.0 shaped), search tables, handoff_request and staff_user.

Revision ID: 0001_initial
Revises:
Create Date: 2026-11-01
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_initial"
down_revision = None
branch_labels = None
depends_on = None

SID = sa.String(80)


def _service_fk() -> sa.Column:
    return sa.Column("service_id", SID, sa.ForeignKey("service.id", ondelete="CASCADE"),
                     nullable=False)


def upgrade() -> None:
    op.create_table(
        "organization",
        sa.Column("id", SID, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("description", sa.Text),
        sa.Column("email", sa.String(200)),
        sa.Column("url", sa.String(500)),
    )
    op.create_table(
        "district",
        sa.Column("id", SID, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("stadtbezirk", sa.String(40), nullable=False),
        sa.Column("teilbereich", sa.String(60)),
        sa.Column("source_url", sa.Text),
    )
    op.create_table(
        "district_alias",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("district_id", SID, sa.ForeignKey("district.id", ondelete="CASCADE"),
                  nullable=False, index=True),
        sa.Column("alias", sa.Text, nullable=False),
    )
    op.create_table(
        "service",
        sa.Column("id", SID, primary_key=True),
        sa.Column("organization_id", SID, sa.ForeignKey("organization.id"), index=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("description", sa.Text),
        sa.Column("url", sa.String(500)),
        sa.Column("email", sa.String(200)),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("fees_description", sa.Text),
        sa.Column("eligibility_description", sa.Text),
        sa.Column("minimum_age", sa.Integer),
        sa.Column("maximum_age", sa.Integer),
        sa.Column("opening_hours_text", sa.Text),
        sa.Column("language_note", sa.Text),
        sa.Column("source_url", sa.Text, nullable=False),
        sa.Column("source_date", sa.Text),
        sa.Column("assured_date", sa.Date, nullable=False),
    )
    op.create_table(
        "location",
        sa.Column("id", sa.String(100), primary_key=True),
        sa.Column("organization_id", SID, sa.ForeignKey("organization.id")),
        sa.Column("name", sa.Text),
        sa.Column("location_type", sa.String(20), nullable=False),
        sa.Column("address_1", sa.Text),
        sa.Column("postal_code", sa.String(60)),
        sa.Column("city", sa.String(80)),
        sa.Column("country", sa.String(2)),
        sa.Column("district_id", SID, sa.ForeignKey("district.id")),
    )
    op.create_table(
        "service_at_location",
        sa.Column("id", sa.String(200), primary_key=True),
        _service_fk(),
        sa.Column("location_id", sa.String(100),
                  sa.ForeignKey("location.id", ondelete="CASCADE"), nullable=False),
    )
    op.create_index("ix_service_at_location_service_id", "service_at_location", ["service_id"])
    op.create_table(
        "phone",
        sa.Column("id", sa.String(120), primary_key=True),
        sa.Column("service_id", SID, sa.ForeignKey("service.id", ondelete="CASCADE")),
        sa.Column("location_id", sa.String(100), sa.ForeignKey("location.id", ondelete="CASCADE")),
        sa.Column("number", sa.String(60), nullable=False),
        sa.Column("type", sa.String(20), nullable=False),
        sa.Column("description", sa.Text),
    )
    op.create_index("ix_phone_service_id", "phone", ["service_id"])
    op.create_table(
        "schedule",
        sa.Column("id", sa.String(120), primary_key=True),
        sa.Column("service_id", SID, sa.ForeignKey("service.id", ondelete="CASCADE")),
        sa.Column("location_id", sa.String(100), sa.ForeignKey("location.id", ondelete="CASCADE")),
        sa.Column("freq", sa.String(10)),
        sa.Column("byday", sa.String(60)),
        sa.Column("opens_at", sa.String(5)),
        sa.Column("closes_at", sa.String(5)),
        sa.Column("description", sa.Text),
        sa.Column("notes", sa.Text),
    )
    op.create_index("ix_schedule_service_id", "schedule", ["service_id"])
    op.create_table(
        "language",
        sa.Column("id", sa.String(120), primary_key=True),
        sa.Column("service_id", SID, sa.ForeignKey("service.id", ondelete="CASCADE")),
        sa.Column("code", sa.String(10), nullable=False),
        sa.Column("name", sa.String(60)),
        sa.Column("note", sa.Text),
    )
    op.create_index("ix_language_service_id", "language", ["service_id"])
    op.create_table(
        "taxonomy_term",
        sa.Column("id", sa.String(60), primary_key=True),
        sa.Column("code", sa.String(60), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("description", sa.Text),
        sa.Column("parent_id", sa.String(60), sa.ForeignKey("taxonomy_term.id")),
        sa.Column("taxonomy", sa.String(60), nullable=False),
    )
    op.create_table(
        "service_taxonomy",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _service_fk(),
        sa.Column("taxonomy_term_id", sa.String(60), sa.ForeignKey("taxonomy_term.id"),
                  nullable=False),
        sa.Column("weight", sa.Float, nullable=False),
        sa.UniqueConstraint("service_id", "taxonomy_term_id"),
    )
    op.create_index("ix_service_taxonomy_term", "service_taxonomy",
                    ["taxonomy_term_id", "service_id"])
    op.create_table(
        "eligibility",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _service_fk(),
        sa.Column("residence_status", sa.String(40), nullable=False),
    )
    op.create_index("ix_eligibility_service_id", "eligibility", ["service_id"])
    op.create_table(
        "cost_option",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _service_fk(),
        sa.Column("option", sa.Text),
        sa.Column("amount", sa.Numeric(10, 2)),
        sa.Column("currency", sa.String(3)),
        sa.Column("amount_description", sa.Text),
    )
    op.create_index("ix_cost_option_service_id", "cost_option", ["service_id"])
    op.create_table(
        "service_area",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _service_fk(),
        sa.Column("district_id", SID, sa.ForeignKey("district.id"), nullable=False),
        sa.Column("name", sa.Text),
        sa.Column("description", sa.Text),
    )
    op.create_index("ix_service_area_service_id", "service_area", ["service_id"])
    op.create_table(
        "translation",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("link_type", sa.String(30), nullable=False),
        sa.Column("link_id", sa.String(120), nullable=False),
        sa.Column("link_field", sa.String(40), nullable=False),
        sa.Column("language", sa.String(10), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("reviewed", sa.Boolean, nullable=False),
        sa.UniqueConstraint("link_type", "link_id", "link_field", "language"),
    )
    op.create_index("ix_translation_link", "translation", ["link_type", "link_id"])
    op.create_table(
        "service_search",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("service_id", SID, sa.ForeignKey("service.id", ondelete="CASCADE"),
                  nullable=False, unique=True),
        sa.Column("sort_name", sa.Text, nullable=False),
        sa.Column("stadtteile", sa.Text, nullable=False),
        sa.Column("stadtbezirke", sa.Text, nullable=False),
        sa.Column("languages", sa.Text, nullable=False),
        sa.Column("statuses", sa.Text, nullable=False),
        sa.Column("minimum_age", sa.Integer),
        sa.Column("maximum_age", sa.Integer),
        sa.Column("free", sa.Boolean, nullable=False),
    )
    op.create_table(
        "search_document",
        sa.Column("id", sa.Integer, sa.ForeignKey("service_search.id", ondelete="CASCADE"),
                  primary_key=True, autoincrement=False),
        sa.Column("name_norm", sa.Text, nullable=False),
        sa.Column("doc", sa.Text, nullable=False),
    )
    op.create_table(
        "search_term",
        sa.Column("taxonomy_term_id", sa.String(60), primary_key=True),
        sa.Column("search_id", sa.Integer,
                  sa.ForeignKey("service_search.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("weight", sa.Float, nullable=False),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "search_vocab",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("term", sa.Text, nullable=False, unique=True),
        sa.Column("doc_count", sa.Integer, nullable=False),
    )
    op.create_table(
        "catalog_meta",
        sa.Column("key", sa.String(60), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    op.create_table(
        "handoff_request",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("conversation_id", sa.String(100), nullable=False, index=True),
        sa.Column("language", sa.String(10), nullable=False),
        sa.Column("topic", sa.String(60)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.CheckConstraint("status IN ('open', 'done')", name="ck_handoff_status"),
    )
    op.create_table(
        "staff_user",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("username", sa.String(100), nullable=False, unique=True),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("failed_attempts", sa.Integer, nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    _create_text_search()


def _create_text_search() -> None:
    """Database-specific full-text objects: FTS5 on SQLite, tsvector + pg_trgm on PostgreSQL."""
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        op.execute("CREATE VIRTUAL TABLE search_fts USING fts5(name_norm, doc, "
                   "content='search_document', content_rowid='id', "
                   "tokenize='unicode61 remove_diacritics 0')")
        # The trigram tokenizer exists from SQLite 3.34; without it typo search falls back to
        # Python (services_catalog.textsearch checks which one is present).
        try:
            with bind.begin_nested():
                bind.exec_driver_sql(
                    "CREATE VIRTUAL TABLE search_vocab_fts USING fts5(term, "
                    "content='search_vocab', content_rowid='id', tokenize='trigram')")
        except sa.exc.OperationalError:
            pass
    elif bind.dialect.name == "postgresql":
        # A stored vector: ranking needs it per matching row, recomputing it would be slow.
        op.execute("ALTER TABLE search_document ADD COLUMN tsv tsvector GENERATED ALWAYS AS "
                   "(setweight(to_tsvector('simple', name_norm), 'A') || "
                   "to_tsvector('simple', doc)) STORED")
        op.execute("CREATE INDEX ix_search_document_tsv ON search_document USING gin (tsv)")
        # CREATE EXTENSION may need a superuser; without pg_trgm typo search uses Python.
        try:
            with bind.begin_nested():
                bind.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
                bind.exec_driver_sql("CREATE INDEX ix_search_vocab_trgm ON search_vocab "
                                     "USING gin (term gin_trgm_ops)")
        except sa.exc.DBAPIError:
            pass


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS search_vocab_fts")
        op.execute("DROP TABLE IF EXISTS search_fts")
    for table in ("staff_user", "handoff_request", "catalog_meta", "search_vocab", "search_term",
                  "search_document", "service_search",
                  "translation", "service_area", "cost_option", "eligibility",
                  "service_taxonomy", "taxonomy_term", "language", "schedule", "phone",
                  "service_at_location", "location", "service", "district_alias", "district",
                  "organization"):
        op.drop_table(table)
