"""Per-conversation and per-address rate limits for the gateway (token buckets, in memory).

A burst from one conversation or one address gets HTTP 429 with Retry-After instead of queueing
behind Rasa's per-conversation lock and slowing everyone else down. Each gateway process keeps
its own buckets; behind a load balancer with N gateways the effective limit is N times higher,
which is acceptable for a guard against floods (it is not a quota).
"""
from __future__ import annotations

import math
import os
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


def parse_limit(spec: str) -> tuple[int, float] | None:
    """'10/20' -> (burst 10, 20 per minute); 'off' or '0' -> None (no limit).

    Burst and rate are separate numbers because a person typing fast sends a few messages in a
    second but never many per minute, while a script sends many of both.
    """
    spec = spec.strip().lower()
    if spec in ("off", "0", "none", ""):
        return None
    burst, _, per_minute = spec.partition("/")
    try:
        result = int(burst), float(per_minute or burst)
    except ValueError:
        raise ValueError(f"rate limit {spec!r}: expected BURST/PER_MINUTE, e.g. 10/20") from None
    if result[0] < 1 or result[1] <= 0:
        raise ValueError(f"rate limit {spec!r}: burst and rate must be positive")
    return result


def limiter_from_env(name: str, default: str) -> RateLimiter | None:
    """A limiter configured by the environment variable `name` ('BURST/PER_MINUTE' or 'off')."""
    parsed = parse_limit(os.environ.get(name) or default)
    if parsed is None:
        return None
    burst, per_minute = parsed
    return RateLimiter(rate=per_minute / 60.0, burst=burst)


def too_many_requests(wait: float) -> Exception:
    """HTTP 429 with a JSON error and Retry-After, the answer to a flood."""
    from bot.gateway.errors import json_error

    return json_error(429, "too many requests, please wait a moment",
                      headers={"Retry-After": retry_after(wait)})


def address_middleware(limiter: RateLimiter | None):
    """Limit POST requests per client address (webhooks excepted: they come from a few platform
    servers and are authenticated by signature, so an address limit would throttle all users)."""
    from aiohttp import web

    @web.middleware
    async def limit_by_address(request: web.Request, handler):
        if (limiter is not None and request.method == "POST"
                and not request.path.startswith("/webhooks/")):
            wait = limiter.check(f"addr:{request.remote}")
            if wait:
                raise too_many_requests(wait)
        return await handler(request)

    return limit_by_address
