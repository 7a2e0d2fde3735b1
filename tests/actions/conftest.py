"""Action tests: real actions on `Tracker.from_dict` fixtures, with a real seeded catalogue."""
from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from tests.conftest import ROOT


@pytest.fixture(scope="session")
def catalog_url(tmp_path_factory) -> str:
    """A freshly seeded SQLite catalogue that the actions' client uses for this run."""
    url = f"sqlite:///{tmp_path_factory.mktemp('actions') / 'catalog.db'}"
    env = {**os.environ, "CATALOG_DATABASE_URL": url}
    subprocess.run([sys.executable, "-m", "services_catalog", "init"], cwd=ROOT, env=env,
                   check=True, capture_output=True)
    return url


@pytest.fixture(autouse=True)
def use_catalog(catalog_url, monkeypatch):
    from actions import catalog_client

    monkeypatch.setenv("CATALOG_DATABASE_URL", catalog_url)
    catalog_client._engine.cache_clear()
    yield
    catalog_client._engine.cache_clear()


def make_tracker(text: str = "", intent: str | None = None, language: str | None = None,
                 confidence: float = 0.99, reliable: bool = True,
                 entities: list[dict[str, Any]] | None = None,
                 slots: dict[str, Any] | None = None, ranking: list[dict] | None = None,
                 sender_id: str = "web.test.conversation",
                 metadata: dict[str, Any] | None = None) -> Tracker:
    """A tracker whose latest message is `text`, as Rasa would send it to the action server."""
    ents = list(entities or [])
    if language:
        ents.append({"entity": "language", "value": language, "confidence_entity": confidence,
                     "reliable": reliable, "start": 0, "end": len(text)})
    return Tracker.from_dict({
        "sender_id": sender_id,
        "slots": {"easy_language": False, "page": 0.0, "fallback_stage": 0.0, **(slots or {})},
        "latest_message": {"text": text, "intent": {"name": intent, "confidence": 0.9},
                           "entities": ents, "intent_ranking": ranking or [],
                           "metadata": metadata or {}},
        "events": [], "paused": False, "followup_action": None, "active_loop": {},
        "latest_action_name": "action_listen",
    })


@pytest.fixture
def run_action() -> Callable:
    async def _run(action, tracker: Tracker) -> tuple[list[dict], list[dict]]:
        dispatcher = CollectingDispatcher()
        events = await action.run(dispatcher, tracker, {})
        return dispatcher.messages, events
    return _run


def texts(messages: list[dict]) -> list[str]:
    return [m["text"] for m in messages if m.get("text")]


def cards(messages: list[dict]) -> list[dict]:
    return [m["custom"]["card"] for m in messages
            if (m.get("custom") or {}).get("type") == "service_card"]


def slot_events(events: list[dict]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
