"""Scale-out: two complete stacks (two gateways, two Rasa servers, two action servers) share one
conversation through the PostgreSQL tracker store and the Redis lock store.

One conversation's messages go alternately, and partly at the same moment, to both gateways. The
tracker, read back through both Rasa servers' HTTP API, must hold every message exactly once and
in order, with consistent slots; that is what the Redis lock store guarantees and what an
in-memory lock store would not. Deletion on request is checked here too, on PostgreSQL.
"""
from __future__ import annotations

import secrets
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot import i18n
from tests.conftest import (
    REDIS_URL,
    RunningStack,
    postgres_available,
    redis_available,
    require,
    start_stack,
)
from tests.reliability import pg_database, reply_texts, send, tracker, user_texts

pytestmark = [pytest.mark.stack, pytest.mark.services]
REDIS_LOCK_DB = 11  # a database of its own, so other suites' keys never meet ours


@pytest.fixture(scope="module")
def pair(trained_model: Path, tmp_path_factory: pytest.TempPathFactory
         ) -> Iterator[tuple[RunningStack, RunningStack, str]]:
    require(postgres_available(), "PostgreSQL on 127.0.0.1:5432")
    require(redis_available(), "Redis on 127.0.0.1:6379")
    redis_url = REDIS_URL.rsplit("/", 1)[0] + f"/{REDIS_LOCK_DB}"
    with pg_database("scale") as url:
        shared = {"TRACKER_STORE_URL": url, "CATALOG_DATABASE_URL": url,
                  "LOCK_STORE_URL": redis_url,
                  # One deployment: the secrets come from the environment, the same everywhere.
                  "RASA_TOKEN": secrets.token_urlsafe(24),
                  "SESSION_SECRET": secrets.token_urlsafe(24)}
        first = start_stack(tmp_path_factory.mktemp("scale_a"), **shared)
        try:
            second = start_stack(tmp_path_factory.mktemp("scale_b"), **shared)
        except BaseException:
            first.stop()
            raise
        try:
            yield first, second, url
        finally:
            codes = (first.stop(), second.stop())
            assert codes == (0, 0), codes


def test_one_conversation_across_two_servers_loses_and_doubles_nothing(pair):
    a, b, _ = pair
    first = a.chat("Hallo")
    cid = first["conversation_id"]
    sent = ["Hallo"]
    sequential = ["Ich suche einen Deutschkurs", '/inform{"district":"Hiltrup"}',
                  "Gibt es auch Kurse am Abend?", "Ich brauche einen Arzt"]
    for i, text in enumerate(sequential):
        answer = (b if i % 2 == 0 else a).chat(text, cid)
        assert answer["replies"], text
        sent.append(text)
    concurrent_pairs = [("Ich suche eine Wohnung", "Wo finde ich Arbeit?"),
                        ("Danke schön", "Ich suche Hilfe bei der Aufenthaltserlaubnis"),
                        ("Gibt es einen Kindergarten?", "Ich brauche einen Zahnarzt"),
                        ("Wo ist ein Sprachcafé?", "Ich werde diskriminiert")]
    with ThreadPoolExecutor(max_workers=2) as pool:
        for left, right in concurrent_pairs:
            answers = list(pool.map(lambda job: job[0].chat(job[1], cid),
                                    [(a, left), (b, right)]))
            assert all(answer["replies"] for answer in answers)
            sent.append((left, right))
    last = b.chat("Danke, tschüss", cid)
    assert last["replies"]
    sent.append("Danke, tschüss")

    from_a, from_b = tracker(a, cid), tracker(b, cid)
    assert from_a["events"] == from_b["events"]
    stored = user_texts(from_a)
    assert len(stored) == sum(2 if isinstance(s, tuple) else 1 for s in sent), stored
    position = 0
    for item in sent:
        if isinstance(item, tuple):  # sent at the same moment: both, adjacent, either order
            assert sorted(stored[position:position + 2]) == sorted(item), stored
            position += 2
        else:
            assert stored[position] == item, stored
            position += 1
    slots = from_a["slots"]
    assert slots["district"] == "Hiltrup"
    assert slots["language"] == "de"
    assert from_b["slots"] == slots


def test_delete_my_data_removes_the_events_from_postgresql(pair):
    a, b, url = pair
    cid = a.chat("Ich suche einen Deutschkurs")["conversation_id"]
    b.chat("Mein Name ist Testperson, ich wohne in Hiltrup", cid)
    engine = sa.create_engine(url, future=True)
    count = sa.text("SELECT count(*) FROM events WHERE sender_id = :cid")
    try:
        with engine.connect() as conn:
            assert conn.execute(count, {"cid": cid}).scalar() > 0
        answer = a.chat("/delete_my_data", cid)
        assert i18n.t("privacy.deleted", "de") in reply_texts(answer)
        with engine.connect() as conn:
            assert conn.execute(count, {"cid": cid}).scalar() == 0
            assert conn.execute(sa.text("SELECT count(*) FROM events")).scalar() > 0
    finally:
        engine.dispose()
    # The conversation id stays usable: the next message starts afresh on either server.
    assert send(b, "Hallo", cid).status_code == 200
