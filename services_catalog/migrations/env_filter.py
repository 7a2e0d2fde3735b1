"""Objects the migrations create with raw SQL, which autogenerate must leave alone."""
from __future__ import annotations

#: FTS5 virtual tables and their shadow tables (SQLite), the stored tsvector column and the
#: GIN/trigram indexes (PostgreSQL).
DERIVED_PREFIXES = ("search_fts", "search_vocab_fts", "ix_search_document_tsv",
                    "ix_search_vocab_trgm", "tsv")


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic ``include_object`` hook: skip derived full-text objects found in the database."""
    return not (reflected and compare_to is None and (name or "").startswith(DERIVED_PREFIXES))
