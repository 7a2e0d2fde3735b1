"""Greeting with the language choice, help, small talk and out-of-scope replies."""
from __future__ import annotations

from actions import menus
from actions.base import BotAction, payload


class ActionWelcome(BotAction):
    """Greets in the detected language and offers all 12 languages, each in its own script."""

    action_name = "action_welcome"

    async def respond(self, dispatcher, tracker, turn):
        dispatcher.utter_message(text=turn.t("welcome"), buttons=menus.language_buttons())
        dispatcher.utter_message(text=turn.t("help.text"), buttons=await menus.topic_buttons(turn))
        return []


class ActionSetLanguage(BotAction):
    """The language was chosen explicitly (button, '/ar', 'English please'): confirm it."""

    action_name = "action_set_language"

    async def respond(self, dispatcher, tracker, turn):
        dispatcher.utter_message(text=turn.t("language.confirm"))
        dispatcher.utter_message(text=turn.t("help.text"), buttons=await menus.topic_buttons(turn))
        return []


class ActionHelp(BotAction):
    """Two lines on what the bot can do, then the topic menu."""

    action_name = "action_help"

    async def respond(self, dispatcher, tracker, turn):
        dispatcher.utter_message(text=turn.t("help.text"), buttons=await menus.topic_buttons(turn))
        return []


class ActionSmalltalk(BotAction):
    """goodbye, thank, affirm, deny, bot_challenge: one short reply each."""

    action_name = "action_smalltalk"

    async def respond(self, dispatcher, tracker, turn):
        intent = turn.intent or "affirm"
        if intent in ("affirm", "deny"):
            dispatcher.utter_message(text=turn.t(f"smalltalk.{intent}"),
                                     buttons=await menus.topic_buttons(turn))
        elif intent == "bot_challenge":
            dispatcher.utter_message(
                text=turn.t("smalltalk.bot_challenge"),
                buttons=[{"title": turn.t("button.person"), "payload": payload("request_human")}])
        elif intent in ("goodbye", "thank"):
            dispatcher.utter_message(text=turn.t(f"smalltalk.{intent}"))
        else:
            dispatcher.utter_message(text=turn.t("help.text"),
                                     buttons=await menus.topic_buttons(turn))
        return []


class ActionOutOfScope(BotAction):
    action_name = "action_out_of_scope"

    async def respond(self, dispatcher, tracker, turn):
        dispatcher.utter_message(text=turn.t("out_of_scope"),
                                 buttons=await menus.topic_buttons(turn))
        return []
