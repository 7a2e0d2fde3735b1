"""Command line of the bot: `python -m bot run | train | test-stories`."""
from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys

from bot import settings as settings_mod
from bot.settings import ROOT


def _run(_: argparse.Namespace) -> int:
    from bot import launcher, training

    model = training.ensure_model()
    conf = settings_mod.load()
    stack = launcher.Stack(
        launcher.build_children(conf, model),
        out=lambda line: print(line, flush=True),
        on_ready=lambda: launcher.print_urls(conf),
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="start Rasa, the action server and the gateway").set_defaults(func=_run)
    train = sub.add_parser("train", help="train the model if data, config or components changed")
    train.add_argument("--force", action="store_true", help="train even if a matching model exists")
    train.set_defaults(func=_train)
    sub.add_parser("test-stories", help="rasa test core on tests/stories").set_defaults(
        func=_test_stories)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
