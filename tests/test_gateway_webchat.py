"""The web chat's server side without a browser: page, widget, texts, history, headers.

Rasa is replaced by a small fake (an aiohttp app with the two endpoints the gateway calls), so
these run in a second; the real stack is exercised by tests/test_webchat_browser.py.
"""
from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot import i18n
from bot import settings as settings_mod
from bot.gateway import conversations
from bot.gateway.app import create_app
from bot.gateway.chat import history_messages
from bot.gateway.webchat import STATIC_DIR
from bot.settings import LANGUAGES

CARD = {"type": "service_card", "card": {"id": "s1", "title": "Sprachcafé",
                                         "labels": {"details": "Details"},
                                         "details_payload": '/inform{"service_id":"s1"}'}}
EVENTS = [
    {"event": "action", "name": "action_session_start"},
    {"event": "user", "text": "أبحث عن دورة لغة", "parse_data": {"intent": {"name": "x"}},
     "metadata": {"language": "ar"}},
    {"event": "bot", "text": "خدمات", "metadata": {"secret": 1},
     "data": {"buttons": [{"title": "المزيد", "payload": "/more"}], "custom": None}},
    {"event": "bot", "text": "▪ Sprachcafé", "data": {"custom": CARD}},
    {"event": "bot", "data": {"custom": {"type": "meta", "language": "ar", "direction": "rtl"}}},
    {"event": "slot", "name": "language", "value": "ar"},
    {"event": "user", "text": "/more", "parse_data": {}},
    {"event": "user", "text": '/choose_language{"spoken_language":"de"}'},
    {"event": "slot", "name": "language", "value": "de"},
    {"event": "user", "text": '/inform{"service_id":"s1"}'},
    {"event": "user", "text": "/unknown_payload"},
    {"event": "bot", "text": "Hallo", "data": {}},
]


def fake_rasa() -> web.Application:
    """Rasa's REST channel and tracker endpoint, enough for the gateway's calls."""
    async def webhook(request: web.Request) -> web.Response:
        body = await request.json()
        return web.json_response([
            {"recipient_id": body["sender"], "text": "مرحبا"},
            {"recipient_id": body["sender"],
             "custom": {"type": "meta", "language": "ar", "direction": "rtl"}}])

    async def tracker(request: web.Request) -> web.Response:
        return web.json_response({"slots": {"language": "de"}, "events": EVENTS})

    app = web.Application()
    app.router.add_post("/webhooks/rest/webhook", webhook)
    app.router.add_get("/conversations/{sender}/tracker", tracker)
    return app


@pytest.fixture
async def client(tmp_path, monkeypatch) -> AsyncIterator[TestClient]:
    """The gateway with Rasa down (nothing listens on its port)."""
    from tests.conftest import free_port

    monkeypatch.setenv("VAR_DIR", str(tmp_path))
    monkeypatch.setenv("RASA_PORT", str(free_port()))
    async with TestClient(TestServer(create_app(settings_mod.load()))) as test_client:
        yield test_client


@pytest.fixture
async def client_with_rasa(tmp_path, monkeypatch) -> AsyncIterator[TestClient]:
    """The gateway in front of the fake Rasa."""
    async with TestServer(fake_rasa()) as rasa:
        monkeypatch.setenv("VAR_DIR", str(tmp_path))
        monkeypatch.setenv("RASA_PORT", str(rasa.port))
        async with TestClient(TestServer(create_app(settings_mod.load()))) as test_client:
            yield test_client


@pytest.mark.parametrize("path, kind", [("/", "text/html"), ("/widget.js", "text/javascript"),
                                        ("/static/widget.css", "text/css")])
async def test_page_and_widget_carry_strict_security_headers(client, path, kind):
    resp = await client.get(path)
    assert resp.status == 200
    assert resp.headers["Content-Type"].startswith(kind)
    csp = resp.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Referrer-Policy"] == "no-referrer"


async def test_widget_files_can_be_loaded_by_other_origins(client):
    resp = await client.get("/widget.js")
    assert resp.headers["Cross-Origin-Resource-Policy"] == "cross-origin"
    preflight = await client.options("/api/chat", headers={
        "Origin": "https://www.stadt-muenster.de", "Access-Control-Request-Method": "POST"})
    assert preflight.status == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "Content-Type" in preflight.headers["Access-Control-Allow-Headers"]


async def test_i18n_gives_direction_and_every_widget_text(client):
    english = {k for k in i18n.catalog()["en"] if k.startswith("widget.")}
    assert {"widget.title", "widget.send", "widget.reconnecting", "widget.unavailable"} <= english
    resp = await client.get("/api/i18n/ar")
    assert resp.status == 200
    data = await resp.json()
    assert data["dir"] == "rtl" and data["language"] == "ar"
    assert set(data["texts"]) == english
    assert all(data["texts"].values())
    assert data["texts"]["widget.send"] == i18n.t("widget.send", "ar")
    assert [item["code"] for item in data["languages"]] == list(LANGUAGES)
    assert data["languages"][2]["name"] == "العربية"
    assert resp.headers["Access-Control-Allow-Origin"] == "*"
    assert (await (await client.get("/api/i18n/de")).json())["dir"] == "ltr"


async def test_i18n_refuses_unknown_languages(client):
    resp = await client.get("/api/i18n/xx")
    assert resp.status == 404
    assert "lang" in (await resp.json())["error"]


async def test_history_refuses_forged_and_missing_ids(client):
    resp = await client.get("/api/chat/history", params={"conversation_id": "web.abc.forged"})
    assert resp.status == 403
    assert "conversation_id" in (await resp.json())["error"]
    other = conversations.issue("another-server-secret")
    assert (await client.get("/api/chat/history", params={"conversation_id": other})).status == 403
    assert (await client.get("/api/chat/history")).status == 400


async def test_history_with_rasa_down_is_503(client):
    cid = conversations.issue(client.app["settings"].session_secret)
    resp = await client.get("/api/chat/history", params={"conversation_id": cid})
    assert resp.status == 503
    assert resp.headers["Retry-After"] == "5"
    # errors reach an embedding page too, with the hint when to retry
    assert resp.headers["Access-Control-Allow-Origin"] == "*"
    assert "Retry-After" in resp.headers["Access-Control-Expose-Headers"]


async def test_history_and_chat_through_the_gateway(client_with_rasa):
    client = client_with_rasa
    resp = await client.post("/api/chat", json={"text": "مرحبا"})
    assert resp.status == 200
    data = await resp.json()
    assert data["language"] == "ar"  # from the turn's meta message, which users do not see
    assert data["replies"] == [{"text": "مرحبا"}]
    cid = data["conversation_id"]
    resp = await client.get("/api/chat/history", params={"conversation_id": cid})
    assert resp.status == 200
    history = await resp.json()
    assert history["language"] == "de"
    assert history["messages"][0] == {"sender": "user", "text": "أبحث عن دورة لغة"}


def test_history_shows_titles_not_payloads_and_leaks_nothing_else():
    messages = history_messages(EVENTS)
    assert messages == [
        {"sender": "user", "text": "أبحث عن دورة لغة"},
        {"sender": "bot", "language": "ar", "text": "خدمات",
         "buttons": [{"title": "المزيد", "payload": "/more"}]},
        {"sender": "bot", "language": "ar", "text": "▪ Sprachcafé", "custom": CARD},
        {"sender": "user", "text": "المزيد"},
        {"sender": "user", "text": "Deutsch"},
        {"sender": "user", "text": "Details: Sprachcafé"},
        {"sender": "bot", "language": "de", "text": "Hallo"},
    ]


def test_static_files_have_no_inline_code_html_injection_or_cdn():
    page = (STATIC_DIR / "index.html").read_text()
    assert not re.search(r"<script(?![^>]*\bsrc=)", page), "inline script"
    assert "<style" not in page and " style=" not in page
    assert not re.search(r"\son[a-z]+=", page), "inline event handler"
    script = (STATIC_DIR / "widget.js").read_text()
    for forbidden in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write",
                      "eval(", "new Function", 'setAttribute("style"', ".cssText"):
        assert forbidden not in script, forbidden
    code = re.sub(r"/\*.*?\*/", "", script, flags=re.S)
    assert not re.search(r"[\"'`]https?://", code), "a URL outside the gateway"
    css = (STATIC_DIR / "widget.css").read_text()
    assert "@import" not in css and "url(" not in css and "@font-face" not in css
