"""The web chat: the page `/`, the embeddable `/widget.js`, its static files and its texts.

The widget is plain JavaScript and CSS served from `bot/gateway/static/`, so it runs under the
gateway's strict CSP (no inline script or style, no CDN, no web font). Its user-interface texts
come from the same locale files as the bot's replies (`widget.*` keys), through
`GET /api/i18n/{lang}`, so a label can never exist in one language but not in another.

A city page that embeds the widget lives on another origin, so the widget's API calls are
cross-origin: they carry no cookies (the server-issued conversation id is the only credential),
which is why allowing any origin is safe here.
"""
from __future__ import annotations

from pathlib import Path

from aiohttp import web

from bot import i18n
from bot.gateway.errors import json_error
from bot.settings import LANGUAGES

STATIC_DIR = Path(__file__).resolve().parent / "static"
WIDGET_PREFIX = "widget."
CORS_PATHS = ("/api/chat", "/api/i18n/")
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
    "Access-Control-Allow-Headers": "Content-Type",
    "Access-Control-Expose-Headers": "Retry-After",
    "Access-Control-Max-Age": "600",
}


def widget_texts(variant: str) -> dict[str, str]:
    """The `widget.*` texts of one locale variant (keys as in the locale files)."""
    texts = i18n.catalog()
    chosen = texts.get(variant) or {}
    english = texts["en"]
    keys = [k for k in english if k.startswith(WIDGET_PREFIX)]
    return {k: chosen.get(k) or english[k] for k in keys}


def language_names() -> list[dict[str, str]]:
    """The contract languages in their own names (for the switcher), in the contract's order."""
    texts = i18n.catalog()
    return [{"code": code, "name": texts[code].get("widget.language_name") or code}
            for code in LANGUAGES]


async def get_i18n(request: web.Request) -> web.Response:
    """`GET /api/i18n/{lang}`: the widget's texts and writing direction for one language."""
    lang = request.match_info["lang"]
    if lang not in i18n.VARIANTS:
        raise json_error(404, "lang: not one of the contract's language codes")
    return web.json_response(
        {"language": lang, "dir": i18n.direction(lang), "texts": widget_texts(lang),
         "languages": language_names()},
        headers={"Cache-Control": "public, max-age=300"})


async def index(request: web.Request) -> web.FileResponse:
    return _static_file("index.html", "text/html")


async def widget_js(request: web.Request) -> web.FileResponse:
    return _static_file("widget.js", "text/javascript")


def _static_file(name: str, content_type: str) -> web.FileResponse:
    response = web.FileResponse(STATIC_DIR / name, headers={
        "Content-Type": f"{content_type}; charset=utf-8",
        "Cache-Control": "no-cache",  # revalidate (ETag), so a new widget reaches every page
    })
    return response


async def preflight(request: web.Request) -> web.Response:
    """CORS preflight for the widget's JSON requests from an embedding page."""
    return web.Response(status=204, headers=CORS_HEADERS)


async def _cross_origin_headers(request: web.Request, response: web.StreamResponse) -> None:
    """Let other origins call the chat API and load the widget's script and stylesheet."""
    if request.path == "/api/chat" or request.path.startswith(CORS_PATHS):
        for name, value in CORS_HEADERS.items():
            response.headers.setdefault(name, value)
    elif request.path == "/widget.js" or request.path.startswith("/static/"):
        response.headers.setdefault("Cross-Origin-Resource-Policy", "cross-origin")


def setup(app: web.Application) -> None:
    """Register the page, the widget, its static files, the texts endpoint and CORS."""
    app.router.add_get("/", index)
    app.router.add_get("/widget.js", widget_js)
    app.router.add_static("/static/", STATIC_DIR, show_index=False, follow_symlinks=False)
    app.router.add_get("/api/i18n/{lang}", get_i18n)
    for path in ("/api/chat", "/api/chat/history", "/api/i18n/{lang}"):
        app.router.add_route("OPTIONS", path, preflight)
    app.on_response_prepare.append(_cross_origin_headers)
