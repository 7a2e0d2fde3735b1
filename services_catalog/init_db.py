"""``init``: migrate to head (keeping data), then seed when the catalogue is empty."""
from __future__ import annotations

from sqlalchemy.engine import Engine

from services_catalog import migrate
from services_catalog.db import session_scope
from services_catalog.search_index import rebuild_search_index
from services_catalog.seed import (
    catalog_is_empty,
    get_meta,
    seed,
    seed_fingerprint,
    seed_reference,
)


def init_catalog(engine: Engine) -> dict:
    """Idempotent setup used by ``make catalog``: never loses imported or edited data.

    An empty catalogue is seeded. A catalogue built by an earlier seed is rebuilt when the seed
    files changed since (new translations, corrected facts); one that came from an import keeps
    its services and only gets fresh reference data (taxonomy labels, districts).
    """
    before = migrate.current_revision(engine)
    migrate.upgrade(engine)
    with session_scope(engine) as session:
        if catalog_is_empty(session):
            written = seed(session)
        elif (get_meta(session, "origin") == "seed"
              and get_meta(session, "seed_fingerprint") != seed_fingerprint()):
            written = seed(session, replace=True)
        else:
            seed_reference(session)
            rebuild_search_index(session)
            written = 0
    return {"revision_before": before, "revision": migrate.current_revision(engine),
            "seeded": written}
