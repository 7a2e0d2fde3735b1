"""What every action of this bot shares: the conversation's language, and replies through i18n.

Each turn, before answering, an action decides the conversation language with the rule in
`bot.language_rules` (explicit choice wins, a short or unclear message keeps the current
language, the detector switches it only when sure) and answers in that language. Because every
action does this first, switching language mid-conversation changes the very next reply.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot import i18n
from bot.language_rules import decide_language, explicit_language_request
from bot.settings import LANGUAGES


@dataclass
class Turn:
    """The conversation state an action needs, read once from the tracker."""

    language: str
    easy: bool
    intent: str | None
    text: str
    entities: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    events: list[EventType] = field(default_factory=list)

    def t(self, key: str, **values: object) -> str:
        return i18n.t(key, self.language, self.easy, **values)

    def entity(self, name: str) -> Any:
        found = self.entities.get(name)
        return found[0].get("value") if found else None


def _entities_by_name(message: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = {}
    for ent in message.get("entities") or []:
        grouped.setdefault(ent.get("entity"), []).append(ent)
    return grouped


def read_turn(tracker: Tracker) -> Turn:
    """Decide the conversation language for this turn and collect the slot changes it implies."""
    message = tracker.latest_message or {}
    intent = (message.get("intent") or {}).get("name")
    text = message.get("text") or ""
    entities = _entities_by_name(message)
    current = tracker.get_slot("language")
    current = current if current in LANGUAGES else None
    detected = entities.get("language", [{}])[0]
    metadata = message.get("metadata") or {}
    channel_language = metadata.get("language") if metadata.get("language") in LANGUAGES else None

    explicit = None
    if intent == "choose_language":
        requested = entities.get("spoken_language", [{}])[0].get("value")
        explicit = requested if requested in LANGUAGES else explicit_language_request(text)
    language = decide_language(
        current,
        detected.get("value"),
        float(detected.get("confidence_entity") or 0.0),
        bool(detected.get("reliable", False)),
        text,
        explicit=explicit,
        channel_language=channel_language,
    )
    easy = bool(tracker.get_slot("easy_language"))
    events: list[EventType] = []
    if intent == "choose_language":
        wants_easy = str(entities.get("easy_language", [{}])[0].get("value", "")).lower() == "true"
        if wants_easy != easy:
            easy = wants_easy
            events.append(SlotSet("easy_language", easy))
    if language != current:
        events.append(SlotSet("language", language))
    return Turn(language=language, easy=easy, intent=intent, text=text, entities=entities,
                events=events)


class BotAction(Action):
    """Base class: subclasses implement `respond` and get the language handling for free."""

    action_name = ""

    def name(self) -> str:
        return self.action_name

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        turn = read_turn(tracker)
        events = await self.respond(dispatcher, tracker, turn)
        dispatcher.utter_message(json_message=meta_message(turn))
        return [*turn.events, *events]

    async def respond(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                      turn: Turn) -> list[EventType]:
        raise NotImplementedError


def meta_message(turn: Turn) -> dict[str, Any]:
    """The last message of every turn: the conversation language after this turn.

    Clients (the gateway, the widget, Messenger) need it to set the text direction and the
    language switcher; only the action knows it, and sending it along costs nothing, where
    asking Rasa for the tracker would cost a request per message. The gateway removes it from
    what users see.
    """
    return {"type": "meta", "language": turn.language, "easy_language": turn.easy,
            "direction": i18n.direction(turn.language)}


def payload(intent: str, **entities: object) -> str:
    """A button payload that Rasa parses without NLU: '/intent{"entity": "value"}'."""
    import json

    if not entities:
        return f"/{intent}"
    return f"/{intent}{json.dumps(entities, ensure_ascii=False, separators=(',', ':'))}"
