"""Emergency first, in any language and in the middle of any other flow.

The nationwide numbers come first as text (they must show even if the catalogue is down), then
the crisis and protection services from the catalogue, then the offer to go on.
"""
from __future__ import annotations

from rasa_sdk.events import SlotSet

from actions import catalog_client
from actions.base import BotAction, payload
from actions.cards import send_card
from bot import i18n


class ActionEmergency(BotAction):
    action_name = "action_emergency"

    async def respond(self, dispatcher, tracker, turn):
        dispatcher.utter_message(text=turn.t("emergency.numbers"))
        try:
            _, items = await catalog_client.find_services(
                topic="emergency", lang=i18n.variant(turn.language, turn.easy), limit=10)
        except catalog_client.CatalogUnavailable:
            items = []
        # The nationwide numbers are already in the text above; show the local services.
        for item in [i for i in items if not i["id"].startswith(("notruf-", "hilfetelefon-",
                                                                   "aerztlicher-"))][:4]:
            send_card(dispatcher, item, turn)
        dispatcher.utter_message(
            text=turn.t("emergency.continue"),
            buttons=[{"title": turn.t("button.other_topic"), "payload": payload("help")},
                     {"title": turn.t("button.person"), "payload": payload("request_human")}])
        return [SlotSet("fallback_stage", 0.0)]
