"""Staff pages: login, logout, and the handoff requests from the chat (list, mark done).

Handoff requests name a conversation, so only logged-in staff see them. Every POST carries a
CSRF token; password checks (Argon2, deliberately slow) and database calls run in a worker
thread so a burst of logins cannot stall the chat on the same event loop.
"""
from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web
from sqlalchemy.orm import Session

from bot import staff
from bot.gateway.catalog_api import run_in_session
from bot.gateway.counsellor_render import language_name, render, translator, ui_language
from bot.gateway.counsellor_security import (
    CSRF_FIELD,
    check_csrf,
    current_staff,
    end_session,
    start_session,
)
from services_catalog import handoff

BERLIN = ZoneInfo("Europe/Berlin")
MAX_FIELD = 1024


def _redirect(request: web.Request, route: str) -> web.Response:
    """303 to one of our own pages (never to a URL taken from the request)."""
    url = request.app.router[route].url_for().with_query(ui=ui_language(request))
    return web.Response(status=303, headers={"Location": str(url)})


def _forbidden(request: web.Request, key: str) -> web.Response:
    message = translator(ui_language(request))(key)
    return render(request, "counsellor/message.html", {"message": message}, status=403)


async def _form(request: web.Request) -> dict[str, str]:
    data = await request.post()
    return {k: v[:MAX_FIELD] for k, v in data.items() if isinstance(v, str)}


# ---------------------------------------------------------------------------------------------
# Login and logout
# ---------------------------------------------------------------------------------------------

async def login_page(request: web.Request) -> web.Response:
    if current_staff(request):
        return _redirect(request, "counsellor_handoffs")
    return render(request, "counsellor/login.html", {"error": None, "username": ""})


async def login_submit(request: web.Request) -> web.Response:
    form = await _form(request)
    if not check_csrf(request, form.get(CSRF_FIELD)):
        return _forbidden(request, "counsellor.error.csrf")
    username = form.get("username", "").strip()[:staff.MAX_USERNAME_LENGTH]
    password = form.get("password", "")
    result = await run_in_session(
        request.app, lambda session: staff.authenticate(session, username, password))
    if result.ok:
        response = _redirect(request, "counsellor_handoffs")
        start_session(request, response, username)
        return response
    error = "counsellor.login.locked" if result.locked else "counsellor.login.failed"
    return render(request, "counsellor/login.html", {"error": error, "username": username},
                  status=429 if result.locked else 401)


async def logout(request: web.Request) -> web.Response:
    form = await _form(request)
    if not check_csrf(request, form.get(CSRF_FIELD)):
        return _forbidden(request, "counsellor.error.csrf")
    response = _redirect(request, "counsellor_login")
    end_session(request, response)
    return response


# ---------------------------------------------------------------------------------------------
# Handoff requests
# ---------------------------------------------------------------------------------------------

def _when(iso: str | None) -> str:
    if not iso:
        return ""
    return dt.datetime.fromisoformat(iso).astimezone(BERLIN).strftime("%Y-%m-%d %H:%M")


def _handoff_view(entry: dict[str, Any], t) -> dict[str, Any]:
    topic = entry.get("topic")
    return {**entry, "created": _when(entry.get("created_at")),
            "language_name": language_name(entry["language"]),
            "topic_label": t(f"topic.{topic}.label") if topic else "–"}


async def handoffs_page(request: web.Request) -> web.Response:
    who = current_staff(request)
    if who is None:
        return _redirect(request, "counsellor_login")
    show_all = request.query.get("show") == "all"

    def load(session: Session) -> list[dict[str, Any]] | None:
        if not staff.user_exists(session, who.username):
            return None  # the account was removed after login
        return handoff.list_handoffs(session, None if show_all else "open")

    entries = await run_in_session(request.app, load)
    if entries is None:
        response = _redirect(request, "counsellor_login")
        end_session(request, response)
        return response
    t = translator(ui_language(request))
    return render(request, "counsellor/handoffs.html", {
        "entries": [_handoff_view(e, t) for e in entries], "show_all": show_all})


async def mark_done(request: web.Request) -> web.Response:
    if current_staff(request) is None:
        return _forbidden(request, "counsellor.error.login_required")
    form = await _form(request)
    if not check_csrf(request, form.get(CSRF_FIELD)):
        return _forbidden(request, "counsellor.error.csrf")
    try:
        request_id = int(request.match_info["id"])
    except ValueError:
        raise web.HTTPNotFound() from None
    found = await run_in_session(request.app,
                                 lambda session: handoff.mark_done(session, request_id))
    if not found:
        raise web.HTTPNotFound()
    return _redirect(request, "counsellor_handoffs")


def setup(app: web.Application) -> None:
    app.router.add_get("/counsellor/login", login_page, name="counsellor_login")
    app.router.add_post("/counsellor/login", login_submit)
    app.router.add_post("/counsellor/logout", logout, name="counsellor_logout")
    app.router.add_get("/counsellor/handoffs", handoffs_page, name="counsellor_handoffs")
    app.router.add_post(r"/counsellor/handoffs/{id:\d+}/done", mark_done,
                        name="counsellor_handoff_done")
