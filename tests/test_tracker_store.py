"""The caching SQL tracker store (bot/tracker_store.py) on SQLite and on the real PostgreSQL.

Two store instances on one database stand for two Rasa servers: what one writes, the other must
see at its next retrieve, never its own stale copy. The rows written must be the ones Rasa's own
SQLTrackerStore writes, so the HTTP API, the purge and the deletion keep working on them.
"""
from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore, create_tracker_store
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import read_endpoint_config

from bot.tracker_store import CachingSQLTrackerStore
from tests.conftest import ROOT, postgres_available, require
from tests.reliability import pg_database

DOMAIN = Domain.load(str(ROOT / "domain.yml"))


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'tracker.db'}"
        return
    require(postgres_available(), "PostgreSQL on 127.0.0.1:5432")
    with pg_database("trackers") as url:
        yield url


def store(url: str, **kwargs) -> CachingSQLTrackerStore:
    return CachingSQLTrackerStore(domain=DOMAIN, host=url, db="rasa", **kwargs)


def run(coro):
    return asyncio.run(coro)


def turn(tracker: DialogueStateTracker, text: str, language: str = "de") -> None:
    tracker.update(UserUttered(text, {"name": "greet", "confidence": 0.9}))
    tracker.update(SlotSet("language", language))
    tracker.update(ActionExecuted("action_welcome"))
    tracker.update(ActionExecuted("action_listen"))


def rows(url: str, sender: str) -> list[tuple]:
    engine = sa.create_engine(url, future=True)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(sa.text(
                "SELECT type_name, intent_name, action_name, data FROM events "
                "WHERE sender_id = :s ORDER BY id"), {"s": sender})]
    finally:
        engine.dispose()


def test_endpoints_yml_loads_the_caching_store(monkeypatch, tmp_path: Path) -> None:
    """Rasa falls back to an in-memory store with only a warning when a custom type fails to
    import: the store Rasa builds from endpoints.yml must be ours, on the configured file."""
    from bot.launcher import lock_store_environment

    for key, value in {**lock_store_environment("memory://"), "ACTIONS_PORT": "5055",
                       "TRACKER_STORE_URL": f"sqlite:///{tmp_path / 't.db'}"}.items():
        monkeypatch.setenv(key, value)
    config = read_endpoint_config(str(ROOT / "endpoints.yml"), "tracker_store")
    built = create_tracker_store(config, DOMAIN)
    inner = getattr(built, "_tracker_store", built)
    assert isinstance(inner, CachingSQLTrackerStore)
    assert inner.cache_size == 200
    assert str(inner.engine.url).endswith("t.db")


def test_a_saved_tracker_is_served_from_memory_and_rows_match_rasa(db_url: str) -> None:
    ours = store(db_url)
    tracker = DialogueStateTracker("conv-a", DOMAIN.slots)
    turn(tracker, "hallo")
    run(ours.save(tracker))
    again = run(ours.retrieve("conv-a"))
    assert again is tracker and ours.hits == 1
    turn(again, "ich suche einen deutschkurs")
    run(ours.save(again))
    # The same two turns written by Rasa's own store, under another id: identical rows.
    plain = SQLTrackerStore(domain=DOMAIN, host=db_url, db="rasa")
    copy = DialogueStateTracker("conv-b", DOMAIN.slots)
    for event in tracker.events:
        copy.update(event)
    run(plain.save(copy))
    assert rows(db_url, "conv-a") == rows(db_url, "conv-b")
    assert len(rows(db_url, "conv-a")) == len(tracker.events) == 8
    # A fresh read (another process) gives the same events and slots.
    fresh = run(store(db_url).retrieve("conv-a"))
    assert fresh is not tracker
    assert list(fresh.events) == list(tracker.events)
    assert fresh.get_slot("language") == "de"


def test_a_write_by_another_server_is_seen_at_the_next_retrieve(db_url: str) -> None:
    first, second = store(db_url), store(db_url)
    tracker = DialogueStateTracker("conv-x", DOMAIN.slots)
    turn(tracker, "hello", "en")
    run(first.save(tracker))
    other = run(second.retrieve("conv-x"))
    turn(other, "bitte auf arabisch", "ar")
    run(second.save(other))
    seen = run(first.retrieve("conv-x"))
    assert seen is not tracker, "the stale in-memory copy was served"
    assert len(seen.events) == 8 and seen.get_slot("language") == "ar"
    # ...and the next turn on the first server appends after the other server's events.
    turn(seen, "danke")
    run(first.save(seen))
    assert len(rows(db_url, "conv-x")) == 12
    assert run(second.retrieve("conv-x")).get_slot("language") == "de"


def test_unsaved_events_and_deleted_conversations_are_not_served(db_url: str) -> None:
    ours = store(db_url)
    tracker = DialogueStateTracker("conv-d", DOMAIN.slots)
    turn(tracker, "hallo")
    run(ours.save(tracker))
    # A turn that failed before it was saved leaves events in the object only.
    turn(run(ours.retrieve("conv-d")), "kaputt", "fr")
    reread = run(ours.retrieve("conv-d"))
    assert reread is not tracker and len(reread.events) == 4
    assert reread.get_slot("language") == "de"
    run(ours.save(reread))
    assert run(ours.retrieve("conv-d")) is reread
    # Deletion on request happens outside Rasa (bot/privacy.py): the copy must go with it.
    engine = sa.create_engine(db_url, future=True)
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM events WHERE sender_id = 'conv-d'"))
    engine.dispose()
    assert run(ours.retrieve("conv-d")) is None


def test_a_new_session_is_read_back_as_rasa_reads_it(db_url: str) -> None:
    ours = store(db_url)
    tracker = DialogueStateTracker("conv-s", DOMAIN.slots)
    turn(tracker, "hallo")
    run(ours.save(tracker))
    tracker.update(ActionExecuted("action_session_start"))
    tracker.update(SessionStarted())
    turn(tracker, "neu hier")
    run(ours.save(tracker))
    again = run(ours.retrieve("conv-s"))
    assert again is not tracker
    assert isinstance(again.events[0], SessionStarted) and len(again.events) == 5


def test_the_cache_is_bounded(tmp_path: Path) -> None:
    ours = store(f"sqlite:///{tmp_path / 'tracker.db'}", cache_size=3)
    for i in range(10):
        tracker = DialogueStateTracker(f"c{i}", DOMAIN.slots)
        turn(tracker, "hi")
        run(ours.save(tracker))
    assert len(ours._cache) == 3
    assert list(ours._cache) == ["c7", "c8", "c9"]
    assert run(ours.retrieve("c0")).sender_id == "c0" and ours.misses == 1
