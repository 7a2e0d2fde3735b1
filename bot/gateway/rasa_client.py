"""The gateway's client for the internal Rasa servers (REST channel and HTTP API).

With several Rasa workers (RASA_WORKERS) every conversation always goes to the same worker,
chosen by a stable hash of its id: the turns of one conversation then never run in two
processes at once even with the in-memory lock store, and the worker's tracker cache
(bot/tracker_store.py) stays warm. With the Redis lock store any worker would be correct.
"""
from __future__ import annotations

import asyncio
import zlib
from typing import Any

import aiohttp


class RasaUnavailable(Exception):
    """Rasa could not be reached or answered with an error: the caller answers 503.

    Timeouts are asyncio.TimeoutError: on Python 3.10 that is not the built-in TimeoutError.
    """


class RasaClient:
    """Sends user messages to Rasa's REST channel; keeps one connection pool per process."""

    def __init__(self, base_url: str | list[str], token: str, timeout: float = 30.0) -> None:
        urls = [base_url] if isinstance(base_url, str) else list(base_url)
        if not urls:
            raise ValueError("at least one Rasa URL is needed")
        self.base_urls = [url.rstrip("/") for url in urls]
        self.token = token
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    async def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        return self._session

    def url_for(self, sender: str) -> str:
        """The worker that handles conversation ``sender`` (the same one every time)."""
        if len(self.base_urls) == 1:
            return self.base_urls[0]
        return self.base_urls[zlib.crc32(sender.encode("utf-8")) % len(self.base_urls)]

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def send(self, sender: str, text: str, metadata: dict[str, Any] | None = None
                   ) -> list[dict[str, Any]]:
        """Deliver one user message and return Rasa's bot messages for it."""
        http = await self._http()
        body = {"sender": sender, "message": text, "metadata": metadata or {}}
        url = f"{self.url_for(sender)}/webhooks/rest/webhook"
        try:
            async with http.post(url, json=body) as resp:
                if resp.status != 200:
                    raise RasaUnavailable(f"Rasa answered HTTP {resp.status}")
                data = await resp.json(content_type=None)
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            raise RasaUnavailable(type(exc).__name__) from exc
        if not isinstance(data, list):
            raise RasaUnavailable("unexpected answer from Rasa")
        return [m for m in data if isinstance(m, dict)]

    async def tracker(self, sender: str) -> dict[str, Any]:
        """The conversation's tracker through the token-protected HTTP API."""
        http = await self._http()
        url = f"{self.url_for(sender)}/conversations/{sender}/tracker"
        try:
            async with http.get(url, params={"token": self.token,
                                             "include_events": "AFTER_RESTART"}) as resp:
                if resp.status != 200:
                    raise RasaUnavailable(f"Rasa answered HTTP {resp.status}")
                return await resp.json(content_type=None)
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            raise RasaUnavailable(type(exc).__name__) from exc
