"""The counsellor lookup on a real seeded SQLite catalogue, through aiohttp's test client."""
from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import markupsafe
import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select, update

from bot import i18n, staff
from bot.gateway import counsellor, counsellor_security
from bot.settings import ROOT
from services_catalog import handoff
from services_catalog.db import make_engine, session_scope
from services_catalog.init_db import init_catalog
from services_catalog.models import Service, StaffUser, Translation
from services_catalog.search import SearchQuery, search
from services_catalog.search_index import rebuild_search_index
from tests.conftest import gateway_client

PASSWORD = "correct horse battery staple"
FOREIGNERS_OFFICE = "auslaenderbehoerde-bereich-aufenthaltsrecht"
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
SERVICE_ID_RE = re.compile(r'<article class="service" id="service-([^"]+)">')


def text(key: str, language: str, **values: object) -> str:
    """A locale text as it appears in a page (HTML-escaped like Jinja2 does)."""
    return str(markupsafe.escape(i18n.t(key, language, **values)))


@pytest.fixture(scope="module")
def catalog_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A seeded catalogue with one service whose name looks like a spreadsheet formula."""
    url = f"sqlite:///{tmp_path_factory.mktemp('catalog') / 'catalog.db'}"
    engine = make_engine(url)
    init_catalog(engine)
    evil = '=HYPERLINK("http://evil.example","Beratung")'
    with session_scope(engine) as session:
        target = session.execute(select(Service.id).where(Service.id != FOREIGNERS_OFFICE)
                                 .order_by(Service.id)).scalars().first()
        session.execute(update(Service).where(Service.id == target).values(name=evil))
        session.execute(update(Translation).where(Translation.link_id == target,
                                                  Translation.link_field == "name")
                        .values(text=evil))
        rebuild_search_index(session)
        staff.add_user(session, "counsellor", PASSWORD)
        handoff.create_handoff(session, "web.secret-conversation.sig", "ar", "legal_advice")
    engine.dispose()
    return url


@pytest.fixture
def engine(catalog_url: str):
    engine = make_engine(catalog_url)
    yield engine
    engine.dispose()


@pytest.fixture
async def client(tmp_path: Path, catalog_url: str) -> AsyncIterator[TestClient]:
    async with gateway_client(tmp_path, catalog_url) as client:
        yield client


async def page(client: TestClient, path: str, expect: int = 200, **params: str) -> str:
    resp = await client.get(path, params=params, allow_redirects=False)
    body = await resp.text()
    assert resp.status == expect, body[:500]
    return body


async def csrf(client: TestClient, path: str = "/counsellor/login") -> str:
    match = CSRF_RE.search(await page(client, path))
    assert match
    return match.group(1)


async def login(client: TestClient, username: str = "counsellor", password: str = PASSWORD):
    token = await csrf(client)
    return await client.post("/counsellor/login", allow_redirects=False, data={
        "csrf_token": token, "username": username, "password": password})


# ---------------------------------------------------------------------------------------------
# Search
# ---------------------------------------------------------------------------------------------

async def test_search_page_is_german_by_default_and_has_no_inline_code(client: TestClient) -> None:
    resp = await client.get("/counsellor")
    body = await resp.text()
    assert resp.status == 200 and resp.content_type == "text/html"
    assert '<html lang="de">' in body and text("counsellor.title", "de") in body
    assert "<script" not in body and "style=" not in body and "<style" not in body
    assert "script-src 'self'" in resp.headers["Content-Security-Policy"]
    assert resp.headers["Cache-Control"] == "no-store"
    english = await page(client, "/counsellor", ui="en")
    assert '<html lang="en">' in english and text("counsellor.title", "en") in english


@pytest.mark.parametrize("filters", [
    {"topic": "legal_advice"},
    {"q": "Ausländerbehörde"},
    {"topic": "health", "free": "true"},
    {"term": "asylum", "status": "asylum_seeker"},
    {"language": "en", "age": "30"},
    {"topic": "family_youth", "district": "Kinderhaus"},
    {"open_now": "true"},
])
async def test_filters_find_the_same_services_as_the_catalogue(
        client: TestClient, engine, filters: dict[str, str]) -> None:
    body = await page(client, "/counsellor", **filters)
    shown = SERVICE_ID_RE.findall(body)
    typed = {k: (v == "true" if k in ("free", "open_now") else int(v) if k == "age" else v)
             for k, v in filters.items()}
    with session_scope(engine) as session:
        expected = search(session, SearchQuery(**typed, limit=counsellor.PAGE_SIZE))
    assert shown == [item["id"] for item in expected.items]
    if expected.total == 0:
        assert text("counsellor.results.none", "de") in body


async def test_result_shows_every_contact_detail_source_and_date(client: TestClient) -> None:
    body = await page(client, "/counsellor", q="Ausländerbehörde", topic="legal_advice")
    assert "Ausländerbehörde (Bereich Aufenthaltsrecht)" in body
    assert "Stadthaus 2, Ludgeriplatz 4, 48151 Münster" in body
    assert 'href="tel:+492514923636"' in body and "0251 / 492-3636" in body
    assert 'href="mailto:auslaenderamt@stadt-muenster.de"' in body
    assert "montags bis freitags 8–12 Uhr" in body
    assert 'href="https://stadt-muenster.de/auslaenderamt"' in body  # the source
    assert '<time datetime="2026-11-01">' in body
    assert f"/counsellor/slip/{FOREIGNERS_OFFICE}" in body


async def test_user_input_is_escaped(client: TestClient) -> None:
    body = await page(client, "/counsellor", q='"><script>alert(1)</script>')
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;" in body


async def test_bad_filter_is_a_400_naming_it(client: TestClient) -> None:
    body = await page(client, "/counsellor", 400, age="alt")
    assert text("counsellor.error.bad_filter", "de", parameter="age") in body
    body = await page(client, "/counsellor", 400, district="Atlantis", ui="en")
    assert text("counsellor.error.bad_filter", "en", parameter="district") in body


async def test_paging_links(client: TestClient) -> None:
    body = await page(client, "/counsellor")
    assert len(SERVICE_ID_RE.findall(body)) == counsellor.PAGE_SIZE
    assert "offset=25" in body
    second = await page(client, "/counsellor", offset="25")
    assert not set(SERVICE_ID_RE.findall(body)) & set(SERVICE_ID_RE.findall(second))


async def test_stylesheet_has_print_rules(client: TestClient) -> None:
    resp = await client.get("/counsellor/counsellor.css")
    assert resp.status == 200 and resp.content_type == "text/css"
    assert "@media print" in await resp.text()


# ---------------------------------------------------------------------------------------------
# Referral slip
# ---------------------------------------------------------------------------------------------

async def test_slip_in_german_and_arabic_side_by_side(client: TestClient) -> None:
    body = await page(client, f"/counsellor/slip/{FOREIGNERS_OFFICE}", client_lang="ar")
    assert '<section class="slip-column" lang="de" dir="ltr">' in body
    assert '<section class="slip-column" lang="ar" dir="rtl">' in body
    german, arabic = body.split('lang="ar" dir="rtl"')
    for key in ("slip.title", "slip.what_to_bring", "slip.bring.legal_advice", "card.phone",
                "card.hours", "card.address"):
        assert text(key, "de") in german
        assert text(key, "ar") in arabic
    for part in (german, arabic):
        assert "Ausländerbehörde" in part
        assert "Ludgeriplatz 4" in part and "0251 / 492-3636" in part


async def test_slip_for_a_left_to_right_language_and_errors(client: TestClient) -> None:
    body = await page(client, f"/counsellor/slip/{FOREIGNERS_OFFICE}", client_lang="tr")
    assert 'lang="tr" dir="ltr"' in body and text("slip.title", "tr") in body
    await page(client, "/counsellor/slip/no-such-service", 404, client_lang="ar")
    await page(client, f"/counsellor/slip/{FOREIGNERS_OFFICE}", 400, client_lang="xx")


# ---------------------------------------------------------------------------------------------
# CSV export
# ---------------------------------------------------------------------------------------------

async def test_csv_export_is_valid_and_complete(client: TestClient, engine) -> None:
    resp = await client.get("/counsellor/export.csv", params={"topic": "legal_advice"})
    assert resp.status == 200 and resp.content_type == "text/csv"
    assert "attachment" in resp.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO((await resp.read()).decode("utf-8-sig"))))
    assert tuple(rows[0]) == counsellor.CSV_FIELDS
    assert all(len(row) == len(counsellor.CSV_FIELDS) for row in rows)
    with session_scope(engine) as session:
        expected = search(session, SearchQuery(topic="legal_advice", limit=100))
    assert [row[0] for row in rows[1:]] == [item["id"] for item in expected.items]


async def test_csv_export_is_injection_safe(client: TestClient) -> None:
    resp = await client.get("/counsellor/export.csv")
    rows = list(csv.reader(io.StringIO((await resp.read()).decode("utf-8-sig"))))
    cells = [cell for row in rows[1:] for cell in row]
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert '\'=HYPERLINK("http://evil.example","Beratung")' in cells
    assert any(c.startswith("'+49") or c.startswith("0251") for c in cells)


def test_csv_cell() -> None:
    assert counsellor.csv_cell("=1+1") == "'=1+1"
    assert counsellor.csv_cell("+49 251 1") == "'+49 251 1"
    assert counsellor.csv_cell("-2") == "'-2"
    assert counsellor.csv_cell("@SUM(A1)") == "'@SUM(A1)"
    assert counsellor.csv_cell("Beratung = gut") == "Beratung = gut"
    assert counsellor.csv_cell(None) == "" and counsellor.csv_cell(["ar", "de"]) == "ar; de"


# ---------------------------------------------------------------------------------------------
# Staff: login, CSRF, cookies, lock-out, handoffs
# ---------------------------------------------------------------------------------------------

async def test_handoffs_only_when_logged_in(client: TestClient) -> None:
    resp = await client.get("/counsellor/handoffs", allow_redirects=False)
    assert resp.status == 303 and resp.headers["Location"].startswith("/counsellor/login")
    assert "secret-conversation" not in await resp.text()
    resp = await login(client)
    assert resp.status == 303 and resp.headers["Location"].startswith("/counsellor/handoffs")
    body = await page(client, "/counsellor/handoffs")
    assert "web.secret-conversation.sig" in body and "العربية" in body


async def test_forged_or_expired_session_is_refused(client: TestClient) -> None:
    forged = counsellor_security.encode_session("another-secret", "counsellor")
    client.session.cookie_jar.update_cookies({"counsellor_session": forged})
    resp = await client.get("/counsellor/handoffs", allow_redirects=False)
    assert resp.status == 303
    old = counsellor_security.encode_session("test-secret", "counsellor", now=0)
    assert counsellor_security.decode_session("test-secret", old) is None
    fresh = counsellor_security.encode_session("test-secret", "counsellor")
    assert counsellor_security.decode_session("test-secret", fresh).username == "counsellor"
    tampered = fresh.replace(fresh[2], "A" if fresh[2] != "A" else "B", 1)
    assert counsellor_security.decode_session("test-secret", tampered) is None


async def test_cookie_flags(client: TestClient) -> None:
    resp = await login(client)
    cookies = resp.headers.getall("Set-Cookie")
    session = next(c for c in cookies if c.startswith("counsellor_session="))
    assert "HttpOnly" in session and "SameSite=Strict" in session
    assert "Path=/counsellor" in session and "Max-Age=" in session
    assert "Secure" not in session  # plain HTTP in this test
    token = await csrf(client, "/counsellor")  # logged in: the logout form has the token
    resp = await client.post("/counsellor/login", allow_redirects=False,
                             headers={"X-Forwarded-Proto": "https"},
                             data={"csrf_token": token, "username": "counsellor",
                                   "password": PASSWORD})
    session = next(c for c in resp.headers.getall("Set-Cookie")
                   if c.startswith("counsellor_session="))
    assert "Secure" in session and "HttpOnly" in session and "SameSite=Strict" in session


async def test_csrf_missing_or_wrong_is_403(client: TestClient) -> None:
    await csrf(client)  # the browser has a CSRF cookie, but the form omits the token
    resp = await client.post("/counsellor/login", allow_redirects=False,
                             data={"username": "counsellor", "password": PASSWORD})
    assert resp.status == 403
    resp = await client.post("/counsellor/login", allow_redirects=False, data={
        "csrf_token": "forged", "username": "counsellor", "password": PASSWORD})
    assert resp.status == 403
    assert (await login(client)).status == 303
    resp = await client.post("/counsellor/logout", allow_redirects=False, data={})
    assert resp.status == 403
    assert (await client.get("/counsellor/handoffs", allow_redirects=False)).status == 200


async def test_mark_done_and_logout(client: TestClient, engine) -> None:
    with session_scope(engine) as session:
        request_id = handoff.create_handoff(session, "messenger:123", "fa", "housing")["id"]
    resp = await client.post(f"/counsellor/handoffs/{request_id}/done", allow_redirects=False,
                             data={"csrf_token": await csrf(client)})
    assert resp.status == 403  # not logged in
    await login(client)
    resp = await client.post(f"/counsellor/handoffs/{request_id}/done", allow_redirects=False,
                             data={})
    assert resp.status == 403  # no CSRF token
    token = await csrf(client, "/counsellor/handoffs")
    resp = await client.post(f"/counsellor/handoffs/{request_id}/done", allow_redirects=False,
                             data={"csrf_token": token})
    assert resp.status == 303
    with session_scope(engine) as session:
        states = {h["id"]: h["status"] for h in handoff.list_handoffs(session, None)}
    assert states[request_id] == "done"
    assert "messenger:123" not in await page(client, "/counsellor/handoffs")
    assert "messenger:123" in await page(client, "/counsellor/handoffs", show="all")
    resp = await client.post("/counsellor/logout", allow_redirects=False,
                             data={"csrf_token": token})
    assert resp.status == 303
    assert any(c.startswith("counsellor_session=;") or 'counsellor_session=""' in c
               for c in resp.headers.getall("Set-Cookie"))
    assert (await client.get("/counsellor/handoffs", allow_redirects=False)).status == 303


async def test_five_wrong_passwords_lock_the_account(client: TestClient, engine) -> None:
    with session_scope(engine) as session:
        staff.add_user(session, "lockme", PASSWORD)
    for _ in range(4):
        resp = await login(client, "lockme", "wrong password!!")
        assert resp.status == 401
        assert text("counsellor.login.failed", "de") in await resp.text()
    resp = await login(client, "lockme", "wrong password!!")
    assert resp.status == 429
    resp = await login(client, "lockme", PASSWORD)  # even the right password is refused now
    assert resp.status == 429 and text("counsellor.login.locked", "de") in await resp.text()
    with session_scope(engine) as session:
        user = session.execute(select(StaffUser).where(StaffUser.username == "lockme")).scalar()
        locked_until = user.locked_until.replace(tzinfo=dt.timezone.utc)
        assert locked_until > dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=14)
        user.locked_until = dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=1)
    assert (await login(client, "lockme", PASSWORD)).status == 303  # lock expired


def test_passwords_are_argon2_hashed(engine) -> None:
    with session_scope(engine) as session:
        user = session.execute(select(StaffUser).where(StaffUser.username == "counsellor")
                               ).scalar()
        assert user.password_hash.startswith("$argon2id$") and PASSWORD not in user.password_hash


def test_staff_cli_adds_an_account(tmp_path: Path, engine, catalog_url: str) -> None:
    env = {**os.environ, "CATALOG_DATABASE_URL": catalog_url, "VAR_DIR": str(tmp_path)}
    cmd = [sys.executable, "-m", "bot.staff", "add", "cli-user", "--password-stdin"]
    done = subprocess.run(cmd, input=PASSWORD + "\n", env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    again = subprocess.run(cmd, input=PASSWORD + "\n", env=env, cwd=ROOT, capture_output=True,
                           text=True, timeout=120)
    assert again.returncode == 1 and "exists already" in again.stderr
    short = subprocess.run([*cmd[:4], "short-user", "--password-stdin"], input="short\n",
                           env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert short.returncode == 1 and "password" in short.stderr
    with session_scope(engine) as session:
        assert staff.authenticate(session, "cli-user", PASSWORD).ok
        assert not staff.user_exists(session, "short-user")
