"""`python -m bench`: run every benchmark in turn; each writes bench/results/<name>.json.

Each benchmark measures its own baseline in the same run (lid.176 and lingua for language
identification, a stock `rasa init` bot for load), so the results are ratios, not absolute
timings that depend on the machine.
"""
from __future__ import annotations

import importlib.util
import subprocess
import sys
import time

BENCHMARKS = ("bench.startup_bench", "bench.catalog_bench", "bench.lid_bench", "bench.nlu_bench",
              "bench.questions_bench", "bench.load_bench")


def main() -> int:
    failed = []
    for name in BENCHMARKS:
        if importlib.util.find_spec(name) is None:
            print(f"== {name}: not present, skipped", flush=True)
            continue
        print(f"== {name}", flush=True)
        start = time.monotonic()
        code = subprocess.run([sys.executable, "-m", name], check=False).returncode
        print(f"== {name}: exit {code} after {time.monotonic() - start:.0f} s", flush=True)
        if code:
            failed.append(name)
    if failed:
        print(f"== failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
