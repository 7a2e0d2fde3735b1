"""Facebook Messenger channel at `/webhooks/messenger`, written instead of Rasa's connector.

Why not Rasa's own `facebook` channel (see PITFALLS): it checks only the SHA-1 signature with
`==`, answers 200 to a forged request, handles only the first event of a batch and sends through
blocking `requests` with no timeout. Here every POST is checked against `X-Hub-Signature-256`
in constant time, every event of every entry is handled, the webhook answers at once (Facebook
retries and finally disables slow webhooks) and the work happens in background tasks, one queue
per person so that their messages reach Rasa, and their replies reach them, in order.
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import unicodedata
from collections.abc import Iterable
from typing import Any

import aiohttp
from aiohttp import web

from bot import i18n
from bot.gateway import chat
from bot.gateway.errors import json_error
from bot.gateway.rasa_client import RasaUnavailable
from bot.settings import LANGUAGES, Settings

log = logging.getLogger(__name__)

ROUTE = "/webhooks/messenger"
MAX_QUICK_REPLIES = 13
QUICK_REPLY_TITLE = 20
BUTTON_TITLE = 20
TEMPLATE_TITLE = 80
TEMPLATE_SUBTITLE = 80
MAX_ELEMENTS = 10
MAX_TEXT = 2000          # Messenger's limit for one text message
MAX_PAYLOAD = 1000       # limit for quick-reply and postback payloads
CARD_TEXT_MARK = "▪ "    # actions/cards.py starts a card's plain-text twin with this
MESSENGER_KEY = "messenger"  # app[MESSENGER_KEY]: the MessengerChannel, when the channel is on


# ---------------------------------------------------------------------------------------------
# Text limits
# ---------------------------------------------------------------------------------------------

def _joins_previous(char: str) -> bool:
    """True for marks that belong to the character before them (harakat, ZWJ/ZWNJ, variation
    selectors): cutting in front of one would leave a broken letter or a lone base character."""
    return unicodedata.combining(char) != 0 or unicodedata.category(char) in ("Mn", "Me", "Cf")


def truncate(text: str, limit: int) -> str:
    """Cut `text` to at most `limit` characters with an ellipsis, never inside a character.

    Python strings count code points, so a UTF-8 sequence is never split; in addition the cut
    moves back over combining marks so that Arabic vowel signs stay with their letter.
    """
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = limit - 1
    while cut > 0 and _joins_previous(text[cut]):
        cut -= 1
    return text[:cut].rstrip() + "…"


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Split a long text into Messenger-sized parts, at line breaks where possible."""
    parts: list[str] = []
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit)
        if cut <= 0:
            cut = text.rfind(" ", 0, limit)
        if cut <= 0:
            cut = limit
        parts.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    if text:
        parts.append(text)
    return parts


# ---------------------------------------------------------------------------------------------
# Rasa replies -> Messenger messages
# ---------------------------------------------------------------------------------------------

def quick_replies(buttons: Iterable[dict[str, Any]]) -> list[dict[str, str]]:
    """Rasa buttons as Messenger quick replies (at most 13, titles at most 20 characters)."""
    out = []
    for button in buttons:
        title, payload = button.get("title"), button.get("payload")
        if not isinstance(title, str) or not isinstance(payload, str) or not title.strip():
            continue
        out.append({"content_type": "text", "title": truncate(title, QUICK_REPLY_TITLE),
                    "payload": payload[:MAX_PAYLOAD]})
        if len(out) == MAX_QUICK_REPLIES:
            break
    return out


def card_element(card: dict[str, Any]) -> dict[str, Any]:
    """One service card (actions/cards.py) as an element of a generic template."""
    labels = card.get("labels") or {}
    subtitle_parts = [card.get("open_now_label"), card.get("address"), card.get("opening_hours")]
    subtitle = " · ".join(str(p) for p in subtitle_parts if p)
    buttons: list[dict[str, str]] = []
    if card.get("url"):
        buttons.append({"type": "web_url", "url": card["url"],
                        "title": truncate(labels.get("website") or "Website", BUTTON_TITLE)})
    phones = card.get("phones") or []
    href = phones[0].get("href") if phones and isinstance(phones[0], dict) else None
    if href:
        buttons.append({"type": "phone_number", "payload": href.removeprefix("tel:"),
                        "title": truncate(labels.get("phone") or "Phone", BUTTON_TITLE)})
    if card.get("details_payload"):
        buttons.append({"type": "postback", "payload": card["details_payload"][:MAX_PAYLOAD],
                        "title": truncate(labels.get("details") or "Details", BUTTON_TITLE)})
    element: dict[str, Any] = {"title": truncate(str(card.get("title") or "?"), TEMPLATE_TITLE)}
    if subtitle:
        element["subtitle"] = truncate(subtitle, TEMPLATE_SUBTITLE)
    if buttons:
        element["buttons"] = buttons
    return element


def _service_card(reply: dict[str, Any]) -> dict[str, Any] | None:
    custom = reply.get("custom")
    if isinstance(custom, dict) and custom.get("type") == "service_card":
        card = custom.get("card")
        return card if isinstance(card, dict) else None
    return None


def _is_card_twin(reply: dict[str, Any], following: dict[str, Any] | None) -> bool:
    """The REST channel sends a card's plain-text version as its own message right before the
    card; Messenger shows the template instead, so that text would only repeat it."""
    card = _service_card(following) if following else None
    text = reply.get("text")
    return (card is not None and isinstance(text, str) and not reply.get("buttons")
            and text.startswith(CARD_TEXT_MARK + str(card.get("title", ""))))


def _template(elements: list[dict[str, Any]]) -> dict[str, Any]:
    return {"attachment": {"type": "template",
                           "payload": {"template_type": "generic", "elements": elements}}}


def to_messages(replies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Turn one turn's Rasa replies into the `message` objects of Send API calls, in order.

    Consecutive service cards become one carousel (at most 10 per template); buttons become quick
    replies of the text they belong to, or of the text just before when a reply has no text.
    """
    messages: list[dict[str, Any]] = []
    cards: list[dict[str, Any]] = []

    def flush_cards() -> None:
        for start in range(0, len(cards), MAX_ELEMENTS):
            messages.append(_template(cards[start:start + MAX_ELEMENTS]))
        cards.clear()

    for index, reply in enumerate(replies):
        following = replies[index + 1] if index + 1 < len(replies) else None
        card = _service_card(reply)
        if card is not None:
            cards.append(card_element(card))
            continue  # a card's own text is its twin: the template says it all
        if _is_card_twin(reply, following):
            continue
        flush_cards()
        text = reply.get("text") if isinstance(reply.get("text"), str) else ""
        quick = quick_replies(reply.get("buttons") or [])
        if not text.strip():
            previous = messages[-1] if messages else {}
            if quick and "text" in previous and "quick_replies" not in previous:
                previous["quick_replies"] = quick
            elif quick:
                messages.append({"text": "…", "quick_replies": quick})
            continue
        parts = split_text(text)
        for part in parts[:-1]:
            messages.append({"text": part})
        last: dict[str, Any] = {"text": parts[-1]}
        if quick:
            last["quick_replies"] = quick
        messages.append(last)
    flush_cards()
    return merge_choices(messages)


def merge_choices(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Messenger shows quick replies only under the newest message, so choices followed by more
    choices (legal sub-topics, then "what next?") would vanish: merge such neighbours into one
    message when the texts and choices fit Messenger's limits."""
    merged: list[dict[str, Any]] = []
    for message in messages:
        previous = merged[-1] if merged else None
        if (previous is not None and "quick_replies" in previous and "quick_replies" in message
                and len(previous["quick_replies"]) + len(message["quick_replies"])
                <= MAX_QUICK_REPLIES
                and len(previous["text"]) + len(message["text"]) + 2 <= MAX_TEXT):
            previous["text"] = f"{previous['text']}\n\n{message['text']}"
            previous["quick_replies"] = previous["quick_replies"] + message["quick_replies"]
            continue
        merged.append(message)
    return merged


# ---------------------------------------------------------------------------------------------
# Incoming events
# ---------------------------------------------------------------------------------------------

def locale_language(locale: object) -> str | None:
    """'ar_AR' -> 'ar' when it is one of the contract's languages, else None."""
    if not isinstance(locale, str) or not locale:
        return None
    code = locale.replace("-", "_").split("_")[0].lower()
    return code if code in LANGUAGES else None


def user_input(event: dict[str, Any]) -> tuple[str, str, dict[str, Any]] | None:
    """(psid, text for Rasa, metadata) for a message, quick reply or postback; None to ignore.

    Echoes of the page's own messages, delivery and read receipts, and messages without text
    (stickers, images) are ignored.
    """
    sender = (event.get("sender") or {}).get("id")
    if not isinstance(sender, str) or not sender:
        return None
    text: object = None
    message = event.get("message")
    postback = event.get("postback")
    if isinstance(message, dict):
        if message.get("is_echo"):
            return None
        quick = message.get("quick_reply")
        text = quick.get("payload") if isinstance(quick, dict) else message.get("text")
    elif isinstance(postback, dict):
        text = postback.get("payload") or postback.get("title")
    if not isinstance(text, str):
        return None
    text = chat.clean_text(text)[:chat.MAX_TEXT_CHARS]
    if not text:
        return None
    language = None
    for holder in (event, message, event.get("sender")):
        if isinstance(holder, dict) and holder.get("locale"):
            language = locale_language(holder["locale"])
            break
    return sender, text, ({"language": language} if language else {})


def verify_signature(secret: str, body: bytes, header: str | None) -> bool:
    """Check `X-Hub-Signature-256: sha256=<hex>` against an HMAC-SHA256 of the raw body."""
    if not header or not header.startswith("sha256="):
        return False
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), header.strip().encode())


# ---------------------------------------------------------------------------------------------
# Graph Send API
# ---------------------------------------------------------------------------------------------

class GraphSender:
    """Sends messages through the Graph Send API, retrying 429 and 5xx with backoff."""

    def __init__(self, graph_url: str, page_token: str, tries: int = 4,
                 base_delay: float = 0.5, max_delay: float = 30.0, timeout: float = 15.0) -> None:
        self.url = graph_url.rstrip("/") + "/me/messages"
        self._token = page_token
        self.tries = tries
        self.base_delay = base_delay
        self.max_delay = max_delay
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    def _delay(self, attempt: int, retry_after: str | None) -> float:
        if retry_after:
            try:
                return min(max(float(retry_after), 0.0), self.max_delay)
            except ValueError:
                pass  # an HTTP date: fall back to our own backoff
        return min(self.base_delay * (2 ** attempt), self.max_delay)

    async def send(self, psid: str, message: dict[str, Any]) -> bool:
        """Deliver one message; True on success. Never logs the message or the token."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        body = {"recipient": {"id": psid}, "messaging_type": "RESPONSE", "message": message}
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        status: object = None
        for attempt in range(self.tries):
            retry_after = None
            try:
                async with self._session.post(
                        self.url, params={"access_token": self._token}, data=data,
                        headers={"Content-Type": "application/json; charset=utf-8"}) as resp:
                    status = resp.status
                    await resp.read()
                    if 200 <= resp.status < 300:
                        return True
                    if resp.status != 429 and resp.status < 500:
                        break  # a client error does not get better by retrying
                    retry_after = resp.headers.get("Retry-After")
            except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
                status = type(exc).__name__
            if attempt + 1 < self.tries:
                await asyncio.sleep(self._delay(attempt, retry_after))
        log.warning("Messenger reply undelivered (last status %s, %d tries)", status, attempt + 1)
        return False


# ---------------------------------------------------------------------------------------------
# The channel
# ---------------------------------------------------------------------------------------------

class MessengerChannel:
    """Queues events per person and works each queue off in a background task."""

    def __init__(self, app: web.Application, sender: GraphSender) -> None:
        self.app = app
        self.sender = sender
        self._queues: dict[str, asyncio.Queue[tuple[str, dict[str, Any]]]] = {}
        self._tasks: set[asyncio.Task[None]] = set()  # strong references: no GC mid-work

    def dispatch(self, psid: str, text: str, metadata: dict[str, Any]) -> None:
        """Queue one user input; start a worker for this person if none is running."""
        queue = self._queues.get(psid)
        if queue is None:
            queue = self._queues[psid] = asyncio.Queue()
            task = asyncio.create_task(self._work(psid, queue))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        queue.put_nowait((text, metadata))

    async def _work(self, psid: str, queue: asyncio.Queue[tuple[str, dict[str, Any]]]) -> None:
        try:
            while not queue.empty():
                text, metadata = queue.get_nowait()
                try:
                    await self.handle(psid, text, metadata)
                except Exception:
                    log.exception("Messenger event failed")
        finally:
            # No await between the emptiness check above and this removal, so nothing can be
            # queued to a worker that is about to stop.
            self._queues.pop(psid, None)

    async def handle(self, psid: str, text: str, metadata: dict[str, Any]) -> None:
        """One input: ask Rasa, then send every reply in order."""
        conversation_id = f"messenger:{psid}"
        try:
            replies, _meta = await chat.exchange(self.app, conversation_id, text, metadata)
        except RasaUnavailable as exc:
            log.warning("Rasa unavailable for a Messenger event: %s", exc)
            language = await chat.conversation_language(self.app, conversation_id, metadata)
            replies = [{"text": i18n.t("error.unavailable", language)}]
        for message in to_messages(replies):
            await self.sender.send(psid, message)

    async def drain(self, timeout: float = 10.0) -> None:
        """Wait for the queued work (tests, shutdown); cancel what is still running after that."""
        if not self._tasks:
            return
        _, pending = await asyncio.wait(set(self._tasks), timeout=timeout)
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)


async def verify_webhook(request: web.Request) -> web.Response:
    """Facebook's subscription handshake: echo hub.challenge for the right verify token."""
    conf: Settings = request.app["settings"]
    query = request.query
    token = query.get("hub.verify_token", "")
    if (query.get("hub.mode") == "subscribe" and conf.fb_verify_token
            and hmac.compare_digest(token.encode(), conf.fb_verify_token.encode())):
        return web.Response(text=query.get("hub.challenge", ""), content_type="text/plain")
    raise json_error(403, "hub.verify_token: verification failed")


async def receive_events(request: web.Request) -> web.Response:
    """Check the signature, queue every messaging event of every entry, answer 200 at once."""
    conf: Settings = request.app["settings"]
    body = await request.read()
    if not verify_signature(conf.fb_app_secret or "", body,
                            request.headers.get("X-Hub-Signature-256")):
        raise json_error(403, "X-Hub-Signature-256: missing or wrong")
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise json_error(400, "body: malformed JSON") from None
    if not isinstance(data, dict) or data.get("object") != "page":
        raise json_error(400, "object: only page events are accepted")
    channel: MessengerChannel = request.app[MESSENGER_KEY]
    entries = data.get("entry") if isinstance(data.get("entry"), list) else []
    for entry in entries:
        events = entry.get("messaging") if isinstance(entry, dict) else None
        for event in events if isinstance(events, list) else []:
            found = user_input(event) if isinstance(event, dict) else None
            if found:
                channel.dispatch(*found)
    return web.json_response({"status": "EVENT_RECEIVED"})


async def channel_off(request: web.Request) -> web.Response:
    raise json_error(404, "the Messenger channel is not configured")


async def _announce_off(app: web.Application) -> None:
    log.info("Messenger channel is off: FB_VERIFY_TOKEN, FB_APP_SECRET and "
             "FB_PAGE_ACCESS_TOKEN are not all set")


async def _shutdown(app: web.Application) -> None:
    channel: MessengerChannel = app[MESSENGER_KEY]
    await channel.drain()
    await channel.sender.close()


def setup(app: web.Application) -> None:
    """Register the webhook; without all three FB_ settings the route answers 404."""
    conf: Settings = app["settings"]
    if not conf.messenger_enabled:
        app.router.add_route("*", ROUTE, channel_off)
        app.on_startup.append(_announce_off)
        return
    sender = GraphSender(conf.fb_graph_url, conf.fb_page_access_token or "")
    app[MESSENGER_KEY] = MessengerChannel(app, sender)
    app.router.add_get(ROUTE, verify_webhook)
    app.router.add_post(ROUTE, receive_events)
    app.on_shutdown.append(_shutdown)
