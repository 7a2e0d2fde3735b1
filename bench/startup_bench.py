"""Start-up time and memory of the whole stack, as `make run` starts it.

`python -m bench.startup_bench [--command "make run"] [--cwd DIR]` starts the command, waits for
the launcher's "The bot is up" line, sends a few messages through the gateway, samples the
resident memory of the whole process tree every 0.2 s, then stops it with SIGINT (as Ctrl-C
does) and checks that no process is left. Writes bench/results/startup.json.

Run it on a fresh clone to measure a first run (venv, packages, catalogue, training), and again
to measure a second run, which must reuse all of that.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import signal
import subprocess
import threading
import time
from pathlib import Path

import requests

from bench import write_result

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
MESSAGES = ["Hallo", "Ich suche einen Deutschkurs", "أحتاج طبيب", "шукаю квартиру"]


def tree(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = {pid}, [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def rss_bytes(pids: set[int]) -> int:
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            continue
    return total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--command", default="make run")
    parser.add_argument("--cwd", default=str(ROOT))
    parser.add_argument("--timeout", type=float, default=3600)
    parser.add_argument("--label", default="second_run")
    args = parser.parse_args()

    env = {**os.environ, "GATEWAY_PORT": os.environ.get("GATEWAY_PORT", "18080"),
           "RASA_PORT": os.environ.get("RASA_PORT", "15005"),
           "ACTIONS_PORT": os.environ.get("ACTIONS_PORT", "15055")}
    start = time.monotonic()
    proc = subprocess.Popen(shlex.split(args.command), cwd=args.cwd, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    up_after: float | None = None
    peak = 0
    lines: list[str] = []
    stop_sampling = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop_sampling.is_set():
            peak = max(peak, rss_bytes(tree(proc.pid)))
            time.sleep(0.2)

    threading.Thread(target=sample, daemon=True).start()
    assert proc.stdout is not None
    for line in proc.stdout:
        lines.append(line)
        if "The bot is up" in line:
            up_after = time.monotonic() - start
            break
        if time.monotonic() - start > args.timeout:
            break
    threading.Thread(target=lambda: [lines.append(x) for x in proc.stdout], daemon=True).start()
    answered = 0
    if up_after is not None:
        base = f"http://127.0.0.1:{env['GATEWAY_PORT']}"
        conversation = None
        for text in MESSAGES:
            body = {"text": text, **({"conversation_id": conversation} if conversation else {})}
            resp = requests.post(f"{base}/api/chat", json=body, timeout=60)
            if resp.ok and resp.json().get("replies"):
                answered += 1
                conversation = resp.json()["conversation_id"]
        time.sleep(2)
    pids = tree(proc.pid)
    os.killpg(proc.pid, signal.SIGINT)
    code = proc.wait(timeout=60)
    stop_sampling.set()
    time.sleep(1)
    leftover = [p for p in pids if p != proc.pid and Path(f"/proc/{p}").exists()
                and " Z " not in Path(f"/proc/{p}/stat").read_text()]
    trained = any(re.search(r"training the Rasa model", x) for x in lines)
    installed = any("installing pinned packages" in x for x in lines)
    result = {
        "label": args.label, "command": args.command, "seconds_until_up": up_after,
        "installed_packages": installed, "trained_model": trained,
        "messages_answered": f"{answered}/{len(MESSAGES)}",
        "peak_rss_mb": round(peak / 2**20), "exit_code_after_ctrl_c": code,
        "processes_left": leftover,
    }
    write_result(RESULTS / f"startup-{args.label}.json", result)
    print(json.dumps(result, indent=2))
    return 0 if up_after is not None and not leftover else 1


if __name__ == "__main__":
    raise SystemExit(main())
