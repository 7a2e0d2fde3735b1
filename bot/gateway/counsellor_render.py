"""Template rendering for the counsellor pages: Jinja2 with autoescape, texts from bot/locales.

Every page gets the interface language (`?ui=de|en`, German by default because the users are
counsellors in Münster), a `t()` bound to it, the CSRF token for its forms and the logged-in
staff member. StrictUndefined turns a typo in a template into an error in the tests instead of
an empty spot on a page.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import aiohttp_jinja2
import jinja2
from aiohttp import web

from bot import i18n
from bot.gateway.counsellor_security import (
    CSRF_COOKIE,
    CSRF_FIELD,
    CSRF_MAX_AGE,
    csrf_token,
    current_staff,
    set_cookie,
)

TEMPLATES = Path(__file__).resolve().parent / "templates"
JINJA_KEY = "counsellor_jinja2"
UI_LANGUAGES = {"de": "Deutsch", "en": "English"}  # each in its own name
DEFAULT_UI = "de"


def setup_templates(app: web.Application) -> None:
    aiohttp_jinja2.setup(app, app_key=JINJA_KEY, loader=jinja2.FileSystemLoader(TEMPLATES),
                         autoescape=True, undefined=jinja2.StrictUndefined,
                         trim_blocks=True, lstrip_blocks=True)


def ui_language(request: web.Request) -> str:
    value = request.query.get("ui")
    return value if value in UI_LANGUAGES else DEFAULT_UI


def translator(language: str):
    """`t(key, **values)` for one language (also used for the slip's client column)."""
    def t(key: str, **values: object) -> str:
        return i18n.t(key, language, **values)
    return t


def language_name(code: str) -> str:
    """A language in its own name (from the locale files), e.g. 'العربية'."""
    if code == i18n.EASY_GERMAN:
        return i18n.t("language.easy_german", "de", True)
    return i18n.catalog().get(code, {}).get("widget.language_name") or code


def render(request: web.Request, template: str, context: dict[str, Any],
           status: int = 200) -> web.Response:
    """Render a page with the shared context; sets the CSRF cookie on a browser's first visit."""
    ui = ui_language(request)
    token, new_nonce = csrf_token(request)
    switch = {code: str(request.rel_url.update_query(ui=code)) for code in UI_LANGUAGES}
    shared = {
        "ui": ui, "t": translator(ui), "ui_languages": UI_LANGUAGES, "ui_switch": switch,
        "csrf_field": CSRF_FIELD, "csrf_token": token, "staff": current_staff(request),
        "lang_dir": i18n.direction,
    }
    response = aiohttp_jinja2.render_template(template, request, {**shared, **context},
                                              app_key=JINJA_KEY, status=status)
    response.headers["Content-Language"] = ui
    if new_nonce:
        set_cookie(request, response, CSRF_COOKIE, new_nonce, CSRF_MAX_AGE)
    return response
