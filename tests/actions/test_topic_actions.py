"""The service finder and the legal flow on tracker fixtures with the real catalogue."""
from __future__ import annotations

import pytest

from actions.topics import ActionInform, ActionShowTopic
from bot import i18n
from services_catalog.taxonomy import TOPICS
from tests.actions.conftest import cards, make_tracker, slot_events, texts


@pytest.mark.parametrize("topic", [t for t in TOPICS if t != "emergency"])
async def test_every_topic_gives_orientation_and_real_services(run_action, topic):
    messages, events = await run_action(ActionShowTopic(), make_tracker("x", topic, "de"))
    assert i18n.t(f"topic.{topic}.orientation", "de") in texts(messages)
    found = cards(messages)
    assert 1 <= len(found) <= 3
    assert all(c["title"] and c["labels"]["phone"] == i18n.t("card.phone", "de") for c in found)
    assert slot_events(events)["topic"] == topic


async def test_arabic_reply_with_arabic_labels_and_buttons(run_action):
    messages, events = await run_action(
        ActionShowTopic(), make_tracker("أحتاج طبيب", "health", "ar"))
    assert i18n.t("topic.health.orientation", "ar") in texts(messages)
    assert slot_events(events)["language"] == "ar"
    titles = [b["title"] for m in messages for b in m.get("buttons") or []]
    assert i18n.t("button.other_topic", "ar") in titles
    assert cards(messages)[0]["labels"]["hours"] == i18n.t("card.hours", "ar")
    meta = [m["custom"] for m in messages if (m.get("custom") or {}).get("type") == "meta"]
    assert meta == [{"type": "meta", "language": "ar", "easy_language": False,
                     "direction": "rtl"}]


async def test_deportation_is_urgent_and_says_it_is_not_legal_advice(run_action):
    tracker = make_tracker("abschiebung", "legal_advice", "de",
                           entities=[{"entity": "subtopic", "value": "deportation"}])
    messages, events = await run_action(ActionShowTopic(), tracker)
    shown = texts(messages)
    assert i18n.t("legal.deportation.orientation", "de") in shown
    assert i18n.t("legal.disclaimer", "de") in shown
    assert slot_events(events)["subtopic"] == "deportation"
    assert cards(messages), "free counselling services are shown"


async def test_legal_advice_without_subtopic_offers_the_subtopics(run_action):
    messages, _ = await run_action(ActionShowTopic(), make_tracker("x", "legal_advice", "en"))
    payloads = [b["payload"] for m in messages for b in m.get("buttons") or []]
    assert '/legal_advice{"subtopic":"toleration"}' in payloads
    assert '/legal_advice{"subtopic":"temporary_protection"}' in payloads


async def test_language_switch_changes_the_very_next_reply(run_action):
    tracker = make_tracker("шукаю квартиру в мюнстері", "housing", "uk", slots={"language": "de"})
    messages, events = await run_action(ActionShowTopic(), tracker)
    assert slot_events(events)["language"] == "uk"
    assert i18n.t("topic.housing.orientation", "uk") in texts(messages)


async def test_short_message_keeps_the_conversation_language(run_action):
    tracker = make_tracker("ok", "language_course", "en", confidence=0.5, reliable=False,
                           slots={"language": "ar"})
    messages, events = await run_action(ActionShowTopic(), tracker)
    assert "language" not in slot_events(events)
    assert i18n.t("topic.language_course.orientation", "ar") in texts(messages)


async def test_leichte_sprache(run_action):
    tracker = make_tracker("x", "work", "de", slots={"language": "de", "easy_language": True})
    messages, _ = await run_action(ActionShowTopic(), tracker)
    assert i18n.t("topic.work.orientation", "de", True) in texts(messages)


async def test_more_results_pages_on(run_action):
    slots = {"language": "de", "topic": "legal_advice", "page": 0.0}
    first, _ = await run_action(ActionInform(), make_tracker("", "inform", slots=slots))
    tracker = make_tracker("", "inform", slots=slots,
                           entities=[{"entity": "request", "value": "more"}])
    second, events = await run_action(ActionInform(), tracker)
    assert slot_events(events)["page"] == 1.0
    assert not {c["id"] for c in cards(first)} & {c["id"] for c in cards(second)}


async def test_district_refinement_is_stored_and_ranks_nearby_first(run_action):
    slots = {"language": "de", "topic": "legal_advice"}
    tracker = make_tracker("ich wohne in coerde", "inform", slots=slots,
                           entities=[{"entity": "district", "value": "Coerde"}])
    messages, events = await run_action(ActionInform(), tracker)
    assert slot_events(events)["district"] == "Coerde"
    assert "Coerde" in (cards(messages)[0]["address"] or "")


async def test_details_show_source_and_check_date(run_action):
    tracker = make_tracker("", "inform", slots={"language": "en"}, entities=[
        {"entity": "request", "value": "details"},
        {"entity": "service_id", "value": "auslaenderbehoerde-bereich-aufenthaltsrecht"}])
    messages, _ = await run_action(ActionInform(), tracker)
    card_messages = [m["custom"] for m in messages if (m.get("custom") or {}).get("details")]
    assert card_messages and "0251 / 492-3636" in card_messages[0]["text"]
    assert i18n.t("card.source", "en") in card_messages[0]["text"]


async def test_catalogue_down_gives_a_polite_reply(run_action, monkeypatch):
    from actions import catalog_client

    monkeypatch.setenv("CATALOG_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    catalog_client._engine.cache_clear()
    tracker = make_tracker("دکتر لازم دارم برای بچه‌ام", "health", "fa")
    messages, _ = await run_action(ActionShowTopic(), tracker)
    assert i18n.t("error.catalog", "fa") in texts(messages)


async def test_legal_subtopic_offers_counselling_next_to_the_office(run_action):
    tracker = make_tracker("ich habe eine duldung", "legal_advice", "de",
                           entities=[{"entity": "subtopic", "value": "toleration"}])
    messages, _ = await run_action(ActionShowTopic(), tracker)
    ids = [c["id"] for c in cards(messages)]
    assert ids[0] == "auslaenderbehoerde-bereich-aufenthaltsrecht"
    assert len(ids) == 3, "free counselling services fill the page"
    assert all("beratung" in i for i in ids[1:]), ids


async def test_residence_status_is_asked_only_when_a_shown_service_depends_on_it(run_action):
    tracker = make_tracker("", "inform", slots={"language": "en", "topic": "work"},
                           entities=[{"entity": "district", "value": "Kernbereich"}])
    messages, _ = await run_action(ActionInform(), tracker)
    shown = cards(messages)
    limited = [c for c in shown if c["id"].startswith("europa-bruecke")]
    asked = [m for m in messages if (m.get("text") or "").startswith(
        i18n.t("refine.status", "en", service="X").split("X")[0])]
    assert bool(asked) == bool(limited)
    tracker = make_tracker("", "inform", slots={"language": "en", "topic": "language_course"})
    messages, _ = await run_action(ActionInform(), tracker)
    assert not [m for m in messages if "residence status" in (m.get("text") or "")]


async def test_details_never_show_raw_data_structures(run_action):
    tracker = make_tracker("", "inform", slots={"language": "ar"}, entities=[
        {"entity": "request", "value": "details"},
        {"entity": "service_id",
         "value": "ggua-fluechtlingshilfe-soziale-und-aufenthaltsrechtliche-ber"}])
    messages, _ = await run_action(ActionInform(), tracker)
    text = [m["custom"]["text"] for m in messages if (m.get("custom") or {}).get("details")][0]
    assert "{" not in text and "None" not in text
