"""Deletion of conversations: on request (`delete_my_data`) and after the retention period.

Rasa's SQL tracker store keeps every event's JSON, user text included (PITFALLS), in the table
`events`. We delete a conversation's rows directly, after the turn that asked for it has been
saved (the gateway calls this once Rasa has answered), and the handoff requests stored for it.
"""
from __future__ import annotations

import asyncio
import functools
import time

import sqlalchemy as sa

from bot.settings import Settings

RETENTION_DAYS = 30


@functools.lru_cache(maxsize=4)
def _engine(url: str) -> sa.engine.Engine:
    return sa.create_engine(url, future=True, pool_pre_ping=True)


def _events_table(engine: sa.engine.Engine) -> sa.Table | None:
    meta = sa.MetaData()
    try:
        return sa.Table("events", meta, autoload_with=engine)
    except sa.exc.NoSuchTableError:
        return None


def delete_conversation(conf: Settings, conversation_id: str) -> int:
    """Delete every stored event and handoff request of one conversation; returns events deleted."""
    from services_catalog import handoff
    from services_catalog.db import make_engine, session_scope

    engine = _engine(conf.tracker_store_url)
    deleted = 0
    events = _events_table(engine)
    if events is not None:
        with engine.begin() as conn:
            deleted = conn.execute(
                sa.delete(events).where(events.c.sender_id == conversation_id)).rowcount
    with session_scope(make_engine(conf.catalog_database_url)) as session:
        handoff.delete_for_conversation(session, conversation_id)
    return deleted


async def delete_conversation_async(conf: Settings, conversation_id: str) -> int:
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(None, delete_conversation, conf, conversation_id)


def purge_older_than(conf: Settings, days: int = RETENTION_DAYS) -> tuple[int, int]:
    """Delete conversations whose last event is older than `days`, and old handoff requests.

    Returns (conversations deleted, handoff requests deleted).
    """
    from services_catalog import handoff
    from services_catalog.db import make_engine, session_scope

    cutoff = time.time() - days * 86400
    engine = _engine(conf.tracker_store_url)
    conversations = 0
    events = _events_table(engine)
    if events is not None:
        with engine.begin() as conn:
            stale = sa.select(events.c.sender_id).group_by(events.c.sender_id).having(
                sa.func.max(events.c.timestamp) < cutoff)
            ids = [row[0] for row in conn.execute(stale)]
            for start in range(0, len(ids), 500):
                batch = ids[start:start + 500]
                conn.execute(sa.delete(events).where(events.c.sender_id.in_(batch)))
            conversations = len(ids)
    with session_scope(make_engine(conf.catalog_database_url)) as session:
        handoffs = handoff.delete_older_than(session, days)
    return conversations, handoffs
