"""Privacy through the real stack: logs without message text, deletion on request, retention
purge, and a Rasa HTTP API that answers nobody without its token.

Deletion on PostgreSQL is checked in tests/test_scale_out.py, whose stacks keep their trackers
there (one stack start fewer).
"""
from __future__ import annotations

import json
import secrets
import sqlite3
import subprocess
import sys
import time

import pytest
import requests

from bot import i18n
from tests.conftest import ROOT, RunningStack
from tests.reliability import rasa_token, reply_texts, send

pytestmark = pytest.mark.stack


def event_count(stack: RunningStack, conversation_id: str) -> int:
    with sqlite3.connect(stack.var_dir / "tracker.db") as db:
        return db.execute("SELECT count(*) FROM events WHERE sender_id = ?",
                          (conversation_id,)).fetchone()[0]


def test_logs_hold_no_message_text_or_personal_data(stack):
    marker = secrets.token_hex(6)
    messages = [
        f"Mein Name ist Leyla Marwani{marker}, Telefon 0176 {marker[:6]}, ich suche einen Anwalt",
        f"اسمي أحمد {marker} وأبحث عن طبيب",
        f"Меня зовут Олена {marker}, мой адрес Hafenstraße 12",
        f"my email is amira.{marker}@example.org, I need a flat",
    ]
    cid = stack.chat(messages[0])["conversation_id"]
    for text in messages[1:]:
        stack.chat(text, cid)
    stack.chat('/inform{"district":"Hiltrup"}', cid)
    failing = "🦩🪼🧿"  # emoji only: a message the NLU pipeline has failed on, logging it
    assert send(stack, failing, cid).status_code == 200
    time.sleep(1)  # let the launcher write what the children printed
    log = stack.log()
    assert "[rasa   ]" in log and "[actions]" in log and "[gateway]" in log
    assert marker not in log
    assert failing not in log and json.dumps(failing)[1:-1] not in log
    for text in messages:
        for word in text.split():
            if len(word) > 6 and not word.isascii():
                assert word not in log, word
    assert rasa_token(stack) not in log


def test_delete_my_data_removes_the_conversation_from_sqlite(stack):
    cid = stack.chat("Ich suche einen Deutschkurs")["conversation_id"]
    stack.chat("Ich wohne in Hiltrup", cid)
    assert event_count(stack, cid) > 0
    answer = stack.chat("/delete_my_data", cid)
    assert i18n.t("privacy.deleted", "de") in reply_texts(answer)
    assert event_count(stack, cid) == 0


def test_rasa_api_needs_its_token(stack):
    cid = stack.chat("Hallo")["conversation_id"]
    url = f"{stack.rasa}/conversations/{cid}/tracker"
    assert requests.get(url, timeout=10).status_code in (401, 403)
    assert requests.get(url, params={"token": "wrong"}, timeout=10).status_code in (401, 403)
    assert requests.get(url, params={"token": rasa_token(stack)}, timeout=10).status_code == 200
    # The public gateway offers no route to Rasa's API.
    assert requests.get(f"{stack.gateway}/conversations/{cid}/tracker",
                        timeout=10).status_code == 404
    token_file = stack.var_dir / "rasa_token"
    assert token_file.stat().st_mode & 0o077 == 0  # readable by the owner only


def test_purge_deletes_only_conversations_past_the_retention(stack, tmp_path):
    old = stack.chat("Ich suche einen Deutschkurs")["conversation_id"]
    recent = stack.chat("Ich suche eine Wohnung")["conversation_id"]
    # Work on copies: the shared stack's other conversations must not be touched. The live
    # databases run in WAL mode (recent turns are still in the -wal file), so they are copied
    # with SQLite's backup API, as any backup of a running stack must be.
    for name in ("tracker.db", "catalog.db"):
        with sqlite3.connect(stack.var_dir / name) as live, \
                sqlite3.connect(tmp_path / name) as copy:
            live.backup(copy)
    tracker_db = tmp_path / "tracker.db"
    with sqlite3.connect(tracker_db) as db:
        db.execute("UPDATE events SET timestamp = timestamp - 31 * 86400 WHERE sender_id = ?",
                   (old,))
    env = {**stack.env, "VAR_DIR": str(tmp_path),
           "TRACKER_STORE_URL": f"sqlite:///{tracker_db}",
           "CATALOG_DATABASE_URL": f"sqlite:///{tmp_path / 'catalog.db'}"}
    done = subprocess.run([sys.executable, "-m", "bot", "purge", "--older-than", "30d"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "deleted 1 conversations" in done.stdout
    with sqlite3.connect(tracker_db) as db:
        count = "SELECT count(*) FROM events WHERE sender_id = ?"
        assert db.execute(count, (old,)).fetchone()[0] == 0
        assert db.execute(count, (recent,)).fetchone()[0] > 0
    bad = subprocess.run([sys.executable, "-m", "bot", "purge", "--older-than", "soon"],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2


def test_the_launcher_purges_at_start(stack):
    assert "purge: " in stack.log()
