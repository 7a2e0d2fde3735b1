"""Start the Rasa server, the action server and the gateway as one unit, and stop them as one.

Why a launcher of our own: the three processes must agree on ports, secrets and stores, must
come up in order (the gateway is only useful once Rasa has loaded its model), and must never be
left behind. Each child runs in its own process group with PR_SET_PDEATHSIG, so even a SIGKILL
of the launcher takes the children with it; on Ctrl-C, SIGTERM or the death of any child the
launcher stops all of them (SIGTERM, then SIGKILL after a grace period) and exits non-zero when
a child failed.
"""
from __future__ import annotations

import asyncio
import contextlib
import ctypes
import os
import signal
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp

from bot.settings import ROOT, Settings

GRACE_SECONDS = 10.0
STARTUP_TIMEOUT = float(os.environ.get("STARTUP_TIMEOUT", "600"))
PURGE_INTERVAL_SECONDS = 24 * 3600
COLOURS = {"rasa": "\033[35m", "actions": "\033[36m", "gateway": "\033[32m"}


@dataclass
class Child:
    """One managed process: how to start it and how to know it is ready."""

    name: str
    cmd: list[str]
    health_url: str
    env: dict[str, str] = field(default_factory=dict)
    proc: asyncio.subprocess.Process | None = None


def lock_store_environment(url: str) -> dict[str, str]:
    """Translate LOCK_STORE_URL into the variables endpoints.yml reads."""
    parts = urlsplit(url)
    if parts.scheme in ("", "memory", "in_memory"):
        return {"LOCK_STORE_TYPE": "in_memory", "LOCK_HOST": "", "LOCK_PORT": "0",
                "LOCK_DB": "0", "LOCK_PASSWORD": ""}
    if parts.scheme not in ("redis", "rediss"):
        raise ValueError(f"LOCK_STORE_URL: unsupported scheme {parts.scheme!r} (memory:// or redis://)")
    return {
        "LOCK_STORE_TYPE": "redis",
        "LOCK_HOST": parts.hostname or "127.0.0.1",
        "LOCK_PORT": str(parts.port or 6379),
        "LOCK_DB": (parts.path or "/1").lstrip("/") or "1",
        "LOCK_PASSWORD": parts.password or "",
    }


def rasa_environment(settings: Settings) -> dict[str, str]:
    """Every variable that endpoints.yml substitutes, derived from the contract's settings."""
    env = {
        "ACTIONS_PORT": str(settings.actions_port),
        "TRACKER_STORE_URL": settings.tracker_store_url,
        "CATALOG_DATABASE_URL": settings.catalog_database_url,
        "RASA_TOKEN": settings.rasa_token,
        "RASA_WORKERS": str(settings.rasa_workers),  # the gateway routes to the same number
        # Rasa's telemetry would try to reach the network, which this deployment never does.
        "RASA_TELEMETRY_ENABLED": "false",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "PYTHONUNBUFFERED": "1",
    }
    env.update(lock_store_environment(settings.lock_store_url))
    return env


def build_children(settings: Settings, model: Path) -> list[Child]:
    """The processes of the stack (actions, RASA_WORKERS Rasa servers, gateway), bound to
    127.0.0.1 except the gateway's host."""
    py = sys.executable
    base = rasa_environment(settings)
    # bot.rasa_server is `rasa run` with the token from RASA_TOKEN (not visible in `ps`) and
    # the action response schema checked once instead of per call (see its docstring).
    def rasa_cmd(port: int) -> list[str]:
        return [py, "-m", "bot.rasa_server", "run", "--enable-api",
                "--interface", "127.0.0.1", "--port", str(port),
                "--endpoints", "endpoints.yml", "--credentials", "credentials.yml",
                "--model", str(model)]

    # ACTIONS_ENDPOINT_PORT: Rasa calls the action server through a proxy listening there
    # (a load balancer in front of several action servers; the fault tests' switch).
    rasa_env = {**base, "ACTIONS_PORT": os.environ.get("ACTIONS_ENDPOINT_PORT")
                or str(settings.actions_port)}
    rasa_children = [
        Child("rasa" if i == 0 else f"rasa-{i + 1}", rasa_cmd(settings.rasa_port + i),
              f"{url}/", rasa_env)
        for i, url in enumerate(settings.rasa_urls)
    ]
    children = [
        Child("actions", [py, "-m", "rasa_sdk", "--actions", "actions",
                          "--port", str(settings.actions_port)],
              f"{settings.actions_url}/health", {**base, "SANIC_HOST": "127.0.0.1"}),
        *rasa_children,
        Child("gateway", [py, "-m", "bot.gateway"],
              f"http://{_client_host(settings.gateway_host)}:{settings.gateway_port}/healthz",
              base),
    ]
    profile_dir = os.environ.get("BOT_PROFILE_DIR")
    if profile_dir:
        # Development aid: every child under cProfile, stats in BOT_PROFILE_DIR/<name>.prof
        # when it stops (bench/load_bench.py --env BOT_PROFILE_DIR=...).
        for child in children:
            out = str(Path(profile_dir) / f"{child.name}.prof")
            child.cmd = [py, "-m", "cProfile", "-o", out, *child.cmd[1:]]
    return children


def _client_host(host: str) -> str:
    return "127.0.0.1" if host in ("0.0.0.0", "", "::") else host  # noqa: S104 - a client address


def _die_with_parent() -> None:
    """In the child, before exec: ask the kernel to SIGTERM us when the launcher dies."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG


async def _pump(name: str, stream: asyncio.StreamReader, out: Callable[[str], None]) -> None:
    colour = COLOURS.get(name, "") if sys.stdout.isatty() else ""
    reset = "\033[0m" if colour else ""
    prefix = f"{colour}[{name:<7}]{reset} "
    while line := await stream.readline():
        out(prefix + line.decode("utf-8", "replace").rstrip())


async def _wait_healthy(child: Child, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as http:
        while time.monotonic() < deadline:
            if child.proc is not None and child.proc.returncode is not None:
                code = child.proc.returncode
                raise RuntimeError(f"{child.name} exited with {code} during start-up")
            with contextlib.suppress(aiohttp.ClientError, asyncio.TimeoutError):
                async with http.get(child.health_url) as resp:
                    if resp.status == 200:
                        return
            await asyncio.sleep(0.5)
    raise TimeoutError(f"{child.name} did not answer {child.health_url} within {timeout:.0f} s")


class Stack:
    """The running processes; `run()` returns the exit code once everything has stopped."""

    def __init__(self, children: list[Child], out: Callable[[str], None] = print,
                 on_ready: Callable[[], Awaitable[None] | None] | None = None,
                 periodic: Callable[[], Awaitable[None]] | None = None) -> None:
        self.children = children
        self.out = out
        self.on_ready = on_ready
        self.periodic = periodic
        self._stop = asyncio.Event()
        self._failed: list[str] = []

    def request_stop(self) -> None:
        self._stop.set()

    async def _start(self, child: Child) -> None:
        env = {**os.environ, **child.env}
        child.proc = await asyncio.create_subprocess_exec(
            *child.cmd, cwd=ROOT, env=env, stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
            start_new_session=True, preexec_fn=_die_with_parent,  # noqa: PLW1509
        )
        assert child.proc.stdout is not None
        asyncio.create_task(_pump(child.name, child.proc.stdout, self.out))
        self.out(f"== started {child.name} (pid {child.proc.pid})")

    async def _watch(self, child: Child) -> None:
        assert child.proc is not None
        code = await child.proc.wait()
        if not self._stop.is_set():
            self._failed.append(child.name)
            self.out(f"== {child.name} exited unexpectedly with code {code}; stopping everything")
            self._stop.set()

    async def run(self) -> int:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, self.request_stop)
        watchers: list[asyncio.Task] = []
        extra: list[asyncio.Task] = []
        try:
            for child in self.children:
                await self._start(child)
                watchers.append(asyncio.create_task(self._watch(child)))
                waiting = asyncio.create_task(_wait_healthy(child, STARTUP_TIMEOUT))
                stopping = asyncio.create_task(self._stop.wait())
                await asyncio.wait({waiting, stopping}, return_when=asyncio.FIRST_COMPLETED)
                stopping.cancel()
                if not waiting.done():
                    waiting.cancel()
                    break
                if waiting.exception() is not None:
                    self.out(f"== {waiting.exception()}")
                    self._failed.append(child.name)
                    self._stop.set()
                    break
                self.out(f"== {child.name} is ready")
            else:
                if self.on_ready is not None:
                    result = self.on_ready()
                    if asyncio.iscoroutine(result):
                        await result
                if self.periodic is not None:
                    extra.append(asyncio.create_task(self.periodic()))
            await self._stop.wait()
        finally:
            for task in extra:
                task.cancel()
            await self._shutdown()
            for task in watchers:
                task.cancel()
        return 1 if self._failed else 0

    async def _shutdown(self) -> None:
        """SIGTERM every process group, wait, then SIGKILL what is left; reap everything."""
        live = [c for c in self.children if c.proc is not None]
        for child in reversed(live):
            _signal_group(child, signal.SIGTERM)
        deadline = time.monotonic() + GRACE_SECONDS
        for child in live:
            assert child.proc is not None
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(child.proc.wait(), max(0.1, deadline - time.monotonic()))
        for child in live:
            _signal_group(child, signal.SIGKILL)
            assert child.proc is not None
            await child.proc.wait()
        self.out("== all processes stopped")


def _signal_group(child: Child, sig: int) -> None:
    assert child.proc is not None
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(child.proc.pid, sig)


def print_urls(settings: Settings) -> None:
    host = _client_host(settings.gateway_host)
    base = f"http://{host}:{settings.gateway_port}"
    print(
        "\n== The bot is up. Open in a browser:\n"
        f"   web chat          {base}/\n"
        f"   counsellor lookup {base}/counsellor\n"
        f"   catalogue API     {base}/api/services?topic=legal_advice\n"
        f"   health            {base}/healthz\n"
        "   (Rasa and the action server listen on 127.0.0.1 only.)  Ctrl-C stops everything.\n",
        flush=True,
    )
