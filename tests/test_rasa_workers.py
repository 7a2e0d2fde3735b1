"""Two Rasa workers behind one gateway (RASA_WORKERS=2, the default on two cores).

The gateway sends each conversation to one worker, chosen by a stable hash of its id, so the
in-memory lock store still serialises a conversation's turns and the worker's tracker cache
stays warm. Checked on a real stack: every message of conversations hashed to the second
worker is processed there (its CPU time grows, the first worker's does not), and those
conversations keep their language and context across turns.
"""
from __future__ import annotations

import socket
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.gateway.rasa_client import RasaClient
from bot.settings import rasa_workers
from tests.conftest import RunningStack, descendants, start_stack
from tests.reliability import reply_texts

pytestmark = [pytest.mark.stack]


def two_free_ports() -> int:
    """A port p with p and p + 1 free (the workers listen on RASA_PORT and RASA_PORT + 1)."""
    for _ in range(50):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
        return port
    raise RuntimeError("no two consecutive free ports")


def cpu_ms(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / 100  # utime + stime, 100 ticks/s


def rasa_pids(stack: RunningStack) -> dict[int, int]:
    """Port -> pid of each Rasa worker of the stack."""
    found = {}
    for pid in descendants(stack.proc.pid):
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"bot.rasa_server" in cmd and b"--port" in cmd:
            found[int(cmd[cmd.index(b"--port") + 1])] = pid
    return found


@pytest.fixture(scope="module")
def workers(trained_model: Path, tmp_path_factory: pytest.TempPathFactory
            ) -> Iterator[RunningStack]:
    stack = start_stack(tmp_path_factory.mktemp("workers"), RASA_WORKERS="2",
                        RASA_PORT=str(two_free_ports()))
    try:
        yield stack
    finally:
        assert stack.stop() == 0


def test_the_setting_defaults_to_the_cores_and_refuses_nonsense() -> None:
    assert rasa_workers("3") == 3
    assert 1 <= rasa_workers(None) <= 2
    for bad in ("0", "9", "two"):
        with pytest.raises(ValueError):
            rasa_workers(bad)


def test_routing_is_stable_and_spreads_conversations() -> None:
    client = RasaClient(["http://a", "http://b"], "t")
    ids = [f"conversation-{i}" for i in range(200)]
    first = [client.url_for(i) for i in ids]
    assert first == [client.url_for(i) for i in ids]
    assert 60 <= first.count("http://b") <= 140
    assert RasaClient("http://only", "t").url_for("x") == "http://only"


def test_each_conversation_stays_on_its_worker(workers: RunningStack) -> None:
    port = int(workers.env["RASA_PORT"])
    pids = rasa_pids(workers)
    assert sorted(pids) == [port, port + 1], pids
    # Conversations whose id hashes to the second worker (ids are issued by the gateway).
    second: list[str] = []
    while len(second) < 4:
        answer = workers.chat("مرحبا")
        cid = answer["conversation_id"]
        if zlib.crc32(cid.encode()) % 2 == 1:
            second.append(cid)
    before = {p: cpu_ms(pid) for p, pid in pids.items()}
    for cid in second:
        topic = workers.chat("أحتاج طبيب", cid)
        short = workers.chat("ok", cid)
        # Arabic kept on the short message: the worker read this conversation's own state.
        assert any("\u0600" <= ch <= "\u06ff" for ch in " ".join(reply_texts(short))), short
        assert topic["replies"], topic
    used = {p: cpu_ms(pid) - before[p] for p, pid in pids.items()}
    assert used[port + 1] >= 50, used
    assert used[port] * 4 < used[port + 1], used
