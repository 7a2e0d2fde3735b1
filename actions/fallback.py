"""When the bot is unsure: first the two likeliest topics, then the topic menu and a person."""
from __future__ import annotations

from rasa_sdk.events import SlotSet

from actions import menus
from actions.base import BotAction, payload
from services_catalog.taxonomy import TOPICS


class ActionFallback(BotAction):
    action_name = "action_fallback"

    async def respond(self, dispatcher, tracker, turn):
        stage = int(tracker.get_slot("fallback_stage") or 0)
        ranking = (tracker.latest_message or {}).get("intent_ranking") or []
        likely = [r["name"] for r in ranking if r.get("name") in TOPICS][:2]
        if stage == 0 and likely:
            labels = await menus.topic_labels(turn)
            buttons = [{"title": labels.get(t, t), "payload": payload(t)} for t in likely]
            buttons.append({"title": turn.t("button.something_else"), "payload": payload("help")})
            dispatcher.utter_message(text=turn.t("fallback.did_you_mean"), buttons=buttons)
            return [SlotSet("fallback_stage", 1.0)]
        dispatcher.utter_message(text=turn.t("fallback.menu"),
                                 buttons=[*await menus.topic_buttons(turn),
                                          {"title": turn.t("button.person"),
                                           "payload": payload("request_human")}])
        return [SlotSet("fallback_stage", 0.0)]
