"""The chat endpoint's input handling and conversation ids (no Rasa needed for these)."""
from __future__ import annotations

import json

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot import settings as settings_mod
from bot.gateway import conversations
from bot.gateway.app import create_app
from bot.gateway.chat import clean_text, parse_chat_body, to_rasa_message


def test_issued_ids_verify_and_forged_ones_do_not():
    cid = conversations.issue("secret")
    assert conversations.verify("secret", cid)
    assert not conversations.verify("other-secret", cid)
    token = cid.split(".")[1]
    assert not conversations.verify("secret", f"web.{token}.AAAAAAAAAAAAAAAAAAAAAAAA")
    assert not conversations.verify("secret", "messenger:123")
    assert not conversations.verify("secret", None)
    assert conversations.issue("secret") != cid


@pytest.mark.parametrize("raw, field", [
    (b"{not json", "body"), (b"\xff\xfe", "body"), (b"[1,2]", "body"), (b"{}", "text"),
    (b'{"text": 5}', "text"), (b'{"text": "   "}', "text"), (b'{"text": "\\u0000"}', "text"),
    (json.dumps({"text": "x" * 5000}).encode(), "text"),
    (b'{"text": "hi", "metadata": {"language": "xx"}}', "metadata.language"),
    (b'{"text": "hi", "conversation_id": 7}', "conversation_id"),
])
def test_bad_bodies_name_the_field(raw, field):
    with pytest.raises(web.HTTPException) as err:
        parse_chat_body(raw)
    assert err.value.status == 400
    assert json.loads(err.value.text)["error"].startswith(field)


def test_text_is_cleaned_and_language_shortcuts_become_choices():
    assert clean_text("a\x00b\nc\x07") == "ab c"
    assert to_rasa_message("/ar") == '/choose_language{"spoken_language":"ar"}'
    assert to_rasa_message("/xx") == "/xx"
    assert to_rasa_message("hello /ar") == "hello /ar"


@pytest.fixture
async def client(tmp_path, monkeypatch):
    monkeypatch.setenv("VAR_DIR", str(tmp_path))
    from tests.conftest import free_port

    monkeypatch.setenv("RASA_PORT", str(free_port()))  # nothing listens there: Rasa is "down"
    app = create_app(settings_mod.load())
    async with TestClient(TestServer(app)) as test_client:
        yield test_client


async def test_forged_conversation_id_is_refused(client):
    resp = await client.post("/api/chat", json={"text": "hallo", "conversation_id": "web.x.y"})
    assert resp.status == 403
    assert "conversation_id" in (await resp.json())["error"]


async def test_rasa_down_gives_503_with_retry_hint(client):
    resp = await client.post("/api/chat", json={"text": "hallo"})
    assert resp.status == 503
    assert resp.headers["Retry-After"] == "5"
    assert "error" in await resp.json()


async def test_oversized_body_is_413_json(client):
    resp = await client.post("/api/chat", data=b"x" * (1024 * 1024),
                             headers={"Content-Type": "application/json"})
    assert resp.status == 413
    assert "error" in await resp.json()


async def test_security_headers_on_every_answer(client):
    for path in ("/healthz", "/api/nothing-here"):
        resp = await client.get(path)
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
        assert resp.headers["Referrer-Policy"] == "no-referrer"
        assert "unsafe-inline" not in resp.headers["Content-Security-Policy"]
    resp = await client.get("/api/nothing-here")
    assert resp.status == 404 and "error" in await resp.json()
