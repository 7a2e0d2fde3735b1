"""The catalogue API of the contract: `/api/services`, `/api/services/{id}`, `/api/topics`,
`/api/districts` and `/api/openapi.json`.

The handlers only translate HTTP to `services_catalog.search` and back: the search module owns
validation of values (it raises `ValueError` naming the parameter, which becomes HTTP 400), so
the API, the bot and the CLI cannot disagree about what a valid query is. Here we only check
what HTTP adds: integers and booleans arrive as strings. Every database call runs in a worker
thread, because SQLAlchemy is synchronous and must not stall the event loop that also serves
the chat.
"""
from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from typing import TypeVar

from aiohttp import web
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.gateway.catalog_openapi import openapi_document
from bot.gateway.errors import json_error
from services_catalog.db import make_engine, session_scope
from services_catalog.search import (
    SearchQuery,
    get_service,
    list_districts,
    list_topics,
    search,
)

ENGINE_KEY = "catalog_engine"
MAX_ID_LENGTH = 80
TRUE_VALUES = frozenset({"true", "1"})
FALSE_VALUES = frozenset({"false", "0"})
T = TypeVar("T")


def catalog_engine(app: web.Application) -> Engine:
    """The catalogue engine shared by the API and the counsellor pages (created at set-up)."""
    if ENGINE_KEY not in app:
        app[ENGINE_KEY] = make_engine(app["settings"].catalog_database_url)
        app.on_cleanup.append(_dispose_engine)
    return app[ENGINE_KEY]


async def _dispose_engine(app: web.Application) -> None:
    await asyncio.to_thread(app[ENGINE_KEY].dispose)


async def run_in_session(app: web.Application, work: Callable[[Session], T]) -> T:
    """Run `work(session)` in a worker thread inside one transaction."""
    engine = catalog_engine(app)

    def job() -> T:
        with session_scope(engine) as session:
            return work(session)

    return await asyncio.to_thread(job)


# ---------------------------------------------------------------------------------------------
# Query parameters
# ---------------------------------------------------------------------------------------------

def _text(query: Mapping[str, str], name: str) -> str | None:
    """A text parameter; an empty one (as an HTML form sends it) counts as absent."""
    value = query.get(name)
    return value.strip() if value is not None and value.strip() else None


def _int(query: Mapping[str, str], name: str, default: int | None) -> int | None:
    value = _text(query, name)
    if value is None:
        return default
    if not value.lstrip("-").isdigit() or not value.isascii():
        raise ValueError(f"{name}: must be a whole number")
    return int(value)


def _bool(query: Mapping[str, str], name: str) -> bool:
    value = _text(query, name)
    if value is None or value.lower() in FALSE_VALUES:
        return False
    if value.lower() in TRUE_VALUES:
        return True
    raise ValueError(f"{name}: must be true or false")


def parse_search_query(query: Mapping[str, str]) -> SearchQuery:
    """The query string as a `SearchQuery`; raises ValueError naming a malformed parameter.

    Unknown parameters are ignored (clients may add cache busters); `term` is accepted as well,
    the finer taxonomy term below a topic that the counsellor lookup filters by.
    """
    return SearchQuery(
        topic=_text(query, "topic"), term=_text(query, "term"), q=_text(query, "q"),
        language=_text(query, "language"), district=_text(query, "district"),
        open_now=_bool(query, "open_now"), free=_bool(query, "free"),
        age=_int(query, "age", None), status=_text(query, "status"),
        lang=_text(query, "lang") or "de",
        limit=_int(query, "limit", 10) or 0, offset=_int(query, "offset", 0) or 0,
    )


async def _call(request: web.Request, work: Callable[[Session], T]) -> T:
    """Run a catalogue call; a ValueError (bad parameter) becomes HTTP 400."""
    try:
        return await run_in_session(request.app, work)
    except ValueError as exc:
        raise json_error(400, str(exc)) from None


def _lang(request: web.Request) -> str:
    return _text(request.query, "lang") or "de"


# ---------------------------------------------------------------------------------------------
# Handlers
# ---------------------------------------------------------------------------------------------

async def get_services(request: web.Request) -> web.Response:
    try:
        query = parse_search_query(request.query)
    except ValueError as exc:
        raise json_error(400, str(exc)) from None
    result = await _call(request, lambda session: search(session, query))
    return web.json_response({"total": result.total, "items": result.items})


async def get_one_service(request: web.Request) -> web.Response:
    service_id = request.match_info["id"]
    if len(service_id) > MAX_ID_LENGTH:
        raise json_error(404, "id: no such service")
    lang = _lang(request)
    item = await _call(request, lambda session: get_service(session, service_id, lang))
    if item is None:
        raise json_error(404, "id: no such service")
    return web.json_response(item)


async def get_topics(request: web.Request) -> web.Response:
    lang = _lang(request)
    topics = await _call(request, lambda session: list_topics(session, lang))
    return web.json_response({"topics": topics})


async def get_districts(request: web.Request) -> web.Response:
    districts = await _call(request, list_districts)
    return web.json_response({"districts": districts})


async def get_openapi(request: web.Request) -> web.Response:
    return web.json_response(openapi_document())


def setup(app: web.Application) -> None:
    catalog_engine(app)
    app.router.add_get("/api/services", get_services)
    app.router.add_get("/api/services/{id}", get_one_service)
    app.router.add_get("/api/topics", get_topics)
    app.router.add_get("/api/districts", get_districts)
    app.router.add_get("/api/openapi.json", get_openapi)


