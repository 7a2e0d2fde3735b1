"""Rasa tracker store: Rasa's SQL store with a checked in-memory copy of recent trackers.

Why: on every message Rasa's ``SQLTrackerStore`` reads all events of the conversation's session,
decodes their JSON and replays them into a new tracker (``retrieve``), then counts the stored
events again to know which ones are new (``save``). Under load that is about 45% of Rasa's time
per message (cProfile, ``BOT_PROFILE_RASA``, bench/load_bench.py). Here a tracker that was just
saved stays in memory, and the next ``retrieve`` checks it against the database with one
aggregate query (number of events, highest id, latest timestamp of the conversation): if another
Rasa server, a deletion or anything else wrote to the conversation, the figures differ and the
tracker is read again the normal way. So several Rasa servers on one database stay correct
(the lock store already serialises the turns of one conversation), and the database remains the
only source of truth.

Configured in endpoints.yml as ``type: bot.tracker_store.CachingSQLTrackerStore`` (Rasa falls
back to an in-memory store, with only a warning, when a custom type cannot be imported:
tests/test_tracker_store.py checks the loaded type). On SQLite the store also uses WAL with
``synchronous=NORMAL`` (a commit does not wait for the disk; a power cut may lose the last
turns, never corrupts the file) and a busy timeout, so two Rasa workers can share the file.
"""
from __future__ import annotations

import itertools
import json
import logging
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

logger = logging.getLogger(__name__)


@dataclass
class _Entry:
    tracker: DialogueStateTracker
    saved_events: int  # len(tracker.events) when it was last written
    stamp: tuple[int, int | None, float | None]  # (count, max id, max timestamp) in the DB
    used: float


class CachingSQLTrackerStore(SQLTrackerStore):
    """``SQLTrackerStore`` that keeps up to ``cache_size`` trackers for ``cache_ttl`` seconds."""

    def __init__(self, *args: Any, cache_size: int = 500, cache_ttl: float = 900.0,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.engine.dialect.name == "sqlite":
            self._use_sqlite_settings()
        self._cache: OrderedDict[str, _Entry] = OrderedDict()
        self.cache_size = max(0, int(cache_size))
        self.cache_ttl = float(cache_ttl)
        self.hits = self.misses = 0

    def _use_sqlite_settings(self) -> None:
        """Re-create the engine with a connection pool, WAL and a busy timeout."""
        url = self.engine.url
        self.engine.dispose()
        self.engine = sa.create_engine(url, pool_size=5, max_overflow=5,
                                       poolclass=sa.pool.QueuePool,
                                       connect_args={"check_same_thread": False, "timeout": 30})

        @sa.event.listens_for(self.engine, "connect")
        def _pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)

    # -- the check --------------------------------------------------------------------------
    def _stamp(self, session: Any, sender_id: str) -> tuple[int, int | None, float | None]:
        event = self.SQLEvent
        row = session.execute(
            sa.select(sa.func.count(event.id), sa.func.max(event.id),
                      sa.func.max(event.timestamp)).where(event.sender_id == sender_id)
        ).one()
        return int(row[0]), row[1], row[2]

    def _valid_entry(self, session: Any, sender_id: str) -> _Entry | None:
        entry = self._cache.get(sender_id)
        if entry is None:
            return None
        fresh = (time.monotonic() - entry.used <= self.cache_ttl
                 and len(entry.tracker.events) == entry.saved_events
                 and self._stamp(session, sender_id) == entry.stamp)
        if not fresh:
            del self._cache[sender_id]
            return None
        return entry

    def _remember(self, tracker: DialogueStateTracker, stamp: tuple) -> None:
        if self.cache_size == 0:
            return
        self._cache[tracker.sender_id] = _Entry(tracker, len(tracker.events), stamp,
                                                time.monotonic())
        self._cache.move_to_end(tracker.sender_id)
        while len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)

    def forget(self, sender_id: str) -> None:
        """Drop the in-memory copy (the next ``retrieve`` reads the database)."""
        self._cache.pop(sender_id, None)

    # -- TrackerStore ------------------------------------------------------------------------
    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        """The cached tracker when the database still matches it, else Rasa's ``retrieve``."""
        with self.session_scope() as session:
            entry = self._valid_entry(session, sender_id)
        if entry is not None:
            self.hits += 1
            entry.used = time.monotonic()
            self._cache.move_to_end(sender_id)
            return entry.tracker
        self.misses += 1
        return await super().retrieve(sender_id)

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Append the events not yet stored; remember the tracker with the new stamp."""
        await self.stream_events(tracker)
        sender_id = tracker.sender_id
        with self.session_scope() as session:
            # The lock store serialises a conversation's turns, so the tracker handed out by
            # ``retrieve`` (checked then) is still what the database holds plus its new events.
            entry = self._cache.get(sender_id)
            known = entry is not None and entry.tracker is tracker
            if known:
                new_events = list(itertools.islice(tracker.events, entry.saved_events, None))
            else:
                self.forget(sender_id)
                new_events = list(self._additional_events(session, tracker))
            rows = [self._row(sender_id, event) for event in new_events]
            session.add_all(rows)
            session.flush()  # assigns the ids
            if known:
                count, last_id, last_time = entry.stamp
                times = [r.timestamp for r in rows if r.timestamp is not None]
                if last_time is not None:
                    times.append(last_time)
                stamp = (count + len(rows), rows[-1].id if rows else last_id,
                         max(times) if times else None)
            else:
                stamp = self._stamp(session, sender_id)
            session.commit()
        if any(isinstance(event, SessionStarted) for event in new_events):
            # A new session: Rasa's retrieve returns only its events; read it that way next time.
            self.forget(sender_id)
        else:
            self._remember(tracker, stamp)
        logger.debug("tracker %s stored (%d new events)", sender_id, len(new_events))

    def _row(self, sender_id: str, event: Any) -> Any:
        """The ``events`` table row of one event, exactly as ``SQLTrackerStore.save`` writes it."""
        data = event.as_dict()
        intent = data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY)
        # noinspection PyArgumentList
        return self.SQLEvent(sender_id=sender_id, type_name=event.type_name,
                             timestamp=data.get("timestamp"), intent_name=intent,
                             action_name=data.get("name"), data=json.dumps(data))
