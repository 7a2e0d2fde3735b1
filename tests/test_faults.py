"""Faults through the real stack: the action server, the catalogue database or Rasa goes away.

One stack serves the whole module. Its catalogue lives in a PostgreSQL database of its own that
the test makes refuse connections; Rasa reaches the action server through a switchable proxy
(ACTIONS_ENDPOINT_PORT), so the action server can be cut off without the launcher noticing a
dead child and stopping everything; Rasa itself is frozen with SIGSTOP. Each time the user must
get a defined answer (a polite message in their language with the emergency number, or 503 with
Retry-After), and the next message after the fault must be answered normally again.
"""
from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from bot import i18n
from tests.conftest import RunningStack, free_port, postgres_available, require, start_stack
from tests.reliability import (
    SwitchableProxy,
    child_pid,
    pg_database,
    pg_set_available,
    reply_texts,
    send,
    wait_healthy,
)

pytestmark = [pytest.mark.stack, pytest.mark.services]
RASA_TIMEOUT = 4


@pytest.fixture(scope="module")
def faulty(trained_model: Path, tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[tuple[RunningStack, SwitchableProxy, str]]:
    require(postgres_available(), "PostgreSQL on 127.0.0.1:5432")
    actions_port = free_port()
    proxy = SwitchableProxy(actions_port)
    proxy.up()
    with pg_database("faults") as url:
        stack = start_stack(tmp_path_factory.mktemp("faults"), CATALOG_DATABASE_URL=url,
                            ACTIONS_PORT=str(actions_port),
                            ACTIONS_ENDPOINT_PORT=str(proxy.port),
                            RASA_TIMEOUT=str(RASA_TIMEOUT))
        try:
            yield stack, proxy, url
        finally:
            proxy.down()
            assert stack.stop() == 0


def answered_normally(stack: RunningStack, cid: str, text: str, language: str,
                      attempts: int = 3) -> dict:
    """The answer once the fault is over; a pooled connection that died with the fault may
    cost one more apology, so a few attempts are allowed."""
    unavailable = {i18n.t("error.unavailable", language), i18n.t("error.catalog", language)}
    for _ in range(attempts):
        answer = stack.chat(text, cid)
        if not unavailable & set(reply_texts(answer)):
            return answer
        time.sleep(1)
    raise AssertionError(f"still failing after the fault ended: {answer}")


def test_action_server_down_apologises_in_the_conversation_language(faulty):
    stack, proxy, _ = faulty
    arabic = stack.chat("/ar")["conversation_id"]
    proxy.down()
    try:
        # Language from the tracker's slot, from the client's metadata, else German.
        answer = stack.chat("أبحث عن دورة لغة", arabic)
        assert reply_texts(answer) == [i18n.t("error.unavailable", "ar")]
        assert answer["language"] == "ar"
        answer = stack.chat("Шукаю курс німецької", language="uk")
        assert reply_texts(answer) == [i18n.t("error.unavailable", "uk")]
        answer = stack.chat("Hallo")
        assert reply_texts(answer) == [i18n.t("error.unavailable", "de")]
        assert "112" in reply_texts(answer)[0]
    finally:
        proxy.up()
    answer = answered_normally(stack, arabic, "أبحث عن دورة لغة", "ar")
    assert answer["language"] == "ar"
    assert len(answer["replies"]) > 1


def test_catalogue_database_down_apologises_and_recovers(faulty):
    stack, _, url = faulty
    cid = stack.chat("Hallo")["conversation_id"]
    pg_set_available(url, False)
    try:
        answer = stack.chat("Ich suche einen Deutschkurs", cid)
        assert i18n.t("error.catalog", "de") in reply_texts(answer)
    finally:
        pg_set_available(url, True)
    answer = answered_normally(stack, cid, "Ich suche einen Deutschkurs", "de")
    assert any((r.get("custom") or {}).get("type") == "service_card" for r in answer["replies"])


def test_rasa_down_gives_503_with_retry_after_and_recovers(faulty):
    stack, _, _ = faulty
    cid = stack.chat("Hallo")["conversation_id"]
    rasa = child_pid(stack, "bot.rasa_server")
    os.kill(rasa, signal.SIGSTOP)
    try:
        started = time.monotonic()
        resp = send(stack, "Ich suche einen Deutschkurs", cid)
        assert resp.status_code == 503
        assert int(resp.headers["Retry-After"]) > 0
        assert "error" in resp.json()
        assert time.monotonic() - started < RASA_TIMEOUT + 10
        assert requests.get(f"{stack.gateway}/healthz", timeout=5).status_code == 200
    finally:
        os.kill(rasa, signal.SIGCONT)
    wait_healthy(stack)
    answered_normally(stack, cid, "Ich suche einen Deutschkurs", "de")
