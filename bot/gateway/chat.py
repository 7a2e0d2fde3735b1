"""`POST /api/chat`: one user message in, the bot's replies out (the contract's Chat API)."""
from __future__ import annotations

import json
import logging
import re
from typing import Any

from aiohttp import web

from bot import privacy
from bot.gateway import conversations
from bot.gateway.errors import json_error
from bot.gateway.rasa_client import RasaUnavailable
from bot.settings import LANGUAGES

log = logging.getLogger(__name__)
MAX_TEXT_CHARS = 4000
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LANGUAGE_SHORTCUT = re.compile(r"^/(" + "|".join(LANGUAGES) + r")$")


def clean_text(text: str) -> str:
    """Drop NUL and other control characters; keep newlines and tabs as spaces."""
    return _CONTROL.sub("", text).replace("\r", " ").replace("\n", " ").replace("\t", " ").strip()


def to_rasa_message(text: str) -> str:
    """'/ar' typed or sent by a language button becomes an explicit language choice."""
    match = _LANGUAGE_SHORTCUT.match(text)
    if match:
        return '/choose_language{"spoken_language":"%s"}' % match.group(1)
    return text


def parse_chat_body(raw: bytes) -> dict[str, Any]:
    """Validate the request body; raises web.HTTPException with a JSON error naming the field."""
    try:
        body = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise json_error(400, "body: not valid UTF-8") from None
    except json.JSONDecodeError:
        raise json_error(400, "body: malformed JSON") from None
    if not isinstance(body, dict):
        raise json_error(400, "body: must be a JSON object")
    text = body.get("text")
    if not isinstance(text, str):
        raise json_error(400, "text: required, a string")
    text = clean_text(text)
    if not text:
        raise json_error(400, "text: must not be empty")
    if len(text) > MAX_TEXT_CHARS:
        raise json_error(400, f"text: too long (at most {MAX_TEXT_CHARS} characters)")
    metadata = body.get("metadata") or {}
    if not isinstance(metadata, dict):
        raise json_error(400, "metadata: must be an object")
    language = metadata.get("language")
    if language is not None and language not in LANGUAGES:
        raise json_error(400, "metadata.language: not one of the contract's language codes")
    conversation_id = body.get("conversation_id")
    if conversation_id is not None and not isinstance(conversation_id, str):
        raise json_error(400, "conversation_id: must be a string")
    return {"text": text, "conversation_id": conversation_id,
            "metadata": {"language": language} if language else {}}


async def exchange(app: web.Application, conversation_id: str, text: str,
                   metadata: dict[str, Any]) -> list[dict[str, Any]]:
    """Send one message to Rasa and apply what the replies ask of the gateway (data deletion)."""
    replies = await app["rasa"].send(conversation_id, to_rasa_message(text), metadata)
    out = []
    for reply in replies:
        custom = reply.get("custom") if isinstance(reply.get("custom"), dict) else None
        if custom and custom.get("event") == "conversation_deleted":
            await privacy.delete_conversation_async(app["settings"], conversation_id)
        out.append({k: reply[k] for k in ("text", "buttons", "custom", "image") if k in reply})
    return out


async def post_chat(request: web.Request) -> web.Response:
    app = request.app
    body = parse_chat_body(await request.read())
    secret = app["settings"].session_secret
    conversation_id = body["conversation_id"]
    if conversation_id is None:
        conversation_id = conversations.issue(secret)
    elif not conversations.verify(secret, conversation_id):
        raise json_error(403, "conversation_id: not issued by this server")
    try:
        replies = await exchange(app, conversation_id, body["text"], body["metadata"])
    except RasaUnavailable as exc:
        log.warning("Rasa unavailable: %s", exc)
        raise json_error(503, "the assistant is not available right now, please retry shortly",
                         headers={"Retry-After": "5"}) from None
    return web.json_response({"conversation_id": conversation_id, "replies": replies})


def setup(app: web.Application) -> None:
    app.router.add_post("/api/chat", post_chat)
