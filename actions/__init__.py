"""Rasa custom actions, one module per flow; `catalog_client` is the thin catalogue client."""
from actions import emergency, fallback, handoff, privacy, topics, welcome  # noqa: F401
