"""Bad input through the real gateway: every request gets a defined answer and nothing breaks.

Each kind of bad input gets either a 4xx with a JSON error or a polite reply; afterwards the
stack is still healthy, a normal message is still answered, and what is stored (the tracker and
the catalogue, both SQLite on this stack) is intact. Floods get 429 with Retry-After.
"""
from __future__ import annotations

import json
import sqlite3
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from aiohttp.test_utils import TestClient, TestServer

from bot import i18n
from bot import settings as settings_mod
from bot.gateway.app import create_app
from bot.gateway.chat import clean_text
from tests.conftest import RunningStack, free_port
from tests.reliability import reply_texts, send, tracker, user_texts

pytestmark = pytest.mark.stack
LONG_WORD = "Aufenthaltserlaubnis" * 500  # 10,000 characters, no space

REFUSED = [  # (raw body, expected status, field the error names)
    (b"", 400, "body"),
    (b"   \n\t ", 400, "body"),
    (b"x" * 100_000, 413, None),
    (b"{" * 1_000_000, 413, None),
    (bytes(range(256)) * 4, 400, "body"),
    (b'{"text": "caf\xe9 \xff\xfe"}', 400, "body"),
    (b'{"text": "hallo"', 400, "body"),
    (b'{"text": ["hallo"]}', 400, "text"),
    (b'{"text": "   "}', 400, "text"),
    (b'{"text": "\\u0000\\u0000"}', 400, "text"),
    (json.dumps({"text": LONG_WORD}).encode(), 400, "text"),
    (b'{"text": "hi", "metadata": "ar"}', 400, "metadata"),
]

ANSWERED = [  # texts that are odd but legitimate: the bot answers them politely
    "Hallo 🙂🙏",
    "Hallo مرحبا Привет ሰላም merhaba",
    "<script>alert('x')</script><b>Hilfe</b>",
    "<img src=x onerror=alert(1)> Wohnung",
    "'; DROP TABLE events; -- \" OR 1=1; SELECT * FROM services",
    "Hal\u0000lo, ich suche\u0000 einen Deutschkurs",
    "Wohnung " + "Aufenthaltserlaubnis" * 150,  # a 3,000-character word, under the limit
    "%s %n {0} ${jndi:ldap://x} ../../etc/passwd",
    "\u202eRTL override\u202c and zero\u200bwidth",
]


def healthy(stack: RunningStack) -> None:
    assert requests.get(f"{stack.gateway}/healthz", timeout=10).status_code == 200
    answer = stack.chat("Ich suche einen Deutschkurs")
    assert answer["replies"]


@pytest.mark.parametrize("raw, status, field", REFUSED,
                         ids=["empty", "whitespace", "100kB", "1MB", "binary", "bad-utf8",
                              "malformed", "text-list", "blank-text", "nul-only", "10k-word",
                              "metadata"])
def test_bad_bodies_get_a_json_4xx(stack, raw, status, field):
    resp = requests.post(f"{stack.gateway}/api/chat", data=raw, timeout=30,
                         headers={"Content-Type": "application/json"})
    assert resp.status_code == status, resp.text
    assert resp.headers["Content-Type"].startswith("application/json")
    error = resp.json()["error"]
    if field:
        assert error.startswith(field), error


def test_odd_texts_get_a_polite_reply_and_are_stored_as_sent(stack):
    cid = stack.chat("Hallo")["conversation_id"]
    for text in ANSWERED:
        resp = send(stack, text, cid)
        assert resp.status_code == 200, (text, resp.text)
        replies = resp.json()["replies"]
        assert replies, text
        assert not any("<script" in json.dumps(r) for r in replies), "payload echoed back"
    stored = user_texts(tracker(stack, cid))
    assert stored[1:] == [clean_text(text) for text in ANSWERED]  # each once, in order, intact
    assert "Hallo, ich suche einen Deutschkurs" in stored  # NUL bytes removed, nothing else
    healthy(stack)


def test_emoji_only_gets_a_real_reply(stack):
    cid = stack.chat("Hallo")["conversation_id"]
    answer = stack.chat("🙂🙂🙏", cid)
    assert answer["replies"]  # a polite reply in every case
    assert reply_texts(answer) != [i18n.t("error.unavailable", "de")]
    assert user_texts(tracker(stack, cid))[-1] == "🙂🙂🙏"


def test_burst_from_one_conversation_is_rate_limited(stack):
    cid = stack.chat("Hallo")["conversation_id"]
    with ThreadPoolExecutor(max_workers=10) as pool:
        responses = list(pool.map(lambda i: send(stack, f"Nachricht {i}", cid), range(50)))
    codes = [r.status_code for r in responses]
    assert set(codes) <= {200, 429}, codes
    assert codes.count(429) >= 30, codes
    assert 5 <= codes.count(200) <= 20, codes
    limited = next(r for r in responses if r.status_code == 429)
    assert int(limited.headers["Retry-After"]) >= 1
    assert "error" in limited.json()
    # Exactly the accepted messages were stored, each once.
    stored = user_texts(tracker(stack, cid))
    accepted = sorted(f"Nachricht {i}" for i, r in enumerate(responses) if r.status_code == 200)
    assert sorted(stored[1:]) == accepted
    healthy(stack)  # other conversations are not affected


def test_nothing_stored_is_corrupted(stack):
    for name in ("tracker.db", "catalog.db"):
        with sqlite3.connect(stack.var_dir / name) as db:
            assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok", name
    with sqlite3.connect(stack.var_dir / "tracker.db") as db:
        for (data,) in db.execute("SELECT data FROM events"):
            json.loads(data)
    with sqlite3.connect(stack.var_dir / "catalog.db") as db:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
        assert "services" in tables or any("service" in t for t in tables)
    resp = requests.get(f"{stack.gateway}/api/services", params={"topic": "legal_advice"},
                        timeout=30)
    assert resp.status_code == 200 and resp.json()["total"] > 0
    healthy(stack)


@pytest.fixture
async def limited_gateway(tmp_path, monkeypatch):
    """A gateway alone (Rasa down) with a tight per-address limit."""
    monkeypatch.setenv("VAR_DIR", str(tmp_path))
    monkeypatch.setenv("RASA_PORT", str(free_port()))
    monkeypatch.setenv("RATE_LIMIT_ADDRESS", "5/10")
    async with TestClient(TestServer(create_app(settings_mod.load()))) as client:
        yield client


async def test_flood_from_one_address_is_rate_limited(limited_gateway):
    codes = [(await limited_gateway.post("/api/chat", data=b"{}")).status for _ in range(8)]
    assert codes[:5] == [400] * 5
    resp = await limited_gateway.post("/api/chat", json={"text": "hallo"})
    assert resp.status == 429
    assert int(resp.headers["Retry-After"]) >= 1
    assert "error" in await resp.json()
    assert (await limited_gateway.get("/healthz")).status == 200  # GETs are not limited
