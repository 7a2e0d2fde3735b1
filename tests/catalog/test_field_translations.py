"""Eligibility, opening-hours and cost texts are translated wherever the source states them."""
from __future__ import annotations

import pytest

from services_catalog.db import make_engine, session_scope
from services_catalog.ids import slugify
from services_catalog.init_db import init_catalog
from services_catalog.languages import TEXT_LANGUAGES
from services_catalog.search import get_service
from services_catalog.seed_files import FIELD_KEYS, load_field_texts, load_services

VARIANTS = sorted(set(TEXT_LANGUAGES) - {"de"})


def test_every_stated_fact_has_every_translation():
    texts = load_field_texts()
    missing = []
    for record in load_services():
        sid = slugify(record["name"])
        for field in FIELD_KEYS:
            if record.get(field):
                have = texts.get(sid, {}).get(field, {})
                missing += [f"{sid}.{field}.{v}" for v in VARIANTS if not have.get(v)]
    assert missing == []


def test_no_translation_of_a_fact_the_source_does_not_state():
    by_id = {slugify(r["name"]): r for r in load_services()}
    for sid, fields in load_field_texts().items():
        if sid in by_id:
            assert all(by_id[sid].get(field) for field in fields), sid


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('fields') / 'catalog.db'}")
    init_catalog(engine)
    yield engine
    engine.dispose()


def test_opening_hours_come_in_the_requested_language(engine):
    office = "auslaenderbehoerde-bereich-aufenthaltsrecht"
    with session_scope(engine) as session:
        german = get_service(session, office, "de")["opening_hours_text"]
        arabic = get_service(session, office, "ar")["opening_hours_text"]
    assert german.startswith("montags")
    assert arabic != german and any("\u0600" <= ch <= "\u06ff" for ch in arabic)
