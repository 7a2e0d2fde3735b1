"""`request_human`: how to reach a counsellor, and a stored handoff request for the staff view.

The request holds the conversation id, language, topic and time, never message text. If it
cannot be stored the user is told so, with the phone numbers, instead of being dropped silently.
"""
from __future__ import annotations

import asyncio

from actions import catalog_client
from actions.base import BotAction
from actions.cards import send_card
from bot import i18n
from services_catalog import handoff
from services_catalog.db import session_scope


def _store(conversation_id: str, language: str, topic: str | None) -> None:
    with session_scope(catalog_client._engine()) as session:
        handoff.create_handoff(session, conversation_id, language, topic)


class ActionHandoff(BotAction):
    action_name = "action_handoff"

    async def respond(self, dispatcher, tracker, turn):
        topic = tracker.get_slot("topic") or "legal_advice"
        try:
            await asyncio.to_thread(_store, tracker.sender_id, turn.language, topic)
            dispatcher.utter_message(text=turn.t("handoff.stored"))
        except Exception:  # noqa: BLE001 - any storage failure must still reach the user
            dispatcher.utter_message(text=turn.t("handoff.not_stored"))
        try:
            _, items = await catalog_client.find_services(
                topic=topic if topic != "emergency" else "legal_advice",
                lang=i18n.variant(turn.language, turn.easy), limit=10)
        except catalog_client.CatalogUnavailable:
            items = []
        reachable = [i for i in items if i.get("phones") or i.get("opening_hours_text")][:3]
        if reachable:
            dispatcher.utter_message(text=turn.t("handoff.services"))
        for item in reachable:
            send_card(dispatcher, item, turn)
        return []
