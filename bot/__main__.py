"""Command line of the bot: `python -m bot run | train | test-stories | purge | staff`."""
from __future__ import annotations

import argparse
import asyncio
import logging
import re
import subprocess
import sys

from bot import settings as settings_mod
from bot import staff
from bot.settings import ROOT

log = logging.getLogger("bot.purge")
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([dhms])\s*$")
_UNIT_SECONDS = {"d": 86400, "h": 3600, "m": 60, "s": 1}


def parse_duration(text: str) -> float:
    """'30d', '12h', '45m', '90s' -> seconds (ValueError otherwise)."""
    match = _DURATION.match(text.lower())
    if not match:
        raise ValueError(f"{text!r}: expected a number with d, h, m or s, e.g. 30d or 12h")
    return float(match.group(1)) * _UNIT_SECONDS[match.group(2)]


def purge(conf: settings_mod.Settings, older_than_seconds: float) -> tuple[int, int]:
    """Delete conversations and handoff requests older than the retention period; log counts."""
    from bot import privacy

    conversations, handoffs = privacy.purge_older_than(conf, older_than_seconds / 86400)
    log.info("purge: %d conversations and %d handoff requests older than %.0f h deleted",
             conversations, handoffs, older_than_seconds / 3600)
    return conversations, handoffs


async def purge_periodically(conf: settings_mod.Settings, interval: float) -> None:
    """Run the retention purge at start and then every `interval` seconds, in a worker thread
    (its SQL is synchronous); a failure is logged and retried next time, never fatal."""
    from bot import privacy

    while True:
        try:
            await asyncio.to_thread(purge, conf, privacy.RETENTION_DAYS * 86400)
        except Exception:  # noqa: BLE001 - a database hiccup must not stop the bot
            log.exception("purge failed; retrying in %.0f s", interval)
        await asyncio.sleep(interval)


def _run(_: argparse.Namespace) -> int:
    from bot import launcher, training

    model = training.ensure_model()
    conf = settings_mod.load()
    logging.basicConfig(level=logging.INFO, format="[launch ] %(message)s", stream=sys.stdout)
    stack = launcher.Stack(
        launcher.build_children(conf, model),
        out=lambda line: print(line, flush=True),
        on_ready=lambda: launcher.print_urls(conf),
        periodic=lambda: purge_periodically(conf, launcher.PURGE_INTERVAL_SECONDS),
    )
    return asyncio.run(stack.run())


def _train(args: argparse.Namespace) -> int:
    from bot import training

    training.ensure_model(force=args.force)
    return 0


def _test_stories(_: argparse.Namespace) -> int:
    """Run the test stories against the current model; any wrong prediction fails."""
    from bot import training

    model = training.ensure_model()
    cmd = [sys.executable, "-m", "rasa", "test", "core", "--model", str(model),
           "--stories", "tests/stories", "--fail-on-prediction-errors",
           "--out", "var/results/stories"]
    return subprocess.run(cmd, cwd=ROOT, check=False).returncode


def _purge(args: argparse.Namespace) -> int:
    try:
        seconds = parse_duration(args.older_than)
    except ValueError as exc:
        print(f"--older-than: {exc}", file=sys.stderr)
        return 2
    conversations, handoffs = purge(settings_mod.load(), seconds)
    print(f"deleted {conversations} conversations and {handoffs} handoff requests")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="start Rasa, the action server and the gateway")
    run.set_defaults(func=_run)
    train = sub.add_parser("train", help="train the model if data, config or components changed")
    train.add_argument("--force", action="store_true", help="train even if a matching model exists")
    train.set_defaults(func=_train)
    sub.add_parser("test-stories", help="rasa test core on tests/stories").set_defaults(
        func=_test_stories)
    purge_cmd = sub.add_parser("purge", help="delete conversations older than the retention period")
    purge_cmd.add_argument("--older-than", default="30d", metavar="AGE",
                           help="age of the last message, e.g. 30d, 12h (default 30d)")
    purge_cmd.set_defaults(func=_purge)
    staff.register(sub)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
