"""The gateway's client for the internal Rasa server (REST channel and HTTP API)."""
from __future__ import annotations

import asyncio
from typing import Any

import aiohttp


class RasaUnavailable(Exception):
    """Rasa could not be reached or answered with an error: the caller answers 503.

    Timeouts are asyncio.TimeoutError: on Python 3.10 that is not the built-in TimeoutError.
    """


class RasaClient:
    """Sends user messages to Rasa's REST channel; keeps one connection pool per process."""

    def __init__(self, base_url: str, token: str, timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    async def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def send(self, sender: str, text: str, metadata: dict[str, Any] | None = None
                   ) -> list[dict[str, Any]]:
        """Deliver one user message and return Rasa's bot messages for it."""
        http = await self._http()
        body = {"sender": sender, "message": text, "metadata": metadata or {}}
        try:
            async with http.post(f"{self.base_url}/webhooks/rest/webhook", json=body) as resp:
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
        url = f"{self.base_url}/conversations/{sender}/tracker"
        try:
            async with http.get(url, params={"token": self.token,
                                             "include_events": "AFTER_RESTART"}) as resp:
                if resp.status != 200:
                    raise RasaUnavailable(f"Rasa answered HTTP {resp.status}")
                return await resp.json(content_type=None)
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            raise RasaUnavailable(type(exc).__name__) from exc
