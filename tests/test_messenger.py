"""The Messenger webhook against a local fake Graph API, with a fake Rasa and with the real one.

The fake Graph API is an aiohttp server on 127.0.0.1 that records every Send API call and can
be told to fail first. The fast tests replace Rasa by a small aiohttp server speaking the REST
channel protocol (a test double only here); `test_real_rasa_answers_through_messenger` sends a
message through the real stack's Rasa.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot import i18n
from bot.gateway import messenger
from bot.gateway.app import create_app
from bot.settings import Settings

APP_SECRET = "test-app-secret"
VERIFY_TOKEN = "test-verify-token"
PAGE_TOKEN = "test-page-token"
ARABIC_TITLE = "مَرْحَبًا بِكُمْ فِي مُونْسْتَر الْجَمِيلَةِ"  # 43 code points, with harakat


def settings(tmp_path: Path, rasa_port: int, graph_url: str, *, enabled: bool = True,
             rasa_token: str = "token",  # noqa: S107 - a test value
             var: Path | None = None) -> Settings:
    var = var or tmp_path
    return Settings(
        gateway_host="127.0.0.1", gateway_port=0, rasa_port=rasa_port, actions_port=0,
        catalog_database_url=f"sqlite:///{var / 'catalog.db'}",
        tracker_store_url=f"sqlite:///{var / 'tracker.db'}", lock_store_url="memory://",
        rasa_token=rasa_token, session_secret="test-secret",
        fb_verify_token=VERIFY_TOKEN if enabled else None,
        fb_app_secret=APP_SECRET if enabled else None,
        fb_page_access_token=PAGE_TOKEN if enabled else None,
        fb_graph_url=graph_url,
    )


def sign(body: bytes, secret: str = APP_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def text_event(psid: str, text: str, **extra: Any) -> dict[str, Any]:
    return {"sender": {"id": psid}, "recipient": {"id": "PAGE"}, "timestamp": 1,
            "message": {"mid": f"m.{psid}.{text}", "text": text, **extra}}


def webhook_body(*entries: list[dict[str, Any]]) -> bytes:
    data = {"object": "page",
            "entry": [{"id": "PAGE", "time": 1, "messaging": events} for events in entries]}
    return json.dumps(data, ensure_ascii=False).encode("utf-8")


# ---------------------------------------------------------------------------------------------
# Fakes
# ---------------------------------------------------------------------------------------------

@dataclass
class FakeGraph:
    """Records Send API calls; answers the statuses in `fail_with` first, then 200."""

    calls: list[dict[str, Any]] = field(default_factory=list)
    fail_with: list[int] = field(default_factory=list)
    url: str = ""

    async def messages(self, request: web.Request) -> web.Response:
        raw = await request.read()
        self.calls.append({"query": dict(request.query), "raw": raw,
                           "body": json.loads(raw.decode("utf-8")),
                           "content_type": request.headers.get("Content-Type", "")})
        if self.fail_with:
            return web.json_response({"error": {"message": "try later"}},
                                     status=self.fail_with.pop(0), headers={"Retry-After": "0"})
        return web.json_response({"recipient_id": "x", "message_id": f"mid.{len(self.calls)}"})

    @property
    def delivered(self) -> list[dict[str, Any]]:
        return [c["body"] for c in self.calls]


@dataclass
class FakeRasa:
    """Speaks Rasa's REST channel: answers `echo: <text>`, or canned replies per text."""

    received: list[dict[str, Any]] = field(default_factory=list)
    canned: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    async def webhook(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.received.append(body)
        if body["message"] == "boom":
            return web.json_response({"error": "internal"}, status=500)
        replies = self.canned.get(body["message"], [{"text": f"echo: {body['message']}"}])
        return web.json_response([{"recipient_id": body["sender"], **r} for r in replies])


@pytest.fixture
async def graph() -> AsyncIterator[FakeGraph]:
    fake = FakeGraph()
    app = web.Application()
    app.router.add_post("/v18.0/me/messages", fake.messages)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    fake.url = str(server.make_url("/v18.0"))
    yield fake
    await server.close()


@pytest.fixture
async def rasa() -> AsyncIterator[tuple[FakeRasa, int]]:
    fake = FakeRasa()
    app = web.Application()
    app.router.add_post("/webhooks/rest/webhook", fake.webhook)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    yield fake, server.port
    await server.close()


@pytest.fixture
async def gateway(tmp_path: Path, graph: FakeGraph, rasa: tuple[FakeRasa, int]
                  ) -> AsyncIterator[TestClient]:
    app = create_app(settings(tmp_path, rasa[1], graph.url))
    client = TestClient(TestServer(app, host="127.0.0.1"))
    await client.start_server()
    app["messenger"].sender.base_delay = 0.01
    yield client
    await client.close()


async def post_events(client: TestClient, body: bytes, signature: str | None = "auto"):
    headers = {"Content-Type": "application/json"}
    if signature == "auto":
        headers["X-Hub-Signature-256"] = sign(body)
    elif signature is not None:
        headers["X-Hub-Signature-256"] = signature
    resp = await client.post("/webhooks/messenger", data=body, headers=headers)
    await client.app["messenger"].drain()
    return resp


# ---------------------------------------------------------------------------------------------
# Verification handshake and signatures
# ---------------------------------------------------------------------------------------------

async def test_verification_handshake_echoes_challenge(gateway: TestClient) -> None:
    resp = await gateway.get("/webhooks/messenger", params={
        "hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1158201444"})
    assert resp.status == 200
    assert await resp.text() == "1158201444"


@pytest.mark.parametrize("params", [
    {"hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "1"},
    {"hub.mode": "unsubscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1"},
    {"hub.challenge": "1"},
])
async def test_verification_handshake_refuses(gateway: TestClient, params: dict) -> None:
    resp = await gateway.get("/webhooks/messenger", params=params)
    assert resp.status == 403
    assert "error" in await resp.json()


async def test_good_signature_is_accepted(gateway: TestClient, graph: FakeGraph,
                                          rasa: tuple[FakeRasa, int]) -> None:
    resp = await post_events(gateway, webhook_body([text_event("111", "hallo")]))
    assert resp.status == 200
    assert [r["sender"] for r in rasa[0].received] == ["messenger:111"]
    assert graph.delivered == [{"recipient": {"id": "111"}, "messaging_type": "RESPONSE",
                                "message": {"text": "echo: hallo"}}]
    assert graph.calls[0]["query"] == {"access_token": PAGE_TOKEN}


@pytest.mark.parametrize("signature", [
    None,                                                 # missing
    sign(b"some other body"),                             # valid HMAC of another body
    sign(webhook_body([text_event("111", "hallo")]), "not-the-secret"),
    "sha1=" + hashlib.sha1(b"x").hexdigest(),             # noqa: S324 - the old scheme
    "sha256=",
])
async def test_forged_or_missing_signature_is_refused(
        gateway: TestClient, graph: FakeGraph, rasa: tuple[FakeRasa, int],
        signature: str | None) -> None:
    resp = await post_events(gateway, webhook_body([text_event("111", "hallo")]), signature)
    assert resp.status == 403
    assert resp.content_type == "application/json"
    assert "X-Hub-Signature-256" in (await resp.json())["error"]
    assert rasa[0].received == [] and graph.calls == []


# ---------------------------------------------------------------------------------------------
# Events
# ---------------------------------------------------------------------------------------------

async def test_batch_of_three_events_gets_three_replies_in_order(
        gateway: TestClient, graph: FakeGraph, rasa: tuple[FakeRasa, int]) -> None:
    body = webhook_body(
        [text_event("111", "eins"), text_event("222", "zwei")],
        [text_event("111", "drei")],
    )
    resp = await post_events(gateway, body)
    assert resp.status == 200
    assert len(graph.delivered) == 3
    sent = {(c["recipient"]["id"], c["message"]["text"]) for c in graph.delivered}
    assert sent == {("111", "echo: eins"), ("222", "echo: zwei"), ("111", "echo: drei")}
    to_111 = [c["message"]["text"] for c in graph.delivered if c["recipient"]["id"] == "111"]
    assert to_111 == ["echo: eins", "echo: drei"]  # one person's events stay in order
    assert [r["message"] for r in rasa[0].received if r["sender"] == "messenger:111"] == [
        "eins", "drei"]


async def test_quick_reply_and_postback_payloads_reach_rasa(
        gateway: TestClient, rasa: tuple[FakeRasa, int]) -> None:
    body = webhook_body([
        text_event("111", "Gesundheit", quick_reply={"payload": "/health"}),
        {"sender": {"id": "111"}, "recipient": {"id": "PAGE"},
         "postback": {"title": "Details", "payload": '/inform{"request":"details"}'}},
    ])
    assert (await post_events(gateway, body)).status == 200
    assert [r["message"] for r in rasa[0].received] == ["/health", '/inform{"request":"details"}']


async def test_echoes_deliveries_and_reads_are_ignored(
        gateway: TestClient, graph: FakeGraph, rasa: tuple[FakeRasa, int]) -> None:
    body = webhook_body([
        text_event("PAGE", "our own reply", is_echo=True, app_id=1),
        {"sender": {"id": "111"}, "recipient": {"id": "PAGE"}, "delivery": {"mids": ["m1"]}},
        {"sender": {"id": "111"}, "recipient": {"id": "PAGE"}, "read": {"watermark": 1}},
        {"sender": {"id": "111"}, "recipient": {"id": "PAGE"},
         "message": {"mid": "m2", "attachments": [{"type": "image"}]}},
    ])
    resp = await post_events(gateway, body)
    assert resp.status == 200
    assert rasa[0].received == [] and graph.calls == []


async def test_locale_becomes_language_metadata(
        gateway: TestClient, rasa: tuple[FakeRasa, int]) -> None:
    body = webhook_body([{**text_event("111", "salam"), "locale": "ar_AR"},
                         {**text_event("222", "hi"), "locale": "ja_JP"}])
    await post_events(gateway, body)
    metadata = {r["sender"]: r["metadata"] for r in rasa[0].received}
    assert metadata == {"messenger:111": {"language": "ar"}, "messenger:222": {}}


async def test_server_error_is_retried_once(gateway: TestClient, graph: FakeGraph) -> None:
    graph.fail_with = [500]
    await post_events(gateway, webhook_body([text_event("111", "hallo")]))
    assert len(graph.calls) == 2
    assert graph.calls[0]["raw"] == graph.calls[1]["raw"]
    assert graph.delivered[1]["message"] == {"text": "echo: hallo"}


async def test_gives_up_and_logs_undelivered_without_text(
        gateway: TestClient, graph: FakeGraph, caplog: pytest.LogCaptureFixture) -> None:
    graph.fail_with = [429, 503, 500, 502, 500]
    with caplog.at_level(logging.WARNING, logger="bot.gateway.messenger"):
        await post_events(gateway, webhook_body([text_event("111", "geheimnis")]))
    tries = gateway.app["messenger"].sender.tries
    assert len(graph.calls) == tries
    assert "undelivered" in caplog.text
    assert "geheimnis" not in caplog.text and PAGE_TOKEN not in caplog.text


async def test_client_error_is_not_retried(gateway: TestClient, graph: FakeGraph) -> None:
    graph.fail_with = [400]
    await post_events(gateway, webhook_body([text_event("111", "hallo")]))
    assert len(graph.calls) == 1


async def test_arabic_quick_replies_arrive_intact(
        gateway: TestClient, graph: FakeGraph, rasa: tuple[FakeRasa, int]) -> None:
    buttons = [{"title": ARABIC_TITLE, "payload": "/help"}]
    buttons += [{"title": f"خيار {n}", "payload": f"/inform{{\"n\":{n}}}"} for n in range(15)]
    rasa[0].canned["مرحبا"] = [{"text": "اختر موضوعًا:", "buttons": buttons},
                               {"custom": {"type": "meta", "language": "ar", "direction": "rtl"}}]
    await post_events(gateway, webhook_body([text_event("111", "مرحبا")]))
    assert rasa[0].received[0]["message"] == "مرحبا"
    assert len(graph.calls) == 1  # the turn's meta message is not sent to the user
    call = graph.calls[0]
    assert "charset=utf-8" in call["content_type"]
    call["raw"].decode("utf-8")  # valid UTF-8
    message = call["body"]["message"]
    assert message["text"] == "اختر موضوعًا:"
    quick = message["quick_replies"]
    assert len(quick) == 13
    first = quick[0]["title"]
    assert len(first) <= 20 and first.endswith("…")
    assert ARABIC_TITLE.startswith(first[:-1])
    assert not messenger._joins_previous(ARABIC_TITLE[len(first) - 1])  # no orphaned haraka
    assert quick[1] == {"content_type": "text", "title": "خيار 0", "payload": '/inform{"n":0}'}


async def test_rasa_failure_gets_an_apology_in_the_users_language(
        gateway: TestClient, graph: FakeGraph) -> None:
    await post_events(gateway, webhook_body([{**text_event("111", "boom"), "locale": "ar_AR"}]))
    assert graph.delivered[0]["message"] == {"text": i18n.t("error.unavailable", "ar")}


async def test_messenger_off_without_settings(tmp_path: Path,
                                              caplog: pytest.LogCaptureFixture) -> None:
    app = create_app(settings(tmp_path, 1, "http://127.0.0.1:1", enabled=False))
    with caplog.at_level(logging.INFO, logger="bot.gateway.messenger"):
        async with TestClient(TestServer(app, host="127.0.0.1")) as client:
            for resp in (await client.get("/webhooks/messenger", params={"hub.mode": "subscribe"}),
                         await client.post("/webhooks/messenger", data=b"{}")):
                assert resp.status == 404
                assert "error" in await resp.json()
    assert caplog.text.count("Messenger channel is off") == 1


# ---------------------------------------------------------------------------------------------
# Reply conversion
# ---------------------------------------------------------------------------------------------

def _card(n: int, **extra: Any) -> dict[str, Any]:
    card = {"id": f"s{n}", "title": f"Beratungsstelle {n}", "address": "Hafenweg 1, 48155 Münster",
            "opening_hours": "Mo-Fr 9-12", "open_now_label": "open now", "url": "https://x.de",
            "phones": [{"number": "0251 123", "href": "tel:+49251123"}],
            "labels": {"website": "Website", "phone": "Phone", "details": "Details"},
            "details_payload": f'/inform{{"request":"details","service_id":"s{n}"}}'}
    card.update(extra)
    return card


def test_service_cards_become_generic_templates() -> None:
    replies = [{"text": "Services 1–12 of 12:"}]
    for n in range(12):
        replies.append({"text": f"▪ Beratungsstelle {n}\n..."})
        replies.append({"custom": {"type": "service_card", "card": _card(n)}})
    replies.append({"text": "What next?", "buttons": [{"title": "More", "payload": "/m"}]})
    messages = messenger.to_messages(replies)
    assert messages[0] == {"text": "Services 1–12 of 12:"}
    templates = [m["attachment"]["payload"] for m in messages[1:3]]
    assert [t["template_type"] for t in templates] == ["generic", "generic"]
    assert [len(t["elements"]) for t in templates] == [10, 2]
    element = templates[0]["elements"][0]
    assert element["title"] == "Beratungsstelle 0"
    assert element["buttons"] == [
        {"type": "web_url", "url": "https://x.de", "title": "Website"},
        {"type": "phone_number", "payload": "+49251123", "title": "Phone"},
        {"type": "postback", "payload": '/inform{"request":"details","service_id":"s0"}',
         "title": "Details"},
    ]
    assert messages[3] == {"text": "What next?", "quick_replies": [
        {"content_type": "text", "title": "More", "payload": "/m"}]}
    assert len(messages) == 4  # the cards' plain-text twins are not sent


def test_card_limits_and_missing_contacts() -> None:
    element = messenger.card_element(_card(1, title="B" * 120, address="A" * 200, url=None,
                                           phones=[{"number": "siehe Website", "href": None}]))
    assert len(element["title"]) == 80 and len(element["subtitle"]) <= 80
    assert [b["type"] for b in element["buttons"]] == ["postback"]


def test_buttons_without_text_join_the_previous_text() -> None:
    messages = messenger.to_messages([{"text": "Hallo"},
                                      {"buttons": [{"title": "Ja", "payload": "/affirm"}]}])
    assert messages == [{"text": "Hallo", "quick_replies": [
        {"content_type": "text", "title": "Ja", "payload": "/affirm"}]}]


def test_consecutive_choices_are_merged_while_they_fit() -> None:
    subtopics = [{"title": f"Sub {n}", "payload": f"/s{n}"} for n in range(8)]
    next_steps = [{"title": f"Next {n}", "payload": f"/n{n}"} for n in range(4)]
    messages = messenger.to_messages([{"text": "Which?", "buttons": subtopics},
                                      {"text": "What next?", "buttons": next_steps}])
    assert len(messages) == 1 and messages[0]["text"] == "Which?\n\nWhat next?"
    assert [q["payload"] for q in messages[0]["quick_replies"]][-1] == "/n3"
    too_many = messenger.to_messages([{"text": "A", "buttons": subtopics},
                                      {"text": "B", "buttons": subtopics}])
    assert [m["text"] for m in too_many] == ["A", "B"]


def test_long_text_is_split() -> None:
    text = "\n".join(["x" * 150] * 30)
    parts = messenger.to_messages([{"text": text}])
    assert len(parts) == 3 and all(len(p["text"]) <= 2000 for p in parts)


def test_truncate_keeps_short_titles_and_whole_characters() -> None:
    assert messenger.truncate("Gesundheit", 20) == "Gesundheit"
    cut = messenger.truncate(ARABIC_TITLE, 20)
    assert len(cut) <= 20 and cut.endswith("…")


def test_retry_after_is_honoured() -> None:
    sender = messenger.GraphSender("http://x", "t", base_delay=0.5, max_delay=30)
    assert sender._delay(0, "3") == 3.0
    assert sender._delay(0, "9999") == 30
    assert sender._delay(2, None) == 2.0
    assert sender._delay(1, "Wed, 21 Oct 2015 07:28:00 GMT") == 1.0


# ---------------------------------------------------------------------------------------------
# With the real Rasa
# ---------------------------------------------------------------------------------------------

@pytest.mark.stack
async def test_real_rasa_answers_through_messenger(stack, graph: FakeGraph, tmp_path: Path) -> None:
    token = (stack.var_dir / "rasa_token").read_text().strip()
    conf = settings(tmp_path, int(stack.env["RASA_PORT"]), graph.url, rasa_token=token,
                    var=stack.var_dir)
    app = create_app(conf)
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        body = webhook_body([text_event("4242", "Hallo")],
                            [text_event("4242", "Ich brauche Hilfe bei meinem Aufenthalt")])
        resp = await client.post("/webhooks/messenger", data=body,
                                 headers={"X-Hub-Signature-256": sign(body)})
        assert resp.status == 200
        await app["messenger"].drain(timeout=120)
    assert graph.calls, "no reply reached the Graph API"
    for call in graph.delivered:
        assert call["recipient"] == {"id": "4242"}
        message = call["message"]
        assert message.get("text") or message.get("attachment")
        for quick in message.get("quick_replies", []):
            assert 0 < len(quick["title"]) <= 20 and quick["payload"]
