"""`POST /api/chat`: one user message in, the bot's replies out (the contract's Chat API)."""
from __future__ import annotations

import json
import logging
import re
from typing import Any

from aiohttp import web

from bot import i18n, privacy
from bot.gateway import conversations, ratelimit
from bot.gateway.errors import json_error
from bot.gateway.rasa_client import RasaUnavailable
from bot.settings import LANGUAGES

log = logging.getLogger(__name__)
MAX_TEXT_CHARS = 4000
RATE_LIMIT_CONVERSATION = "10/20"  # burst 10, then 20 messages a minute per conversation
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LANGUAGE_SHORTCUT = re.compile(r"^/(" + "|".join(LANGUAGES) + r")$")


def clean_text(text: str) -> str:
    """Drop NUL and other control characters; keep newlines and tabs as spaces."""
    return _CONTROL.sub("", text).replace("\r", " ").replace("\n", " ").replace("\t", " ").strip()


def to_rasa_message(text: str) -> str:
    """'/ar' typed or sent by a language button becomes an explicit language choice."""
    match = _LANGUAGE_SHORTCUT.match(text)
    if match:
        return f'/choose_language{{"spoken_language":"{match.group(1)}"}}'
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
                   metadata: dict[str, Any]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Send one message to Rasa; return (replies for the user, the turn's meta data).

    The actions end every turn with a `meta` message (the conversation language and direction,
    actions/base.py); it is taken out of the replies here. A reply that says the conversation
    was deleted makes the gateway delete it, now that Rasa has saved the turn.
    """
    replies = await app["rasa"].send(conversation_id, to_rasa_message(text), metadata)
    if not replies:
        return await _unavailable_reply(app, conversation_id, metadata)
    out: list[dict[str, Any]] = []
    meta: dict[str, Any] = {}
    for reply in replies:
        custom = reply.get("custom") if isinstance(reply.get("custom"), dict) else None
        if custom and custom.get("type") == "meta":
            meta = custom
            continue
        if custom and custom.get("event") == "conversation_deleted":
            await privacy.delete_conversation_async(app["settings"], conversation_id)
        out.append({k: reply[k] for k in ("text", "buttons", "custom", "image") if k in reply})
    return out, meta


async def conversation_language(app: web.Application, conversation_id: str,
                                metadata: dict[str, Any]) -> str:
    """The language to apologise in: the client's, else the tracker's `language` slot, else de."""
    if metadata.get("language") in LANGUAGES:
        return metadata["language"]
    try:
        tracker = await app["rasa"].tracker(conversation_id)
    except RasaUnavailable:
        return "de"
    language = (tracker.get("slots") or {}).get("language")
    return language if language in LANGUAGES else "de"


Replies = list[dict[str, Any]]


async def _unavailable_reply(app: web.Application, conversation_id: str,
                             metadata: dict[str, Any]) -> tuple[Replies, dict[str, Any]]:
    """Rasa answered, but with nothing at all: every action ends with a meta message, so the
    action server is down or failed. The user gets a polite message with the emergency number
    in their language instead of silence (Rasa has stored the message; a retry works later)."""
    language = await conversation_language(app, conversation_id, metadata)
    log.warning("no reply from Rasa (action server down?): answered error.unavailable in %s",
                language)
    meta = {"type": "meta", "language": language, "direction": i18n.direction(language)}
    return [{"text": i18n.t("error.unavailable", language)}], meta


async def post_chat(request: web.Request) -> web.Response:
    app = request.app
    body = parse_chat_body(await request.read())
    secret = app["settings"].session_secret
    conversation_id = body["conversation_id"]
    if conversation_id is None:
        conversation_id = conversations.issue(secret)
    elif not conversations.verify(secret, conversation_id):
        raise json_error(403, "conversation_id: not issued by this server")
    limiter = app.get("ratelimit_conversation")
    wait = limiter.check(conversation_id) if limiter is not None else 0.0
    if wait:
        raise ratelimit.too_many_requests(wait)
    try:
        replies, meta = await exchange(app, conversation_id, body["text"], body["metadata"])
    except RasaUnavailable as exc:
        log.warning("Rasa unavailable: %s", exc)
        raise json_error(503, "the assistant is not available right now, please retry shortly",
                         headers={"Retry-After": "5"}) from None
    body = {"conversation_id": conversation_id, "replies": replies}
    if meta.get("language") in LANGUAGES:
        body["language"] = meta["language"]
    return web.json_response(body)


_CHOOSE_LANGUAGE = re.compile(r'^/choose_language\{.*"spoken_language":\s*"([a-z]{2})"')


def history_messages(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The user and bot messages of a tracker, as a chat client shows them.

    Only text, buttons and custom data leave the gateway (no parse data, no metadata, no slots).
    A pressed button is stored by Rasa as its payload; we show the button's title instead, as
    the widget did when it was pressed, and leave out payloads we cannot name. Each bot message
    carries the conversation language it was written in, so a client can set its direction:
    the turn's `meta` message (or `language` slot) comes after the turn's replies, so it is
    applied back to the bot messages since the last user message.
    """
    out: list[dict[str, Any]] = []
    language: str | None = None
    turn: list[dict[str, Any]] = []  # bot messages since the last user message
    titles: dict[str, str] = {}  # payload -> what the user saw on the button they pressed
    for event in events:
        kind = event.get("event")
        turn_language = _language_of(event)
        if turn_language:
            language = turn_language
            for message in turn:
                message["language"] = language
        elif kind == "user":
            turn = []
            text = _shown_user_text(str(event.get("text") or ""), titles)
            if text:
                out.append({"sender": "user", "text": text})
        elif kind == "bot":
            message = _bot_message(event, language)
            if message:
                titles.update(_button_titles(message, language))
                turn.append(message)
                out.append(message)
    return out


def _language_of(event: dict[str, Any]) -> str | None:
    """The conversation language an event announces: a `meta` bot message or the slot."""
    if event.get("event") == "slot" and event.get("name") == "language":
        value = event.get("value")
    elif event.get("event") == "bot":
        custom = (event.get("data") or {}).get("custom")
        value = custom.get("language") if isinstance(custom, dict) and custom.get(
            "type") == "meta" else None
    else:
        return None
    return value if value in LANGUAGES else None


def _bot_message(event: dict[str, Any], language: str | None) -> dict[str, Any] | None:
    data = event.get("data") or {}
    message: dict[str, Any] = {"sender": "bot", "language": language}
    if event.get("text"):
        message["text"] = event["text"]
    if data.get("buttons"):
        message["buttons"] = [{"title": b.get("title"), "payload": b.get("payload")}
                              for b in data["buttons"] if isinstance(b, dict)]
    if isinstance(data.get("custom"), dict):
        if data["custom"].get("type") == "meta":
            return None
        message["custom"] = data["custom"]
    return message if len(message) > 2 else None


def _button_titles(message: dict[str, Any], language: str | None) -> dict[str, str]:
    """Payload -> title for a bot message's buttons and its service card's Details button."""
    titles = {b["payload"]: str(b["title"]) for b in message.get("buttons", [])
              if isinstance(b.get("payload"), str) and b.get("title")}
    custom = message.get("custom") or {}
    card = custom.get("card") if custom.get("type") == "service_card" else None
    if isinstance(card, dict) and isinstance(card.get("details_payload"), str):
        label = (card.get("labels") or {}).get("details") or i18n.t("button.details", language)
        titles[card["details_payload"]] = f"{label}: {card.get('title', '')}"
    return titles


def _shown_user_text(text: str, titles: dict[str, str]) -> str | None:
    if not text.startswith("/"):
        return text
    if text in titles:
        return titles[text]
    match = _CHOOSE_LANGUAGE.match(text)
    if match and match.group(1) in LANGUAGES:
        return i18n.t("widget.language_name", match.group(1))
    return None


async def get_history(request: web.Request) -> web.Response:
    """`GET /api/chat/history?conversation_id=...`: a returning client redraws its conversation.

    Only a server-issued id is accepted, so the id itself is the proof of ownership: nobody can
    read a conversation whose id they were not given.
    """
    app = request.app
    conversation_id = request.query.get("conversation_id")
    if not conversation_id:
        raise json_error(400, "conversation_id: required")
    if not conversations.verify(app["settings"].session_secret, conversation_id):
        raise json_error(403, "conversation_id: not issued by this server")
    try:
        tracker = await app["rasa"].tracker(conversation_id)
    except RasaUnavailable as exc:
        log.warning("Rasa unavailable: %s", exc)
        raise json_error(503, "the assistant is not available right now, please retry shortly",
                         headers={"Retry-After": "5"}) from None
    slots = tracker.get("slots") or {}
    language = slots.get("language") if slots.get("language") in LANGUAGES else None
    return web.json_response({"conversation_id": conversation_id, "language": language,
                              "messages": history_messages(tracker.get("events") or [])})


def setup(app: web.Application) -> None:
    # A person never sends more than a few messages in a row, nor 20 a minute; a burst of 50 is
    # a script. RATE_LIMIT_CONVERSATION="BURST/PER_MINUTE" or "off".
    app["ratelimit_conversation"] = ratelimit.limiter_from_env(
        "RATE_LIMIT_CONVERSATION", RATE_LIMIT_CONVERSATION)
    app.router.add_post("/api/chat", post_chat)
    app.router.add_get("/api/chat/history", get_history)
