"""The public gateway: the only process that listens beyond 127.0.0.1.

It owns everything a browser or Facebook talks to (web chat, widget, counsellor lookup,
catalogue API, Messenger webhook) and talks to Rasa over loopback. Every response carries
security headers; bodies are size-limited; errors are JSON.
"""
from __future__ import annotations

import logging
import os

from aiohttp import web

from bot import settings as settings_mod
from bot.gateway import catalog_api, chat, counsellor, messenger, webchat
from bot.gateway.errors import error_middleware
from bot.gateway.rasa_client import RasaClient
from bot.gateway.ratelimit import address_middleware, limiter_from_env

MAX_BODY_BYTES = 64 * 1024
# Per client address, for every POST but the webhooks. Generous, because a shelter's or a
# school's Wi-Fi puts many people behind one address. RATE_LIMIT_ADDRESS="BURST/PER_MINUTE"|off.
RATE_LIMIT_ADDRESS = "300/600"
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
       "frame-ancestors *; form-action 'self'")


@web.middleware
async def security_headers(request: web.Request, handler):
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        _add_headers(request, exc)
        raise
    _add_headers(request, response)
    return response


def _add_headers(request: web.Request, response: web.StreamResponse) -> None:
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "no-referrer")
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if request.path.startswith(("/api/chat", "/counsellor", "/webhooks/")):
        headers.setdefault("Cache-Control", "no-store")


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def _close_clients(app: web.Application) -> None:
    await app["rasa"].close()


def create_app(conf: settings_mod.Settings | None = None) -> web.Application:
    """Build the gateway application (also used by the tests, with their own settings)."""
    conf = conf or settings_mod.load()
    limiter = limiter_from_env("RATE_LIMIT_ADDRESS", RATE_LIMIT_ADDRESS)
    app = web.Application(client_max_size=MAX_BODY_BYTES,
                          middlewares=[security_headers, error_middleware,
                                       address_middleware(limiter)])
    app["settings"] = conf
    # RASA_TIMEOUT: how long a user waits for a hung Rasa before the 503 (seconds).
    app["rasa"] = RasaClient(conf.rasa_urls, conf.rasa_token,
                             timeout=float(os.environ.get("RASA_TIMEOUT", "30")))
    app.router.add_get("/healthz", healthz)
    chat.setup(app)
    webchat.setup(app)
    messenger.setup(app)
    catalog_api.setup(app)
    counsellor.setup(app)
    app.on_cleanup.append(_close_clients)
    return app


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    conf = settings_mod.load()
    web.run_app(create_app(conf), host=conf.gateway_host, port=conf.gateway_port,
                access_log=None, print=lambda *_: None)
