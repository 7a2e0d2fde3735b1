"""Thin client from the actions to the service catalogue (`services_catalog.search`).

The catalogue's SQLAlchemy calls are synchronous; the action server is async, so every call
runs in a worker thread and a slow database never blocks other conversations. A database that
is down raises `CatalogUnavailable`, which the actions turn into a polite reply.
"""
from __future__ import annotations

import asyncio
import functools
from typing import Any

import sqlalchemy.exc

from services_catalog.db import make_engine, session_scope
from services_catalog.search import SearchQuery, get_service, list_topics, search


class CatalogUnavailable(Exception):
    """The catalogue database could not be queried."""


@functools.lru_cache(maxsize=1)
def _engine():
    return make_engine()


def _run(fn, *args: Any, **kwargs: Any) -> Any:
    try:
        with session_scope(_engine()) as session:
            return fn(session, *args, **kwargs)
    except sqlalchemy.exc.SQLAlchemyError as exc:
        raise CatalogUnavailable(type(exc).__name__) from exc


async def find_services(**query: Any) -> tuple[int, list[dict[str, Any]]]:
    """Search with the contract's parameters; returns (total, items)."""
    result = await asyncio.to_thread(_run, search, SearchQuery(**query))
    return result.total, result.items


async def service(service_id: str, lang: str) -> dict[str, Any] | None:
    try:
        return await asyncio.to_thread(_run, get_service, service_id, lang)
    except (KeyError, LookupError):
        return None


async def topic_labels(lang: str) -> dict[str, str]:
    """{topic id: label} in the given language variant, for topic buttons."""
    topics = await asyncio.to_thread(_run, list_topics, lang)
    return {t["id"]: t["label"] for t in topics}


async def term_labels(lang: str) -> dict[str, str]:
    """{term id: label} for every taxonomy term (topics and finer terms)."""
    topics = await asyncio.to_thread(_run, list_topics, lang)
    labels: dict[str, str] = {}
    for topic in topics:
        labels[topic["id"]] = topic["label"]
        for term in topic.get("terms") or []:
            labels[term["id"]] = term["label"]
    return labels
