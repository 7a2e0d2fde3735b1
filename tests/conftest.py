"""Shared fixtures: free ports, required services, and the real stack started by the launcher.

`REQUIRE_SERVICES=1` (set by .ci/run) turns every "service not available here" skip into a
failure, so CI cannot pass by skipping the PostgreSQL, Redis and browser tests.
"""
from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from bot.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def require(condition: bool, reason: str) -> None:
    """Skip when a service is missing, or fail when REQUIRE_SERVICES=1 (CI)."""
    if condition:
        return
    if os.environ.get("REQUIRE_SERVICES") == "1":
        pytest.fail(f"required service missing: {reason}")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def one_rasa_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests put one Rasa (real or fake) on RASA_PORT. On two cores the default is two workers,
    and the gateway would send about half of the conversations to RASA_PORT + 1, where nothing
    listens (a test failed that way when its random conversation id hashed to the second
    worker). ``test_rasa_workers.py`` asks for two explicitly."""
    monkeypatch.setenv("RASA_WORKERS", "1")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def postgres_available() -> bool:
    try:
        import psycopg2

        psycopg2.connect(PG_URL, connect_timeout=3).close()
        return True
    except Exception:  # noqa: BLE001 - any failure means "not available"
        return False


def redis_available() -> bool:
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
        return True
    except Exception:  # noqa: BLE001
        return False


def descendants(pid: int) -> set[int]:
    """Every live process below `pid` (children, grandchildren...), from /proc."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        parents.setdefault(ppid, []).append(int(entry.name))
    found: set[int] = set()
    todo = [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def gateway_settings(var: Path, catalog_url: str) -> Settings:
    """Gateway settings for in-process tests: a given catalogue, no Rasa, no Messenger."""
    return Settings(
        gateway_host="127.0.0.1", gateway_port=0, rasa_port=1, actions_port=1,
        catalog_database_url=catalog_url, tracker_store_url=f"sqlite:///{var / 'tracker.db'}",
        lock_store_url="memory://", rasa_token="t", session_secret="test-secret",
        fb_verify_token=None, fb_app_secret=None, fb_page_access_token=None,
        fb_graph_url="http://127.0.0.1:1")


@contextlib.asynccontextmanager
async def gateway_client(var: Path, catalog_url: str):
    """An in-process gateway (aiohttp test client) on a given catalogue, without Rasa."""
    from aiohttp.test_utils import TestClient, TestServer

    from bot.gateway.app import create_app

    client = TestClient(TestServer(create_app(gateway_settings(var, catalog_url)),
                                   host="127.0.0.1"))
    await client.start_server()
    try:
        yield client
    finally:
        await client.close()


@dataclass
class RunningStack:
    """A stack started through `python -m bot run` for a test."""

    proc: subprocess.Popen
    env: dict[str, str]
    var_dir: Path
    log_path: Path

    @property
    def gateway(self) -> str:
        return f"http://127.0.0.1:{self.env['GATEWAY_PORT']}"

    @property
    def rasa(self) -> str:
        return f"http://127.0.0.1:{self.env['RASA_PORT']}"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def chat(self, text: str, conversation_id: str | None = None, language: str | None = None,
             timeout: float = 60) -> dict:
        body: dict = {"text": text}
        if conversation_id:
            body["conversation_id"] = conversation_id
        if language:
            body["metadata"] = {"language": language}
        resp = requests.post(f"{self.gateway}/api/chat", json=body, timeout=timeout)
        assert resp.status_code == 200, resp.text
        return resp.json()

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 60) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        return self.proc.wait(timeout=timeout)


def stack_env(var_dir: Path, **overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FB_", "RASA_TOKEN"))}
    env.update({
        "VAR_DIR": str(var_dir),
        "GATEWAY_PORT": str(free_port()),
        "RASA_PORT": str(free_port()),
        "ACTIONS_PORT": str(free_port()),
        "GATEWAY_HOST": "127.0.0.1",
        "CATALOG_DATABASE_URL": f"sqlite:///{var_dir / 'catalog.db'}",
        "TRACKER_STORE_URL": f"sqlite:///{var_dir / 'tracker.db'}",
        "PYTHONUNBUFFERED": "1",
        # One Rasa server per test stack keeps the suite's memory and start-up small; the
        # default (one per core, at most two) has its own test: tests/test_rasa_workers.py.
        "RASA_WORKERS": "1",
    })
    env.update(overrides)
    return env


def start_stack(var_dir: Path, timeout: float = 600, **overrides: str) -> RunningStack:
    """Seed a catalogue for the stack and start it with the launcher; wait for the gateway."""
    var_dir.mkdir(parents=True, exist_ok=True)
    env = stack_env(var_dir, **overrides)
    subprocess.run([sys.executable, "-m", "services_catalog", "init"], cwd=ROOT, env=env,
                   check=True, capture_output=True)
    log_path = var_dir / "stack.log"
    log = log_path.open("w")
    proc = subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=ROOT, env=env,
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    stack = RunningStack(proc, env, var_dir, log_path)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"launcher exited with {proc.returncode}:\n{stack.log()[-4000:]}")
        if "The bot is up" in stack.log():
            return stack
        time.sleep(1)
    stack.stop(signal.SIGKILL)
    raise AssertionError(f"stack did not come up in {timeout} s:\n{stack.log()[-4000:]}")


@pytest.fixture(scope="session")
def trained_model() -> Path:
    """The model for the current data and config (trained once per run, then reused)."""
    from bot import training

    return training.ensure_model()


@pytest.fixture(scope="session")
def stack(trained_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    """One real stack (Rasa, actions, gateway) shared by the end-to-end tests of a run."""
    running = start_stack(tmp_path_factory.mktemp("stack"))
    pids = descendants(running.proc.pid)
    try:
        yield running
    finally:
        code = running.stop()
        leftover = [p for p in pids if alive(p)]
        assert not leftover, f"processes left after shutdown: {leftover}"
        assert code == 0, f"launcher exit code {code}"
