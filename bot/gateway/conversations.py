"""Server-issued conversation ids: random, signed, and checked on every request.

A client can only continue a conversation whose id this server issued, so nobody can read or
write another person's conversation by guessing or inventing an id (Rasa's own channels take the
sender id from the client, see PITFALLS). Messenger conversations are ``messenger:<psid>`` and
never pass through here.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

_PREFIX = "web"


def _sign(secret: str, token: str) -> str:
    mac = hmac.new(secret.encode(), f"{_PREFIX}.{token}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac[:18]).decode().rstrip("=")


def issue(secret: str) -> str:
    """A new conversation id: 'web.<128 random bits>.<signature>'."""
    token = secrets.token_urlsafe(16)
    return f"{_PREFIX}.{token}.{_sign(secret, token)}"


def verify(secret: str, conversation_id: object) -> bool:
    """True only for an id this server issued (constant-time comparison of the signature)."""
    if not isinstance(conversation_id, str) or len(conversation_id) > 100:
        return False
    parts = conversation_id.split(".")
    if len(parts) != 3 or parts[0] != _PREFIX or not parts[1]:
        return False
    return hmac.compare_digest(parts[2], _sign(secret, parts[1]))
