"""The seeded Münster catalogue keeps to its sources."""
from __future__ import annotations

import json

from sqlalchemy import func, select

from services_catalog import models as m
from services_catalog.emergency import EMERGENCY_SERVICES
from services_catalog.ids import slugify
from services_catalog.languages import TEXT_LANGUAGES
from services_catalog.search import get_service
from services_catalog.seed_files import DESCRIPTIONS_YML, SERVICES_JSON, TAXONOMY_LABELS_YML

RECORDS = json.loads(SERVICES_JSON.read_text(encoding="utf-8"))
EMERGENCY_IDS = {"notruf-110-polizei", "notruf-112-feuerwehr-rettungsdienst",
                 "hilfetelefon-gewalt-gegen-frauen-116016",
                 "aerztlicher-bereitschaftsdienst-116117"}


def test_every_source_record_and_emergency_number_is_in(session):
    stored = set(session.execute(select(m.Service.id)).scalars())
    assert {slugify(r["name"]) for r in RECORDS} | EMERGENCY_IDS == stored
    assert len(RECORDS) == 49 and len(stored) == 53


def test_no_contact_detail_is_invented(session):
    """Where a record has no phone / address / hours, the catalogue has none either."""
    for record in RECORDS:
        item = get_service(session, slugify(record["name"]))
        assert bool(item["phones"]) == bool(record["phone"]), record["name"]
        assert bool(record["street_address"]) == any(
            loc["address_1"] for loc in item["locations"]), record["name"]
        if not record["opening_hours"]:
            assert item["schedules"] == [] and item["opening_hours_text"] is None
        assert item["email"] == record["email"]
        for phone in item["phones"]:
            assert phone["number"] in record["phone"]
        assert item["source_url"] == record["source_url"]


def test_emergency_entries(session):
    for entry in EMERGENCY_SERVICES:
        item = get_service(session, entry["id"])
        assert "emergency" in item["topics"] and item["cost"]["free"] is True
        assert item["source_url"].startswith("https://")
    assert get_service(session, "notruf-110-polizei")["phones"][0]["number"] == "110"
    assert get_service(session, "hilfetelefon-gewalt-gegen-frauen-116016")["source_url"] == \
        "https://www.hilfetelefon.de/"
    bereitschaft = get_service(session, "aerztlicher-bereitschaftsdienst-116117")
    assert bereitschaft["schedules"] == []  # outside practice hours: no 24/7 timetable
    assert "Praxisöffnungszeiten" in bereitschaft["opening_hours_text"]
    assert len(get_service(session, "notruf-112-feuerwehr-rettungsdienst")["schedules"]) == 1


def test_finer_terms_from_the_german_text(session):
    def terms(sid: str) -> set[str]:
        return set(get_service(session, sid)["topics"])

    assert {"legal_advice", "residence_permit"} <= terms(
        "auslaenderbehoerde-bereich-aufenthaltsrecht")
    assert "naturalisation" in terms("einbuergerungs-und-staatsangehoerigkeitsbehoerde")
    assert {"health", "no_insurance"} <= terms(
        "malteser-medizin-fuer-menschen-ohne-krankenversicherung-malt")
    assert {"integration_course", "german_course"} <= terms(
        "volkshochschule-muenster-deutsch-als-fremdsprache")


def test_structured_opening_hours_and_districts(session):
    office = get_service(session, "auslaenderbehoerde-bereich-aufenthaltsrecht")
    assert [(s["byday"], s["opens_at"], s["closes_at"]) for s in office["schedules"]] == [
        ("MO,TU,WE,TH,FR", "08:00", "12:00"), ("TH", "15:00", "18:00")]
    sozialdienst = get_service(session,
                               "sozialdienst-fuer-gefluechtete-in-kommunalen-uebergangseinri")
    assert [loc["district"] for loc in sozialdienst["locations"]] == ["Roxel", "Nienberge",
                                                                      "Rumphorst"]


def test_last_verified_and_source_date(session):
    mamba = get_service(session, "mamba-4u-wege-in-ausbildung-und-arbeit-fuer-gefluechtete")
    assert mamba["last_verified"] == "2026-02-04"
    undated = get_service(session, "ggua-beratung-zur-freiwilligen-rueckkehr-perspektivberatung")
    assert undated["last_verified"] == "2026-11-01"
    stored = session.execute(select(m.Service.source_date).where(
        m.Service.id == "ihk-nord-westfalen-anerkennung-auslaendischer-berufsabschlue")).scalar()
    assert stored == "Merkblatt undatiert"


def test_translations_and_review_flags(session):
    rows = session.execute(select(m.Translation.language, m.Translation.reviewed)
                           .where(m.Translation.link_type == "service",
                                  m.Translation.link_field == "description",
                                  m.Translation.link_id == "jobcenter-muenster")).all()
    flags = dict(rows)
    assert flags["de"] is True  # the source's own German text
    if DESCRIPTIONS_YML.exists():
        assert set(flags) == set(TEXT_LANGUAGES)
        assert not any(flags[lang] for lang in TEXT_LANGUAGES if lang != "de")
    if TAXONOMY_LABELS_YML.exists():
        count = session.execute(select(func.count()).select_from(m.Translation).where(
            m.Translation.link_type == "taxonomy_term")).scalar_one()
        assert count == 67 * len(TEXT_LANGUAGES)
