"""Helpers shared by the reliability tests (scale-out, persistence, faults, bad input, privacy).

They talk to the real services: a throw-away PostgreSQL database per test module (so suites
running side by side never see each other's tables), Rasa's token-protected HTTP API, the
processes of a running stack, and a TCP proxy that can cut the line to the action server.
"""
from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests

from tests.conftest import PG_URL, RunningStack, descendants, free_port


def _admin_connection():
    import psycopg2

    conn = psycopg2.connect(PG_URL, connect_timeout=5)
    conn.autocommit = True  # CREATE/DROP DATABASE cannot run inside a transaction
    return conn


def pg_url_for(database: str) -> str:
    parts = urlsplit(PG_URL)
    return urlunsplit(parts._replace(path=f"/{database}"))


@contextlib.contextmanager
def pg_database(purpose: str) -> Iterator[str]:
    """A fresh PostgreSQL database `newcomer_<purpose>_<pid>`, dropped (forcibly) at the end."""
    name = f"newcomer_{purpose}_{os.getpid()}"
    with contextlib.closing(_admin_connection()) as conn, conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cur.execute(f'CREATE DATABASE "{name}"')
    try:
        yield pg_url_for(name)
    finally:
        with contextlib.closing(_admin_connection()) as conn, conn.cursor() as cur:
            cur.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true')
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def pg_set_available(url: str, available: bool) -> None:
    """Make a database refuse (or accept again) every connection, cutting the open ones:
    what the application sees when its database server goes away."""
    name = urlsplit(url).path.lstrip("/")
    with contextlib.closing(_admin_connection()) as conn, conn.cursor() as cur:
        cur.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS {str(available).lower()}')
        if not available:
            cur.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = %s AND pid <> pg_backend_pid()", (name,))


def rasa_token(stack: RunningStack) -> str:
    """The token of the stack's Rasa HTTP API: from its environment, else from its var dir."""
    return stack.env.get("RASA_TOKEN") or (stack.var_dir / "rasa_token").read_text().strip()


def tracker(stack: RunningStack, conversation_id: str) -> dict[str, Any]:
    resp = requests.get(f"{stack.rasa}/conversations/{conversation_id}/tracker",
                        params={"token": rasa_token(stack), "include_events": "ALL"}, timeout=30)
    resp.raise_for_status()
    return resp.json()


def user_texts(tracker_json: dict[str, Any]) -> list[str]:
    return [e.get("text") for e in tracker_json.get("events", []) if e.get("event") == "user"]


def send(stack: RunningStack, text: str, conversation_id: str | None = None,
         **extra: Any) -> requests.Response:
    """POST /api/chat without asserting the status (the tests check it themselves)."""
    body: dict[str, Any] = {"text": text, **extra}
    if conversation_id:
        body["conversation_id"] = conversation_id
    return requests.post(f"{stack.gateway}/api/chat", json=body, timeout=60)


def reply_texts(answer: dict[str, Any]) -> list[str]:
    return [r["text"] for r in answer.get("replies", []) if r.get("text")]


def child_pid(stack: RunningStack, marker: str) -> int:
    """The pid of the stack's process whose command line contains `marker` (e.g. 'rasa run')."""
    for pid in descendants(stack.proc.pid):
        with contextlib.suppress(OSError):
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            if marker in cmdline:
                return pid
    raise LookupError(f"no process with {marker!r} in the stack")


def wait_healthy(stack: RunningStack, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(requests.RequestException):
            if requests.get(f"{stack.gateway}/healthz", timeout=5).status_code == 200:
                return
        time.sleep(0.5)
    raise AssertionError("gateway /healthz did not answer 200")


class SwitchableProxy:
    """A loopback TCP proxy that can be switched off (connections refused, open ones cut).

    Rasa keeps connections to the action server alive, so closing only the listener would not
    be an outage: `down()` also cuts every forwarded connection.
    """

    def __init__(self, target_port: int) -> None:
        self.port = free_port()
        self.target_port = target_port
        self._listener: socket.socket | None = None
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()

    def up(self) -> None:
        listener = socket.create_server(("127.0.0.1", self.port))
        listener.settimeout(0.2)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def down(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.close()
        with self._lock:
            conns, self._open = self._open, set()
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
            conn.close()

    def _accept(self, listener: socket.socket) -> None:
        while self._listener is listener:
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            client.settimeout(None)
            with self._lock:
                self._open.update((client, upstream))
            for src, dst in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(src, dst), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := src.recv(65536):
                dst.sendall(data)
        for sock in (src, dst):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
