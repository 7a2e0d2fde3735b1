"""Benchmarks (`make bench`); results go to bench/results/*.json."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def write_result(path: Path, data: Any) -> None:
    """Write one benchmark's result as indented UTF-8 JSON (bench/results/*.json)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
