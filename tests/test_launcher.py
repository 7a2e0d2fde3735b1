"""The launcher's process handling, with real child processes (small HTTP servers).

These tests exercise the same `Stack` code that runs Rasa, the action server and the gateway,
with children that start in milliseconds, so every shutdown path can be checked: a requested
stop, the death of a child, a child that never becomes healthy, and a SIGKILL of the launcher.
"""
from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
import time

from bot.launcher import Child, Stack, lock_store_environment
from tests.conftest import ROOT, alive, descendants, free_port


def http_child(name: str) -> Child:
    port = free_port()
    return Child(name, [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
                 f"http://127.0.0.1:{port}/")


async def _run_until_ready(stack: Stack) -> tuple[asyncio.Task, asyncio.Event]:
    ready = asyncio.Event()
    stack.on_ready = ready.set
    task = asyncio.create_task(stack.run())
    await asyncio.wait_for(ready.wait(), 30)
    return task, ready


async def test_requested_stop_ends_every_child_with_code_0():
    children = [http_child("a"), http_child("b"), http_child("c")]
    lines: list[str] = []
    stack = Stack(children, out=lines.append)
    task, _ = await _run_until_ready(stack)
    pids = [c.proc.pid for c in children]
    assert all(alive(p) for p in pids)
    stack.request_stop()
    assert await asyncio.wait_for(task, 30) == 0
    assert not [p for p in pids if alive(p)]
    assert any(line.startswith("[a      ]") for line in lines), "child output is prefixed"


async def test_death_of_one_child_stops_all_and_exits_non_zero():
    children = [http_child("a"), http_child("b")]
    stack = Stack(children, out=lambda _: None)
    task, _ = await _run_until_ready(stack)
    survivor = children[1].proc.pid
    os.kill(children[0].proc.pid, signal.SIGKILL)
    assert await asyncio.wait_for(task, 30) == 1
    assert not alive(survivor)


async def test_child_that_exits_during_start_up_fails_the_launch():
    bad = Child("bad", [sys.executable, "-c", "import sys; sys.exit(3)"], "http://127.0.0.1:9/")
    good = http_child("good")
    stack = Stack([good, bad], out=lambda _: None)
    assert await asyncio.wait_for(stack.run(), 30) == 1
    assert not alive(good.proc.pid)


def test_sigkill_of_the_launcher_takes_the_children_along(tmp_path):
    ports = [free_port(), free_port()]
    script = textwrap.dedent(f"""
        import asyncio, sys
        from bot.launcher import Child, Stack
        children = [Child(str(p), [sys.executable, "-m", "http.server", str(p), "--bind",
                    "127.0.0.1"], f"http://127.0.0.1:{{p}}/") for p in {ports}]
        asyncio.run(Stack(children, on_ready=lambda: print("READY", flush=True)).run())
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE,
                            text=True)
    try:
        deadline = time.monotonic() + 30
        while "READY" not in (proc.stdout.readline() or "") and time.monotonic() < deadline:
            pass
        kids = descendants(proc.pid)
        assert len(kids) >= 2
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        deadline = time.monotonic() + 10
        while any(alive(k) for k in kids) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not [k for k in kids if alive(k)]
    finally:
        if proc.poll() is None:
            proc.kill()


def test_lock_store_url_translation():
    assert lock_store_environment("memory://")["LOCK_STORE_TYPE"] == "in_memory"
    env = lock_store_environment("redis://:pw@10.0.0.5:6380/3")
    assert env == {"LOCK_STORE_TYPE": "redis", "LOCK_HOST": "10.0.0.5", "LOCK_PORT": "6380",
                   "LOCK_DB": "3", "LOCK_PASSWORD": "pw"}


def test_rasa_gets_a_token_that_starts_with_a_dash(monkeypatch):
    """argparse reads '--auth-token -abc' as a missing value; the '=' form must be used."""
    from bot import rasa_server

    monkeypatch.setenv("RASA_TOKEN", "-starts-with-a-dash")
    args = rasa_server.rasa_arguments(["run", "--enable-api"])
    assert "--auth-token=-starts-with-a-dash" in args
