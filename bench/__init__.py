"""Benchmarks (`make bench`); results go to bench/results/*.json."""
from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any


def write_result(path: Path, data: Any) -> None:
    """Write one benchmark's result as indented UTF-8 JSON (bench/results/*.json)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def finish(path: Path, results: dict, print_table: Callable[[dict], None]) -> int:
    """Write the results, print the benchmark's table and where the file went; exit code 0."""
    write_result(path, results)
    print_table(results)
    print(f"written to {path}")
    return 0
