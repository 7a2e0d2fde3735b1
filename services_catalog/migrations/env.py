"""Alembic environment, configured from Python (see ``services_catalog.migrate``), not alembic.ini.

The caller hands over an open connection in ``config.attributes["connection"]`` so that the
migration runs inside the caller's transaction and honours its PostgreSQL ``search_path``.
"""
from __future__ import annotations

from alembic import context

from services_catalog.db import make_engine
from services_catalog.migrations.env_filter import include_object
from services_catalog.models import Base

config = context.config


def _run(connection) -> None:
    context.configure(connection=connection, target_metadata=Base.metadata,
                      include_object=include_object,
                      render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:  # e.g. `alembic` run by hand with a Config built by services_catalog.migrate
    with make_engine(config.get_main_option("sqlalchemy.url") or None).begin() as conn:
        _run(conn)
