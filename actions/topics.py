"""The service finder: orientation for a topic, then the best three real services as cards.

`action_show_topic` answers every topic intent except emergency; `action_inform` applies a
refinement (district, spoken language, age, residence status) or a button request (more results,
details, in my district) to the current topic and shows the result again. Refinements are asked
for only where they change the answer, with the reason, and never required.
"""
from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import catalog_client, menus
from actions.base import BotAction, Turn
from actions.cards import send_card
from bot import i18n
from services_catalog.taxonomy import TERMS, TOPICS

PAGE_SIZE = 3
STATUSES = ("asylum_seeker", "tolerated", "temporary_protection", "residence_permit",
            "settlement_permit", "eu_citizen", "german_citizen", "undocumented", "unknown")


def _float(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


class Search:
    """The current search, from slots, updated by this turn's entities."""

    def __init__(self, tracker: Tracker, turn: Turn) -> None:
        self.topic: str | None = tracker.get_slot("topic")
        self.subtopic: str | None = tracker.get_slot("subtopic")
        self.district: str | None = tracker.get_slot("district")
        self.spoken: str | None = tracker.get_slot("spoken_language")
        self.age: float | None = _float(tracker.get_slot("age"))
        self.status: str | None = tracker.get_slot("residence_status")
        self.page = int(_float(tracker.get_slot("page")) or 0)
        self.changed: list[EventType] = []
        self._apply_entities(turn)

    def _set(self, slot: str, attr: str, value: Any) -> None:
        if value is not None and getattr(self, attr) != value:
            setattr(self, attr, value)
            self.changed.append(SlotSet(slot, value))

    def _apply_entities(self, turn: Turn) -> None:
        self._set("district", "district", turn.entity("district"))
        spoken = turn.entity("spoken_language")
        if turn.intent != "choose_language":
            self._set("spoken_language", "spoken", spoken)
        self._set("age", "age", _float(turn.entity("age")))
        status = turn.entity("residence_status")
        self._set("residence_status", "status", status if status in STATUSES else None)

    def select_topic(self, topic: str, subtopic: str | None) -> None:
        if topic != self.topic or subtopic != self.subtopic:
            self.changed += [SlotSet("topic", topic), SlotSet("subtopic", subtopic)]
            self.topic, self.subtopic = topic, subtopic
        self.set_page(0)

    def set_page(self, page: int) -> None:
        if page != self.page:
            self.page = page
            self.changed.append(SlotSet("page", float(page)))

    def query(self, turn: Turn, term: str | None, limit: int = PAGE_SIZE) -> dict[str, Any]:
        return {
            "topic": self.topic, "term": term, "district": self.district,
            "language": self.spoken, "age": int(self.age) if self.age is not None else None,
            "status": self.status if self.status not in (None, "unknown") else None,
            "lang": i18n.variant(turn.language, turn.easy), "limit": limit,
            "offset": self.page * PAGE_SIZE,
        }


async def show_results(dispatcher: CollectingDispatcher, turn: Turn, search: Search,
                       orientation: bool) -> None:
    """Orientation (first page only), three cards, the refinements that matter, next steps."""
    topic = search.topic
    assert topic in TOPICS
    legal = topic == "legal_advice"
    if orientation:
        if legal and search.subtopic:
            dispatcher.utter_message(text=turn.t(f"legal.{search.subtopic}.orientation"))
        else:
            dispatcher.utter_message(text=turn.t(f"topic.{topic}.orientation"))
        if legal:
            dispatcher.utter_message(text=turn.t("legal.disclaimer"))
    try:
        total, items = await fetch_page(turn, search)
    except catalog_client.CatalogUnavailable:
        dispatcher.utter_message(text=turn.t("error.catalog"))
        return
    if not items:
        dispatcher.utter_message(text=turn.t("results.none"),
                                 buttons=menus.next_step_buttons(turn, False, False))
        return
    first = search.page * PAGE_SIZE + 1
    dispatcher.utter_message(text=turn.t("results.intro", first=first,
                                         last=first + len(items) - 1, total=total))
    for item in items:
        send_card(dispatcher, item, turn)
    await ask_refinements(dispatcher, turn, search, items)
    more = total > search.page * PAGE_SIZE + len(items)
    show_district = search.district is None
    buttons = menus.next_step_buttons(turn, more, show_district)
    if legal and not search.subtopic and search.page == 0:
        dispatcher.utter_message(text=turn.t("legal.choose_subtopic"),
                                 buttons=await menus.legal_buttons(turn))
        dispatcher.utter_message(text=turn.t("results.next"), buttons=buttons)
    else:
        dispatcher.utter_message(text=turn.t("results.next"), buttons=buttons)


async def fetch_page(turn: Turn, search: Search) -> tuple[int, list[dict[str, Any]]]:
    """One page of results. With a finer term (a legal subtopic), the services for that term
    come first and the topic's other services follow, so that the free counselling services
    are always offered next to the office that decides (e.g. Duldung: Ausländerbehörde, then
    refugee and migration counselling)."""
    if not search.subtopic:
        return await catalog_client.find_services(**search.query(turn, None))
    merged: dict[str, dict[str, Any]] = {}
    # The term's services; then the topic's counselling services ("Beratung" in their German
    # name or description, e.g. GGUA, Migrationsberatung); then the rest of the topic.
    for term, text in ((search.subtopic, None), (None, "Beratung"), (None, None)):
        query = {**search.query(turn, term), "q": text, "limit": 100, "offset": 0}
        for item in (await catalog_client.find_services(**query))[1]:
            merged.setdefault(item["id"], item)
    items = list(merged.values())
    start = search.page * PAGE_SIZE
    return len(items), items[start:start + PAGE_SIZE]


async def ask_refinements(dispatcher: CollectingDispatcher, turn: Turn, search: Search,
                          items: list[dict[str, Any]]) -> None:
    """Ask for the age or the residence status only when a shown service is limited by it
    (so the answer changes what is shown), say why, and never insist (first page only)."""
    if search.page:
        return
    rules = [(i, i.get("eligibility") or {}) for i in items]
    if search.age is None:
        limited = [i for i, e in rules if e.get("max_age") or e.get("min_age")]
        if limited:
            dispatcher.utter_message(text=turn.t("refine.age", service=limited[0]["name"]),
                                     buttons=menus.age_buttons(turn))
    if search.status is None:
        limited = [i for i, e in rules
                   if e.get("residence_status") and set(STATUSES) - set(e["residence_status"])]
        if limited:
            dispatcher.utter_message(text=turn.t("refine.status", service=limited[0]["name"]),
                                     buttons=menus.status_buttons(turn, STATUSES))


class ActionShowTopic(BotAction):
    action_name = "action_show_topic"

    async def respond(self, dispatcher, tracker, turn):
        search = Search(tracker, turn)
        topic = turn.intent if turn.intent in TOPICS else search.topic or "legal_advice"
        subtopic = turn.entity("subtopic")
        if subtopic in TERMS["legal_advice"]:
            topic = "legal_advice"
        elif subtopic not in TERMS.get(topic, ()):
            subtopic = None
        search.select_topic(topic, subtopic)
        await show_results(dispatcher, turn, search, orientation=True)
        return [*search.changed, SlotSet("fallback_stage", 0.0)]


class ActionInform(BotAction):
    action_name = "action_inform"

    async def respond(self, dispatcher, tracker, turn):
        search = Search(tracker, turn)
        request = turn.entity("request")
        if request == "details":
            await self._details(dispatcher, turn, turn.entity("service_id"))
            return search.changed
        if search.topic not in TOPICS:
            dispatcher.utter_message(text=turn.t("inform.noted_choose_topic"),
                                     buttons=await menus.topic_buttons(turn))
            return search.changed
        if request == "more":
            search.set_page(search.page + 1)
        elif request == "district" and search.district is None:
            dispatcher.utter_message(text=turn.t("refine.district"))
            return search.changed
        else:
            search.set_page(0)
        await show_results(dispatcher, turn, search, orientation=False)
        return search.changed

    async def _details(self, dispatcher, turn, service_id: str | None) -> None:
        found = None
        if service_id:
            try:
                found = await catalog_client.service(str(service_id),
                                                     i18n.variant(turn.language, turn.easy))
            except catalog_client.CatalogUnavailable:
                dispatcher.utter_message(text=turn.t("error.catalog"))
                return
        if not found:
            dispatcher.utter_message(text=turn.t("results.not_found"))
            return
        send_card(dispatcher, found, turn, details=True)
