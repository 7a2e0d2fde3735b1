"""Load benchmark: the project's full stack against a stock `rasa init` bot under the same load.

`python -m bench.load_bench [--users 20] [--duration 60] [--soak 120]` trains a stock bot with
`rasa init --no-prompt` (in this run, in a temporary directory), then runs N simulated users for
`--duration` seconds against (a) the project's stack started by the launcher, through the
gateway's `POST /api/chat`, and (b) the stock bot's REST webhook, one system at a time so they
never compete for the CPU. Finally it soaks the project's stack for `--soak` seconds (600 for
the 10-minute soak; `make bench` uses a shorter one and says so) and reports memory growth.

Each simulated user runs realistic conversations in a language of its own (greeting, a topic
question, a refinement, the details button of a service card, thanks) with no think time, so
the figures are the systems' capacity. Reported per system: throughput, p50/p95/p99 latency,
errors (non-200, no reply, or an apology), and memory (sum of the RSS of all its processes, from
/proc); then the ratios project/stock and the goals. Written to bench/results/load.json.
All traffic goes to 127.0.0.1; every loop is bounded in count and time.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from bench import write_result
from bench.startup_bench import rss_bytes, tree

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
MAX_REQUESTS_PER_USER = 100_000
GOALS = {"throughput_ratio_min": 2.0, "p95_ms_max": 300.0, "memory_mb_max": 2560.0,
         "soak_memory_growth_max": 0.10}

# Conversations written for this benchmark: (language, greeting, topic, refinement, thanks).
CONVERSATIONS: list[tuple[str, str, str, str, str]] = [
    ("de", "Guten Tag", "Ich suche einen Deutschkurs mit Kinderbetreuung",
     "Ich wohne in Hiltrup", "Vielen Dank"),
    ("en", "Hello there", "Where can I get help with my residence permit?",
     "I live in Münster Mitte", "Thanks a lot"),
    ("ar", "مرحبا", "أحتاج إلى طبيب يتكلم العربية", "أسكن في Kinderhaus", "شكرا جزيلا"),
    ("tr", "Merhaba", "Kiralık ev arıyorum, yardım eder misiniz?", "Münster Nord'da oturuyorum",
     "Çok teşekkürler"),
    ("ru", "Здравствуйте", "Я ищу работу в Мюнстере", "Я живу в районе Ost", "Спасибо"),
    ("uk", "Добрий день", "Шукаю курси німецької мови", "Я живу в Hiltrup", "Дякую"),
    ("fa", "سلام", "برای اقامت به مشاوره حقوقی نیاز دارم", "در Gievenbeck زندگی می‌کنم",
     "خیلی ممنون"),
    ("fr", "Bonjour", "Je cherche une école pour mon enfant", "J'habite à Münster Süd-Ost",
     "Merci beaucoup"),
]
STOCK_MESSAGES = ["hello", "I am sad", "yes", "great, thanks", "are you a bot?", "goodbye"]
DISTRICT_BUTTON = '/inform{"district":"Mitte"}'


@dataclass
class Outcome:
    """What the load generator saw from one system."""

    latencies: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    started: float = 0.0
    ended: float = 0.0

    def error(self, kind: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1

    def summary(self) -> dict[str, Any]:
        ok = sorted(self.latencies)
        seconds = max(self.ended - self.started, 1e-9)

        def pct(p: float) -> float | None:
            return round(ok[min(len(ok) - 1, int(p * len(ok)))] * 1000, 1) if ok else None

        return {"requests_ok": len(ok), "errors": sum(self.errors.values()),
                "error_kinds": self.errors, "seconds": round(seconds, 1),
                "throughput_rps": round(len(ok) / seconds, 2),
                "p50_ms": pct(0.50), "p95_ms": pct(0.95), "p99_ms": pct(0.99),
                "mean_ms": round(statistics.fmean(ok) * 1000, 1) if ok else None}


class MemorySampler:
    """Samples the summed RSS of a process tree every second, in a thread."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.samples: list[tuple[float, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(5)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.samples.append((time.monotonic(), rss_bytes(tree(self.pid))))
            self._stop.wait(1.0)

    def summary(self) -> dict[str, Any]:
        values = [v for _, v in self.samples] or [0]
        window = max(1, len(values) // 10)
        first = statistics.fmean(values[:window])
        last = statistics.fmean(values[-window:])
        mean = statistics.fmean(values)
        return {"peak_mb": round(max(values) / 2**20), "mean_mb": round(mean / 2**20),
                "first_mb": round(first / 2**20), "last_mb": round(last / 2**20),
                "growth": round((last - first) / first, 4) if first else None}


PROCESS_LABELS = (("bot.rasa_server", "rasa"), ("rasa run", "rasa"), ("rasa_sdk", "actions"),
                  ("bot.gateway", "gateway"), ("bot run", "launcher"))


def cpu_seconds(pid: int) -> dict[str, float]:
    """CPU time (user + system) used so far by each process of a tree, by role.

    Unlike latency, CPU time per message hardly changes when other work shares the machine, so
    it tells where the time goes even on a busy CI host.
    """
    tick = os.sysconf("SC_CLK_TCK")
    used: dict[str, float] = {}
    for child in tree(pid):
        try:
            fields = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()
            cmdline = Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        label = next((name for marker, name in PROCESS_LABELS if marker in cmdline), "other")
        used[label] = used.get(label, 0.0) + (int(fields[11]) + int(fields[12])) / tick
    return used


def cpu_ms_per_request(before: dict[str, float], after: dict[str, float],
                       requests: int) -> dict[str, float]:
    per = {k: round((after.get(k, 0.0) - before.get(k, 0.0)) * 1000 / max(requests, 1), 2)
           for k in after}
    per["total"] = round(sum(per.values()), 2)
    return per


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def apology_texts() -> set[str]:
    from bot import i18n

    return {i18n.t(key, lang) for key in ("error.unavailable", "error.catalog")
            for lang in i18n.VARIANTS}


UserLoop = Callable[[aiohttp.ClientSession, int, float, Outcome], Awaitable[None]]


async def run_load(users: int, duration: float, user_loop: UserLoop) -> Outcome:
    outcome = Outcome()
    timeout = aiohttp.ClientTimeout(total=60)
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as http:
        outcome.started = time.monotonic()
        deadline = outcome.started + duration
        await asyncio.gather(*(user_loop(http, i, deadline, outcome) for i in range(users)))
        outcome.ended = time.monotonic()
    return outcome


async def _timed_post(http: aiohttp.ClientSession, url: str, body: dict[str, Any],
                      outcome: Outcome) -> Any:
    """POST, record the latency of a good answer or the kind of error; returns the JSON."""
    start = time.monotonic()
    try:
        async with http.post(url, json=body) as resp:
            data = await resp.json(content_type=None)
            status = resp.status
    except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:
        outcome.error(type(exc).__name__)
        return None
    if status != 200:
        outcome.error(f"http_{status}")
        return None
    outcome.latencies.append(time.monotonic() - start)
    return data


def project_user(base: str) -> Callable[..., Awaitable[None]]:
    apologies = apology_texts()

    async def loop(http: aiohttp.ClientSession, index: int, deadline: float,
                   outcome: Outcome) -> None:
        url = f"{base}/api/chat"
        sent = 0
        turn = index
        while time.monotonic() < deadline and sent < MAX_REQUESTS_PER_USER:
            language, greeting, topic, refine, thanks = CONVERSATIONS[turn % len(CONVERSATIONS)]
            turn += 1
            cid: str | None = None
            details: str | None = None
            for step, text in enumerate((greeting, topic, refine, DISTRICT_BUTTON, "DETAILS",
                                         thanks)):
                if time.monotonic() >= deadline:
                    return
                if text == "DETAILS":
                    if details is None:
                        continue
                    text = details
                body: dict[str, Any] = {"text": text}
                if cid:
                    body["conversation_id"] = cid
                if step == 0 and index % 2:
                    body["metadata"] = {"language": language}  # as the widget sends it
                data = await _timed_post(http, url, body, outcome)
                sent += 1
                if data is None:
                    break
                replies = data.get("replies") or []
                if not replies or any(r.get("text") in apologies for r in replies):
                    outcome.latencies.pop()
                    outcome.error("no_reply" if not replies else "apology")
                    break
                cid = data.get("conversation_id")
                details = details or _details_payload(replies)

    return loop


def _details_payload(replies: list[dict[str, Any]]) -> str | None:
    for reply in replies:
        card = (reply.get("custom") or {}).get("card")
        if isinstance(card, dict) and isinstance(card.get("details_payload"), str):
            return card["details_payload"]
    return None


def stock_user(base: str) -> Callable[..., Awaitable[None]]:
    async def loop(http: aiohttp.ClientSession, index: int, deadline: float,
                   outcome: Outcome) -> None:
        url = f"{base}/webhooks/rest/webhook"
        sent = 0
        conversation = 0
        while time.monotonic() < deadline and sent < MAX_REQUESTS_PER_USER:
            conversation += 1
            sender = f"bench-{index}-{conversation}"
            for text in STOCK_MESSAGES:
                if time.monotonic() >= deadline:
                    return
                data = await _timed_post(http, url, {"sender": sender, "message": text}, outcome)
                sent += 1
                if data is None:
                    break
                if not data:
                    outcome.latencies.pop()
                    outcome.error("no_reply")
                    break

    return loop


class Process:
    """A benchmarked system: one process group, stopped with SIGTERM then SIGKILL."""

    def __init__(self, cmd: list[str], cwd: Path, env: dict[str, str], log: Path) -> None:
        self.log = log
        self._log_file = log.open("w")
        self.proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=self._log_file,
                                     stderr=subprocess.STDOUT, start_new_session=True)

    def wait_for(self, ready: Callable[[], bool], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"exited with {self.proc.returncode}; see {self.log}")
            if ready():
                return
            time.sleep(1)
        raise TimeoutError(f"not ready after {timeout:.0f} s; see {self.log}")

    def stop(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=30)
        self._log_file.close()


def base_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FB_", "RASA_TOKEN"))}
    env.update({"RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2",
                "PYTHONUNBUFFERED": "1"})
    return env


def start_project(work: Path, overrides: dict[str, str]) -> tuple[Process, str]:
    """The project's stack on its embedded defaults, as `make run` starts it. Every simulated
    user comes from 127.0.0.1, so the per-address limit (meant for one person or one shelter)
    is off; the per-conversation limit stays at its default."""
    var = Path(tempfile.mkdtemp(prefix="project-var-", dir=work))  # fresh state every start
    env = {**base_env(), "VAR_DIR": str(var), "GATEWAY_PORT": str(free_port()),
           "RASA_PORT": str(free_port()), "ACTIONS_PORT": str(free_port()),
           "GATEWAY_HOST": "127.0.0.1", "RATE_LIMIT_ADDRESS": "off",
           "CATALOG_DATABASE_URL": f"sqlite:///{var / 'catalog.db'}",
           "TRACKER_STORE_URL": f"sqlite:///{var / 'tracker.db'}", **overrides}
    init = subprocess.run([sys.executable, "-m", "services_catalog", "init"], cwd=ROOT, env=env,
                          capture_output=True, text=True)
    if init.returncode:
        output = (init.stdout + init.stderr)[-4000:]
        raise RuntimeError(f"services_catalog init failed:\n{output}")
    proc = Process([sys.executable, "-m", "bot", "run"], ROOT, env, var / "project.log")
    proc.wait_for(lambda: "The bot is up" in proc.log.read_text(errors="replace"), 900)
    return proc, f"http://127.0.0.1:{env['GATEWAY_PORT']}"


def train_stock(work: Path) -> Path:
    """`rasa init --no-prompt` creates and trains the stock bot in this run."""
    stock = work / "stock"
    stock.mkdir()
    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "rasa", "init", "--no-prompt", "--init-dir",
                    str(stock)], cwd=work, env=base_env(), check=True,
                   stdout=(work / "stock-train.log").open("w"), stderr=subprocess.STDOUT)
    print(f"== stock bot trained in {time.monotonic() - started:.0f} s", flush=True)
    return stock


def start_stock(work: Path, stock: Path) -> tuple[Process, str]:
    port = free_port()
    proc = Process([sys.executable, "-m", "rasa", "run", "--enable-api", "-p", str(port),
                    "-i", "127.0.0.1", "-m", "models"], stock, base_env(), work / "stock.log")
    base = f"http://127.0.0.1:{port}"

    def answers() -> bool:
        import requests

        with contextlib.suppress(requests.RequestException):
            resp = requests.post(f"{base}/webhooks/rest/webhook",
                                 json={"sender": "warmup", "message": "hello"}, timeout=30)
            return resp.status_code == 200 and bool(resp.json())
        return False

    proc.wait_for(answers, 900)
    return proc, base


def measure(name: str, proc: Process, user: Callable[..., Awaitable[None]], users: int,
            duration: float, warmup: float) -> dict[str, Any]:
    print(f"== {name}: warm-up {warmup:.0f} s, then {users} users for {duration:.0f} s",
          flush=True)
    asyncio.run(run_load(min(users, 4), warmup, user))
    before = cpu_seconds(proc.proc.pid)
    with MemorySampler(proc.proc.pid) as memory:
        outcome = asyncio.run(run_load(users, duration, user))
    cpu = cpu_ms_per_request(before, cpu_seconds(proc.proc.pid), len(outcome.latencies))
    result = {**outcome.summary(), "cpu_ms_per_request": cpu, "memory": memory.summary()}
    print(f"   {json.dumps(result)}", flush=True)
    return result


def measure_system(name: str, start: Callable[[], tuple[Process, str]],
                   user: Callable[[str], Callable[..., Awaitable[None]]], users: int,
                   duration: float, warmup: float) -> dict[str, Any]:
    """Start one system, measure it under load, and stop it whatever happens."""
    proc, base = start()
    try:
        return measure(name, proc, user(base), users, duration, warmup)
    finally:
        proc.stop()


def ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 2) if a is not None and b else None


def evaluate(project: dict[str, Any], stock: dict[str, Any] | None,
             soak: dict[str, Any] | None) -> dict[str, Any]:
    goals: dict[str, Any] = {
        "no_errors": project["errors"] == 0,
        "p95_under_300ms": (project["p95_ms"] or 1e9) <= GOALS["p95_ms_max"],
        "memory_under_2_5GB": project["memory"]["peak_mb"] <= GOALS["memory_mb_max"],
    }
    if stock is not None:
        goals["throughput_2x_stock"] = (ratio(project["throughput_rps"],
                                              stock["throughput_rps"]) or 0
                                        ) >= GOALS["throughput_ratio_min"]
    if soak is not None:
        goals["soak_no_errors"] = soak["errors"] == 0
        goals["soak_memory_growth_under_10pct"] = (
            soak["memory"]["growth"] is not None
            and soak["memory"]["growth"] < GOALS["soak_memory_growth_max"])
    return goals


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--warmup", type=float, default=10)
    parser.add_argument("--soak", type=float, default=120,
                        help="soak seconds at the end (600 for the 10-minute soak; 0 skips)")
    parser.add_argument("--no-stock", action="store_true", help="skip the stock Rasa bot")
    parser.add_argument("--out", default=str(RESULTS / "load.json"))
    parser.add_argument("--env", action="append", default=[], metavar="KEY=VALUE",
                        help="a setting for the project's stack, e.g. LOCK_STORE_URL=redis://...")
    args = parser.parse_args(argv)
    overrides = dict(item.split("=", 1) for item in args.env)
    if args.users < 1 or args.users > 500 or args.duration <= 0 or args.duration > 7200:
        parser.error("--users 1..500, --duration up to 7200 s")

    work = Path(tempfile.mkdtemp(prefix="load_bench_"))
    result: dict[str, Any] = {
        "users": args.users, "duration_s": args.duration, "warmup_s": args.warmup,
        "soak_s": args.soak, "cpus": os.cpu_count(), "goals_definition": GOALS,
        "project_settings": overrides or "defaults (SQLite, in-memory lock store)",
        "note": ("simulated users send without think time; project and stock run one after "
                 "the other on the same machine; memory is the summed RSS of each system's "
                 "processes"),
    }
    if 0 < args.soak < 600:
        result["soak_note"] = (f"short soak ({args.soak:.0f} s); "
                               "run --soak 600 for the 10-minute soak")
    stock_result = soak_result = None
    try:
        stock_dir = None if args.no_stock else train_stock(work)
        project_result = measure_system("project", lambda: start_project(work, overrides),
                                        project_user, args.users, args.duration, args.warmup)
        result["project"] = project_result
        if stock_dir is not None:
            stock_result = measure_system("stock rasa init",
                                          lambda: start_stock(work, stock_dir), stock_user,
                                          args.users, args.duration, args.warmup)
            result["stock"] = stock_result
            result["ratios_project_over_stock"] = {
                "throughput": ratio(project_result["throughput_rps"],
                                    stock_result["throughput_rps"]),
                "p50": ratio(project_result["p50_ms"], stock_result["p50_ms"]),
                "p95": ratio(project_result["p95_ms"], stock_result["p95_ms"]),
                "p99": ratio(project_result["p99_ms"], stock_result["p99_ms"]),
                "memory_peak": ratio(project_result["memory"]["peak_mb"],
                                     stock_result["memory"]["peak_mb"]),
                "cpu_per_request": ratio(project_result["cpu_ms_per_request"]["total"],
                                         stock_result["cpu_ms_per_request"]["total"]),
            }
        if args.soak > 0:
            soak_result = measure_system("project soak",
                                         lambda: start_project(work, overrides), project_user,
                                         args.users, args.soak, args.warmup)
            result["soak"] = soak_result
        result["goals"] = evaluate(project_result, stock_result, soak_result)
    except BaseException:
        print(f"== failed; logs kept in {work}", file=sys.stderr)
        raise
    shutil.rmtree(work, ignore_errors=True)
    write_result(Path(args.out), result)
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0 if all(result["goals"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
