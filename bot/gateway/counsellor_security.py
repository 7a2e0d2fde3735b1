"""Signed staff sessions, CSRF tokens and cookie flags for the counsellor pages.

Why signed cookies rather than a session table: the only thing a session carries is who logged
in and until when, and an HMAC with `settings.session_secret` makes that tamper-proof without a
write per request. The expiry is inside the signed value, so an old cookie replayed after
MAX_AGE is refused even if a browser kept it.

CSRF uses a per-browser random nonce in an HttpOnly cookie; the token in each form is an HMAC
of that nonce, so a page on another origin can neither read nor compute it (double-submit with
a signature). SameSite=Strict on both cookies is a second line of defence.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass

from aiohttp import web

SESSION_COOKIE = "counsellor_session"
CSRF_COOKIE = "counsellor_csrf"
CSRF_FIELD = "csrf_token"
COOKIE_PATH = "/counsellor"
SESSION_MAX_AGE = 8 * 3600  # one working day
CSRF_MAX_AGE = 12 * 3600


@dataclass(frozen=True)
class StaffSession:
    username: str
    expires: int


def _mac(secret: str, purpose: str, value: str) -> str:
    digest = hmac.new(secret.encode(), f"{purpose}:{value}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def is_https(request: web.Request) -> bool:
    """Served over HTTPS, directly or behind a proxy that says so (X-Forwarded-Proto)."""
    forwarded = request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip().lower()
    return request.secure or forwarded == "https"


def set_cookie(request: web.Request, response: web.StreamResponse, name: str, value: str,
               max_age: int) -> None:
    """HttpOnly, SameSite=Strict, limited to /counsellor, Secure when the page came over HTTPS."""
    response.set_cookie(name, value, max_age=max_age, path=COOKIE_PATH, httponly=True,
                        samesite="Strict", secure=is_https(request))


def clear_cookie(request: web.Request, response: web.StreamResponse, name: str) -> None:
    set_cookie(request, response, name, "", max_age=0)


# ---------------------------------------------------------------------------------------------
# Sessions
# ---------------------------------------------------------------------------------------------

def encode_session(secret: str, username: str, now: float | None = None) -> str:
    """`<base64 payload>.<signature>`; the payload holds the user name and the expiry."""
    expires = int((now if now is not None else time.time()) + SESSION_MAX_AGE)
    payload = base64.urlsafe_b64encode(
        json.dumps({"u": username, "exp": expires}, separators=(",", ":")).encode()
    ).decode().rstrip("=")
    return f"{payload}.{_mac(secret, 'session', payload)}"


def decode_session(secret: str, value: str | None, now: float | None = None
                   ) -> StaffSession | None:
    """The session in a cookie, or None if it is missing, forged, malformed or expired."""
    if not value or value.count(".") != 1:
        return None
    payload, signature = value.split(".")
    if not hmac.compare_digest(signature.encode(), _mac(secret, "session", payload).encode()):
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        session = StaffSession(str(data["u"]), int(data["exp"]))
    except (ValueError, KeyError, TypeError):
        return None
    if session.expires <= (now if now is not None else time.time()):
        return None
    return session


def current_staff(request: web.Request) -> StaffSession | None:
    return decode_session(request.app["settings"].session_secret,
                          request.cookies.get(SESSION_COOKIE))


def start_session(request: web.Request, response: web.StreamResponse, username: str) -> None:
    secret = request.app["settings"].session_secret
    set_cookie(request, response, SESSION_COOKIE, encode_session(secret, username),
               SESSION_MAX_AGE)
    # A fresh CSRF nonce at login: a nonce planted before login cannot be used afterwards.
    set_cookie(request, response, CSRF_COOKIE, secrets.token_urlsafe(24), CSRF_MAX_AGE)


def end_session(request: web.Request, response: web.StreamResponse) -> None:
    clear_cookie(request, response, SESSION_COOKIE)


# ---------------------------------------------------------------------------------------------
# CSRF
# ---------------------------------------------------------------------------------------------

def csrf_token(request: web.Request) -> tuple[str, str | None]:
    """(token for this page's forms, a new nonce to set as cookie or None if it exists)."""
    nonce = request.cookies.get(CSRF_COOKIE)
    new = None
    if not nonce or len(nonce) > 100:
        nonce = new = secrets.token_urlsafe(24)
    return _mac(request.app["settings"].session_secret, "csrf", nonce), new


def check_csrf(request: web.Request, submitted: object) -> bool:
    """True when the form's token belongs to this browser's CSRF cookie."""
    nonce = request.cookies.get(CSRF_COOKIE)
    if not nonce or not isinstance(submitted, str) or not submitted:
        return False
    expected = _mac(request.app["settings"].session_secret, "csrf", nonce)
    return hmac.compare_digest(expected.encode(), submitted.encode())
