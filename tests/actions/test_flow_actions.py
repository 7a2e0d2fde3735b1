"""Welcome, emergency, handoff, fallback, deletion and small talk on tracker fixtures."""
from __future__ import annotations

from actions.emergency import ActionEmergency
from actions.fallback import ActionFallback
from actions.handoff import ActionHandoff
from actions.privacy import ActionDeleteMyData
from actions.welcome import ActionSetLanguage, ActionSmalltalk, ActionWelcome
from bot import i18n
from bot.settings import LANGUAGES
from services_catalog import handoff
from services_catalog.db import make_engine, session_scope
from tests.actions.conftest import cards, make_tracker, slot_events, texts


async def test_welcome_offers_every_language_in_its_own_script(run_action):
    messages, _ = await run_action(ActionWelcome(), make_tracker("ሰላም", "greet", "ti"))
    assert messages[0]["text"] == i18n.t("welcome", "ti")
    payloads = [b["payload"] for b in messages[0]["buttons"]]
    for code in LANGUAGES:
        assert f'/choose_language{{"spoken_language":"{code}"}}' in payloads
    titles = [b["title"] for b in messages[0]["buttons"]]
    assert "ትግርኛ" in titles and "العربية" in titles and "Українська" in titles


async def test_explicit_language_choice_wins(run_action):
    tracker = make_tracker('/choose_language{"spoken_language":"fa"}', "choose_language",
                           slots={"language": "de"},
                           entities=[{"entity": "spoken_language", "value": "fa"}])
    messages, events = await run_action(ActionSetLanguage(), tracker)
    assert slot_events(events)["language"] == "fa"
    assert messages[0]["text"] == i18n.t("language.confirm", "fa")


async def test_emergency_numbers_first_then_local_help(run_action):
    messages, _ = await run_action(ActionEmergency(),
                                   make_tracker("help he hits me", "emergency", "en",
                                                slots={"topic": "housing"}))
    first = messages[0]["text"]
    for number in ("110", "112", "116 016", "0800 111 0 111"):
        assert number in first
    titles = " ".join(c["title"] for c in cards(messages))
    assert "TelefonSeelsorge" in titles or "Frauenhaus" in titles
    assert texts(messages)[-1] == i18n.t("emergency.continue", "en")


async def test_handoff_is_stored_without_message_text(run_action, catalog_url):
    tracker = make_tracker("I want to speak to a person, my name is Amina", "request_human",
                           "en", slots={"topic": "housing"}, sender_id="web.handoff.test")
    messages, _ = await run_action(ActionHandoff(), tracker)
    assert texts(messages)[0] == i18n.t("handoff.stored", "en")
    with session_scope(make_engine(catalog_url)) as session:
        stored = [h for h in handoff.list_handoffs(session)
                  if h["conversation_id"] == "web.handoff.test"]
    assert len(stored) == 1
    assert stored[0]["language"] == "en" and stored[0]["topic"] == "housing"
    assert "Amina" not in repr(stored[0])


async def test_two_stage_fallback(run_action):
    ranking = [{"name": "nlu_fallback", "confidence": 0.3}, {"name": "housing", "confidence": 0.2},
               {"name": "greet", "confidence": 0.1}, {"name": "work", "confidence": 0.1}]
    tracker = make_tracker("hmm wohnung arbeit", "nlu_fallback", "de", ranking=ranking)
    messages, events = await run_action(ActionFallback(), tracker)
    assert [b["payload"] for b in messages[0]["buttons"]][:2] == ["/housing", "/work"]
    assert slot_events(events)["fallback_stage"] == 1.0
    tracker = make_tracker("???", "nlu_fallback", "de", ranking=ranking,
                           slots={"fallback_stage": 1.0})
    messages, events = await run_action(ActionFallback(), tracker)
    payloads = [b["payload"] for b in messages[0]["buttons"]]
    assert "/request_human" in payloads and "/legal_advice" in payloads
    assert slot_events(events)["fallback_stage"] == 0.0


async def test_delete_my_data_confirms_and_tells_the_gateway(run_action):
    messages, events = await run_action(ActionDeleteMyData(),
                                        make_tracker("delete my data", "delete_my_data", "so"))
    assert messages[0]["text"] == i18n.t("privacy.deleted", "so")
    assert messages[0]["custom"] == {"event": "conversation_deleted"}
    assert any(e.get("event") == "restart" for e in events)


async def test_bot_challenge_says_it_is_a_bot(run_action):
    messages, _ = await run_action(ActionSmalltalk(),
                                   make_tracker("are you a robot", "bot_challenge", "en"))
    assert messages[0]["text"] == i18n.t("smalltalk.bot_challenge", "en")
