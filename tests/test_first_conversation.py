"""The path gateway → Rasa → action → catalogue, through the real stack started by the launcher.

"Ich suche einen Deutschkurs" and "I am looking for a German course" are answered in the same
language with real language-course services read from the catalogue.
"""
from __future__ import annotations

import pytest

from bot import i18n
from services_catalog.db import make_engine, session_scope
from services_catalog.search import SearchQuery, search

pytestmark = pytest.mark.stack


def course_service_ids(stack) -> set[str]:
    engine = make_engine(stack.env["CATALOG_DATABASE_URL"])
    with session_scope(engine) as session:
        result = search(session, SearchQuery(topic="language_course", limit=100))
    engine.dispose()
    return {item["id"] for item in result.items}


def cards(answer: dict) -> list[dict]:
    return [r["custom"]["card"] for r in answer["replies"]
            if (r.get("custom") or {}).get("type") == "service_card"]


@pytest.mark.parametrize("text, language", [
    ("Ich suche einen Deutschkurs", "de"),
    ("I am looking for a German course", "en"),
])
def test_course_request_is_answered_in_its_language_with_real_services(stack, text, language):
    answer = stack.chat(text)
    texts = [r.get("text") for r in answer["replies"]]
    assert i18n.t("topic.language_course.orientation", language) in texts
    found = cards(answer)
    assert found, answer
    assert {c["id"] for c in found} <= course_service_ids(stack)
    assert answer["conversation_id"].startswith("web.")
    assert answer.get("language") == language
