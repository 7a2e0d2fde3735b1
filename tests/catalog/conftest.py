"""Catalogue test fixtures: every database test runs on SQLite and on the real PostgreSQL.

PostgreSQL tests work in their own schemas (``catalog_test_<pid>_<n>`` via ``search_path``) so
they never collide with other suites using the shared ``test`` database; the schemas are dropped
at the end. Without a reachable server the PostgreSQL variants skip, unless REQUIRE_SERVICES=1.
"""
from __future__ import annotations

import contextlib
import itertools
import os
from collections.abc import Callable, Iterator
from urllib.parse import quote

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from services_catalog.db import make_engine, session_scope
from services_catalog.init_db import init_catalog

PG_URL = os.environ.get("CATALOG_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.services)]
_counter = itertools.count()


def _pg_admin() -> Engine | None:
    engine = create_engine(PG_URL, future=True, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any failure means "not reachable"
        engine.dispose()
        return None
    return engine


@pytest.fixture(scope="session")
def pg_admin() -> Iterator[Engine | None]:
    engine = _pg_admin()
    created: list[str] = []
    if engine is not None:
        with engine.begin() as connection:
            # In public, so every test schema sees it; a no-op when it already exists.
            with contextlib.suppress(Exception):  # without it, the Python fallback is tested
                connection.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public"))
    yield (engine, created) if engine is not None else None
    if engine is not None:
        with engine.begin() as connection:
            for schema in created:
                connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        engine.dispose()


@pytest.fixture(scope="session")
def make_db(pg_admin, tmp_path_factory) -> Callable[[str], str]:
    """Factory: a URL of a new, empty database (SQLite file or PostgreSQL schema)."""

    def factory(backend: str) -> str:
        number = next(_counter)
        if backend == "sqlite":
            return f"sqlite:///{tmp_path_factory.mktemp('catalog')}/catalog-{number}.db"
        if pg_admin is None:
            message = f"PostgreSQL not reachable at {PG_URL}"
            if os.environ.get("REQUIRE_SERVICES") == "1":
                pytest.fail(message)
            pytest.skip(message)
        admin, created = pg_admin
        schema = f"catalog_test_{os.getpid()}_{number}"
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        created.append(schema)
        separator = "&" if "?" in PG_URL else "?"
        return f"{PG_URL}{separator}options={quote(f'-csearch_path={schema},public')}"

    return factory


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture(scope="session")
def seeded_engine(backend, make_db) -> Iterator[Engine]:
    """A seeded catalogue shared by the read-only tests of one backend."""
    engine = make_engine(make_db(backend))
    init_catalog(engine)
    yield engine
    engine.dispose()


@pytest.fixture()
def session(seeded_engine):
    with session_scope(seeded_engine) as session:
        yield session


@pytest.fixture()
def empty_engine(backend, make_db) -> Iterator[Engine]:
    """A fresh, migrated but empty catalogue for tests that write."""
    from services_catalog import migrate

    engine = make_engine(make_db(backend))
    migrate.upgrade(engine)
    yield engine
    engine.dispose()
