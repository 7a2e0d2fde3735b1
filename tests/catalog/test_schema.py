"""Migrations: init upgrades in place and keeps data; models and migrations agree."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from services_catalog import migrate
from services_catalog.db import session_scope
from services_catalog.handoff import create_handoff, list_handoffs
from services_catalog.init_db import init_catalog
from services_catalog.models import Base


def _include_object(obj, name, type_, reflected, compare_to) -> bool:
    from services_catalog.migrations.env_filter import include_object

    return include_object(obj, name, type_, reflected, compare_to)



def test_init_upgrades_and_keeps_data(empty_engine):
    first = init_catalog(empty_engine)
    assert first["seeded"] == 53 and first["revision"] == migrate.head_revision()
    with session_scope(empty_engine) as session:
        create_handoff(session, "conv-1", "ar", "legal_advice")
    second = init_catalog(empty_engine)
    assert second == {"revision_before": migrate.head_revision(),
                      "revision": migrate.head_revision(), "seeded": 0}
    with session_scope(empty_engine) as session:
        assert [h["conversation_id"] for h in list_handoffs(session)] == ["conv-1"]


def test_init_upgrades_an_older_schema_in_place(empty_engine):
    migrate.downgrade(empty_engine, "0001_initial")
    with session_scope(empty_engine) as session:
        create_handoff(session, "kept", "tr", None)
    result = init_catalog(empty_engine)
    assert result["revision_before"] == "0001_initial"
    assert result["revision"] == migrate.head_revision() == "0002_search_schedule"
    with session_scope(empty_engine) as session:
        assert [h["conversation_id"] for h in list_handoffs(session)] == ["kept"]


def test_init_reseeds_a_seeded_catalogue_when_seed_files_change(empty_engine, monkeypatch,
                                                                tmp_path):
    from services_catalog import init_db
    from services_catalog.hsds import export_path, import_path

    init_catalog(empty_engine)
    monkeypatch.setattr(init_db, "seed_fingerprint", lambda: "changed")
    assert init_catalog(empty_engine)["seeded"] == 53
    # after an import the catalogue belongs to whoever imported it: init leaves it alone
    with session_scope(empty_engine) as session:
        export_path(session, tmp_path / "c.json")
        import_path(session, tmp_path / "c.json")
    monkeypatch.setattr(init_db, "seed_fingerprint", lambda: "changed again")
    assert init_catalog(empty_engine)["seeded"] == 0


def test_models_match_migrations(empty_engine):
    """Autogenerate finds nothing to do, apart from the raw-SQL full-text objects."""
    with empty_engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={
            "include_object": _include_object})
        diffs = compare_metadata(context, Base.metadata)
    assert diffs == []


def test_downgrade_removes_everything(empty_engine):
    migrate.downgrade(empty_engine, "base")
    tables = set(inspect(empty_engine).get_table_names()) - {"alembic_version"}
    assert tables == set()
    migrate.upgrade(empty_engine)
    assert "handoff_request" in inspect(empty_engine).get_table_names()
