"""`delete_my_data`: the conversation is deleted and the user is told so.

The deletion itself happens in the gateway once this turn is saved (see bot/privacy.py: deleting
rows while Rasa still holds the tracker would make Rasa write the whole history back). The
`conversation_deleted` event in the reply tells the gateway, and the web widget, to do it.
"""
from __future__ import annotations

from rasa_sdk.events import Restarted

from actions.base import BotAction


class ActionDeleteMyData(BotAction):
    action_name = "action_delete_my_data"

    async def respond(self, dispatcher, tracker, turn):
        dispatcher.utter_message(text=turn.t("privacy.deleted"),
                                 custom={"event": "conversation_deleted"})
        return [Restarted()]
