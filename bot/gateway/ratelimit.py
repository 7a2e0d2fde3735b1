"""Per-conversation and per-address rate limits for the gateway (token buckets, in memory).

A burst from one conversation or one address gets HTTP 429 with Retry-After instead of queueing
behind Rasa's per-conversation lock and slowing everyone else down. Each gateway process keeps
its own buckets; behind a load balancer with N gateways the effective limit is N times higher,
which is acceptable for a guard against floods (it is not a quota).
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """`rate` requests per second on average, bursts up to `burst`."""

    def __init__(self, rate: float, burst: int, max_keys: int = 100_000) -> None:
        self.rate = rate
        self.burst = burst
        self.max_keys = max_keys
        self._buckets: dict[str, _Bucket] = {}

    def check(self, key: str, now: float | None = None) -> float:
        """0 if the request may pass (and is counted), else the seconds to wait."""
        now = time.monotonic() if now is None else now
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self.max_keys:
                self._evict(now)
            bucket = self._buckets[key] = _Bucket(float(self.burst), now)
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate)
        bucket.updated = now
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return 0.0
        return (1 - bucket.tokens) / self.rate

    def _evict(self, now: float) -> None:
        """Drop buckets that are full again (idle keys); they would start full anyway."""
        full_after = self.burst / self.rate
        self._buckets = {k: b for k, b in self._buckets.items() if now - b.updated < full_after}


def retry_after(seconds: float) -> str:
    return str(max(1, math.ceil(seconds)))
