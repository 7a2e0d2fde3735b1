"""Service cards: the catalogue's HSDS-shaped service as a reply every channel can show.

A card is one bot message whose `custom` data holds the card (the web widget draws it, the
Messenger channel turns it into a generic template) and the same card as plain `text` for any
other client. (Rasa's output channels split a message with both `text` and `custom` into two
messages, so the text travels inside `custom`.) A missing phone, address or opening hour is said
to be missing, never guessed.
"""
from __future__ import annotations

import re
from typing import Any

from rasa_sdk.executor import CollectingDispatcher

from actions.base import Turn, payload
from services_catalog.mapping import tel_href

LANGUAGE_NAMES = {
    "de": "Deutsch", "en": "English", "ar": "العربية", "tr": "Türkçe", "ru": "Русский",
    "uk": "Українська", "fa": "فارسی / دری", "ps": "پښتو", "ku": "Kurmancî", "ti": "ትግርኛ",
    "so": "Soomaali", "fr": "Français",
}


def _address(service: dict[str, Any]) -> str | None:
    for loc in service.get("locations") or []:
        parts = [loc.get("address_1"), " ".join(p for p in (loc.get("postal_code"),
                                                           loc.get("city")) if p)]
        text = ", ".join(p for p in parts if p)
        if loc.get("district"):
            text = f"{text} ({loc['district']})" if text else loc["district"]
        if text:
            return text
    return None


def card(service: dict[str, Any], turn: Turn) -> dict[str, Any]:
    """The data the web widget and Messenger draw a card from; every label already translated."""
    phones = [p["number"] for p in service.get("phones") or [] if p.get("number")]
    open_now = service.get("open_now")
    return {
        "id": service["id"],
        "title": service["name"],
        "description": service.get("description") or "",
        "languages": [LANGUAGE_NAMES.get(code, code) for code in service.get("languages") or []],
        "address": _address(service),
        "phones": [{"number": n, "href": tel_href(n)} for n in phones],
        "email": service.get("email"),
        "url": _absolute(service.get("url")),
        "opening_hours": service.get("opening_hours_text"),
        "open_now": open_now,
        "open_now_label": (turn.t("card.open_now") if open_now
                           else turn.t("card.closed_now") if open_now is False else None),
        "source_url": (service.get("source_url") or "").split(" | ")[0] or None,
        "last_verified": service.get("last_verified"),
        "labels": {
            "phone": turn.t("card.phone"), "address": turn.t("card.address"),
            "hours": turn.t("card.hours"), "languages": turn.t("card.languages"),
            "website": turn.t("card.website"), "details": turn.t("button.details"),
            "source": turn.t("card.source"), "verified": turn.t("card.verified"),
        },
        "details_payload": payload("inform", request="details", service_id=service["id"]),
    }


def _absolute(url: str | None) -> str | None:
    if not url:
        return None
    return url if re.match(r"^https?://", url) else f"https://{url}"


def card_text(service: dict[str, Any], turn: Turn) -> str:
    """The same card as plain text, in the conversation's language."""
    c = card(service, turn)
    lines = [f"▪ {c['title']}"]
    if c["description"]:
        lines.append(c["description"])
    if c["languages"]:
        lines.append(f"{c['labels']['languages']}: {', '.join(c['languages'])}")
    lines.append(f"{c['labels']['address']}: {c['address'] or turn.t('card.no_address')}")
    if c["phones"]:
        lines.append(f"{c['labels']['phone']}: {'; '.join(p['number'] for p in c['phones'])}")
    else:
        lines.append(f"{c['labels']['phone']}: {turn.t('card.no_phone')}")
    hours = c["opening_hours"] or turn.t("card.no_hours")
    if c["open_now_label"]:
        hours = f"{hours} ({c['open_now_label']})"
    lines.append(f"{c['labels']['hours']}: {hours}")
    if c["url"]:
        lines.append(f"{c['labels']['website']}: {c['url']}")
    return "\n".join(lines)


def details_text(service: dict[str, Any], turn: Turn) -> str:
    """Everything the catalogue knows about one service, with its source and check date."""
    c = card(service, turn)
    lines = [card_text(service, turn)]
    if c["email"]:
        lines.append(f"{turn.t('widget.email')}: {c['email']}")
    cost = service.get("cost")
    cost_text = cost.get("description") if isinstance(cost, dict) else cost
    if cost_text:
        lines.append(f"{turn.t('card.cost')}: {cost_text}")
    eligibility = (service.get("eligibility") or {}).get("description")
    if eligibility:
        lines.append(f"{turn.t('card.eligibility')}: {eligibility}")
    if c["source_url"]:
        lines.append(f"{c['labels']['source']}: {c['source_url']}")
    if c["last_verified"]:
        lines.append(f"{c['labels']['verified']}: {c['last_verified']}")
    return "\n".join(lines)


def send_card(dispatcher: CollectingDispatcher, service: dict[str, Any], turn: Turn,
              details: bool = False) -> None:
    """One card as one bot message: structured data plus its plain-text rendering."""
    text = details_text(service, turn) if details else card_text(service, turn)
    dispatcher.utter_message(json_message={"type": "service_card", "card": card(service, turn),
                                           "text": text, "details": details})
