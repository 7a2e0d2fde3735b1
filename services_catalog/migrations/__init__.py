"""Alembic migrations of the catalogue (run through services_catalog.migrate)."""
