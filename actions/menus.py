"""Buttons that several flows offer: languages, topics, legal subtopics, next steps."""
from __future__ import annotations

from actions import catalog_client
from actions.base import Turn, payload
from actions.cards import LANGUAGE_NAMES
from bot import i18n
from bot.settings import LANGUAGES
from services_catalog.taxonomy import TERMS, TOPICS

LEGAL_SUBTOPICS = ("asylum", "residence_permit", "toleration", "temporary_protection",
                   "family_reunification", "naturalisation", "deportation", "work_permission")
AGE_GROUPS = (("age.under_18", 16), ("age.18_26", 20), ("age.27_plus", 30))


def language_buttons() -> list[dict[str, str]]:
    """One button per contract language, each written in its own language and script,
    plus German Leichte Sprache."""
    buttons = [{"title": LANGUAGE_NAMES[code], "payload": payload("choose_language",
                                                               spoken_language=code)}
               for code in LANGUAGES]
    buttons.append({"title": i18n.t("language.easy_german", "de", True),
                    "payload": payload("choose_language", spoken_language="de",
                                       easy_language="true")})
    return buttons


async def topic_labels(turn: Turn) -> dict[str, str]:
    """Topic labels from the catalogue's taxonomy (the one place they are translated)."""
    try:
        return await catalog_client.topic_labels(i18n.variant(turn.language, turn.easy))
    except catalog_client.CatalogUnavailable:
        return {topic: turn.t(f"topic.{topic}.label") for topic in TOPICS}


async def topic_buttons(turn: Turn) -> list[dict[str, str]]:
    labels = await topic_labels(turn)
    return [{"title": labels.get(topic, topic), "payload": payload(topic)} for topic in TOPICS]


async def legal_buttons(turn: Turn) -> list[dict[str, str]]:
    try:
        labels = await catalog_client.term_labels(i18n.variant(turn.language, turn.easy))
    except catalog_client.CatalogUnavailable:
        labels = {}
    assert set(LEGAL_SUBTOPICS) <= set(TERMS["legal_advice"])
    return [{"title": labels.get(term) or turn.t(f"legal.{term}.label"),
             "payload": payload("legal_advice", subtopic=term)} for term in LEGAL_SUBTOPICS]


def age_buttons(turn: Turn) -> list[dict[str, str]]:
    return [{"title": turn.t(key), "payload": payload("inform", age=str(age))}
            for key, age in AGE_GROUPS]


def status_buttons(turn: Turn, statuses: tuple[str, ...]) -> list[dict[str, str]]:
    return [{"title": turn.t(f"status.{status}"), "payload": payload("inform",
                                                                     residence_status=status)}
            for status in statuses]


def next_step_buttons(turn: Turn, more: bool, show_district: bool) -> list[dict[str, str]]:
    buttons = []
    if more:
        buttons.append({"title": turn.t("button.more"),
                        "payload": payload("inform", request="more")})
    if show_district:
        buttons.append({"title": turn.t("button.my_district"),
                        "payload": payload("inform", request="district")})
    buttons.append({"title": turn.t("button.other_topic"), "payload": payload("help")})
    buttons.append({"title": turn.t("button.person"), "payload": payload("request_human")})
    return buttons
