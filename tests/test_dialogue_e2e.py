"""End-to-end conversations through the running stack (gateway → Rasa → actions → catalogue).

Each checks the language of the replies (against the locale texts) and that the services named
are the right ones (the catalogue's own answer for that topic), in de, ar, uk, ti and fa; and
that from a greeting in any of the 12 languages every topic's services, with phone and opening
hours where the catalogue knows them, are at most three turns away.
"""
from __future__ import annotations

import pytest

from bot import i18n
from bot.settings import LANGUAGES
from services_catalog.db import make_engine, session_scope
from services_catalog.search import SearchQuery, search
from services_catalog.taxonomy import TOPICS

pytestmark = pytest.mark.stack

CONVERSATIONS = {
    "de": [("Hallo, guten Tag", "greet", "welcome"),
           ("Meine Aufenthaltserlaubnis läuft ab, wo bekomme ich Beratung?", "legal_advice",
            "legal.residence_permit.orientation")],
    "ar": [("السلام عليكم، كيف حالكم", "greet", "welcome"),
           ("أبحث عن طبيب يتكلم العربية", "health", "topic.health.orientation")],
    "uk": [("Привіт, добрий день вам", "greet", "welcome"),
           ("Шукаю курси німецької мови для дорослих", "language_course",
            "topic.language_course.orientation")],
    "ti": [("ሰላም ከመይ ኣለኹም", "greet", "welcome"),
           ("ናይ ጀርመን ቋንቋ ትምህርቲ ይደሊ ኣለኹ", "language_course",
            "topic.language_course.orientation")],
    "fa": [("سلام، وقت بخیر", "greet", "welcome"),
           ("دنبال خانه برای خانواده‌ام هستم", "housing", "topic.housing.orientation")],
}


def topic_service_ids(stack, topic: str) -> set[str]:
    engine = make_engine(stack.env["CATALOG_DATABASE_URL"])
    with session_scope(engine) as session:
        ids = {i["id"] for i in search(session, SearchQuery(topic=topic, limit=100)).items}
    engine.dispose()
    return ids


def cards(answer: dict) -> list[dict]:
    return [r["custom"]["card"] for r in answer["replies"]
            if (r.get("custom") or {}).get("type") == "service_card"]


def texts(answer: dict) -> list[str]:
    return [r["text"] for r in answer["replies"] if r.get("text")]


@pytest.mark.parametrize("language", sorted(CONVERSATIONS))
def test_conversation_in_the_users_language_names_the_right_services(stack, language):
    conversation = None
    for text, _intent, key in CONVERSATIONS[language]:
        answer = stack.chat(text, conversation)
        conversation = answer["conversation_id"]
        assert answer.get("language") == language, (text, answer)
        assert i18n.t(key, language) in texts(answer), (text, texts(answer))
    topic = CONVERSATIONS[language][-1][1]
    shown = {c["id"] for c in cards(answer)}
    assert shown and shown <= topic_service_ids(stack, topic)
    if language in ("ar", "fa"):
        assert all(c["labels"]["phone"] == i18n.t("card.phone", language) for c in cards(answer))


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_topic_within_three_turns_from_hello(stack, language):
    """Turn 1: hello (browser language given); turn 2: a topic button. Phone and hours shown."""
    first = stack.chat("/greet", language=language)
    assert first.get("language") == language
    conversation = first["conversation_id"]
    phones_seen = hours_seen = 0
    for topic in TOPICS:
        if topic == "emergency":
            continue
        answer = stack.chat(f"/{topic}", conversation)
        assert answer.get("language") == language
        found = cards(answer)
        assert found, (language, topic)
        assert {c["id"] for c in found} <= topic_service_ids(stack, topic)
        phones_seen += sum(bool(c["phones"]) for c in found)
        hours_seen += sum(bool(c["opening_hours"]) for c in found)
        card_texts = [r["custom"]["text"] for r in answer["replies"]
                      if (r.get("custom") or {}).get("type") == "service_card"]
        assert all(i18n.t("card.phone", language) in t for t in card_texts)
    assert phones_seen >= 5 and hours_seen >= 3


def test_emergency_is_answered_first_in_the_middle_of_a_flow(stack):
    answer = stack.chat("ich suche eine wohnung in kinderhaus")
    conversation = answer["conversation_id"]
    answer = stack.chat("mein mann schlägt mich, ich habe angst", conversation)
    assert texts(answer)[0] == i18n.t("emergency.numbers", "de")
    answer = stack.chat("/housing", conversation)
    assert i18n.t("topic.housing.orientation", "de") in texts(answer)


def test_switching_language_changes_the_very_next_reply(stack):
    answer = stack.chat("Ich brauche einen Arzt für mein Kind")
    conversation = answer["conversation_id"]
    assert answer["language"] == "de"
    answer = stack.chat("/uk", conversation)
    assert answer["language"] == "uk"
    assert i18n.t("language.confirm", "uk") in texts(answer)
    answer = stack.chat("/health", conversation)
    assert i18n.t("topic.health.orientation", "uk") in texts(answer)
