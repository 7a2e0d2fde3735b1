"""Reading the German source texts: opening hours, phones, dates, topics (no database)."""
from __future__ import annotations

import datetime as dt

import pytest

from services_catalog.mapping import last_verified, map_topics, split_phones, valid_phone
from services_catalog.schedules import BERLIN, is_open, parse_opening_hours
from services_catalog.textnorm import edit_distance, normalize, tokens


def _rows(text: str) -> list[tuple]:
    return [(s.freq, s.byday, s.opens_at, s.closes_at) for s in parse_opening_hours(text)]


@pytest.mark.parametrize("text, expected", [
    ("montags bis freitags 8–12 Uhr, donnerstags auch 15–18 Uhr",
     [("WEEKLY", "MO,TU,WE,TH,FR", "08:00", "12:00"), ("WEEKLY", "TH", "15:00", "18:00")]),
    ("Hotline: Montag–Donnerstag 8–16 Uhr, Freitag 8–13 Uhr",
     [("WEEKLY", "MO,TU,WE,TH", "08:00", "16:00"), ("WEEKLY", "FR", "08:00", "13:00")]),
    ("Anmeldung (2. Hj. 2022): Mo, Mi 8–16.30 Uhr, Do 13.30–16.30 Uhr",
     [("WEEKLY", "MO,WE", "08:00", "16:30"), ("WEEKLY", "TH", "13:30", "16:30")]),
    ("jeden letzten Donnerstag im Monat, 16–18 Uhr", [("MONTHLY", "-1TH", "16:00", "18:00")]),
    ("rund um die Uhr, an 365 Tagen", [("WEEKLY", "MO,TU,WE,TH,FR,SA,SU", "00:00", "24:00")]),
    ("mittwochs 15–17 Uhr bei der Caritas (Josefstr. 2); montags und donnerstags 10–12 Uhr bei "
     "der GGUA (Hafenstr. 3–5)",
     [("WEEKLY", "WE", "15:00", "17:00"), ("WEEKLY", "MO,TH", "10:00", "12:00")]),
    # Not readable as a timetable: nothing is invented.
    ("9.30–18 Uhr, samstags bis 13 Uhr (älterer Stand)", []),
    ("Termine werden jeweils am letzten Mittwoch im Monat freigegeben", []),
    ("zweimal wöchentlich offene Sprechstunden (Zeiten hängen an den Einrichtungen aus)", []),
    (None, []),
])
def test_opening_hours(text, expected):
    assert _rows(text) == expected


def test_notes_are_kept():
    (cafe,) = parse_opening_hours("donnerstags 9–11 Uhr, nicht in den Schulferien")
    assert cafe.notes == "not in school holidays"
    assert "Schulferien" in cafe.description
    (monthly,) = parse_opening_hours("jeden letzten Donnerstag im Monat, 16–18 Uhr")
    assert monthly.notes == "last Thursday of the month"


def test_is_open_across_dst_and_timezones():
    rows = [{"freq": "WEEKLY", "byday": "MO", "opens_at": "08:00", "closes_at": "12:00"}]
    # 07:30 UTC on a summer Monday is 09:30 in Münster (CEST).
    assert is_open(rows, dt.datetime(2028, 7, 3, 7, 30, tzinfo=dt.timezone.utc)) is True
    # 07:30 UTC on a winter Monday is 08:30 (CET); 11:30 UTC is 12:30, closed.
    assert is_open(rows, dt.datetime(2028, 1, 3, 11, 30, tzinfo=dt.timezone.utc)) is False
    assert is_open([], dt.datetime(2028, 1, 3, 9, tzinfo=BERLIN)) is None


@pytest.mark.parametrize("text, expected", [
    ("0251 / 492-3636 (Hotline)", [("0251 / 492-3636", "Hotline")]),
    ("0251 / 30335 oder 0251 / 30334", [("0251 / 30335", None), ("0251 / 30334", None)]),
    ("0251 / 492-5108 (Familienbüro); 492-5135 (Kindergartenplatzbörse)",
     [("0251 / 492-5108", "Familienbüro"), ("492-5135", "Kindergartenplatzbörse")]),
])
def test_phones(text, expected):
    assert split_phones(text) == expected
    assert all(valid_phone(number) for number, _ in expected)


@pytest.mark.parametrize("number", ["call me", "12", "0251 x 12", ""])
def test_invalid_phone(number):
    assert not valid_phone(number)


@pytest.mark.parametrize("text, expected", [
    ("2026-02-04", dt.date(2026, 2, 4)),
    ("nach 27.06.2024", dt.date(2024, 6, 27)),
    ("2019-05 (Beschreibung); 2008 lag die GGUA noch in der Südstraße 46", dt.date(2019, 5, 1)),
    ("2017 (Lernhaus); 2025 (Kulturmittler-Qualifizierung)", dt.date(2025, 1, 1)),
    ("unbekannt (ältere Pressemitteilungen)", dt.date(2026, 11, 1)),
    (None, dt.date(2026, 11, 1)),
])
def test_last_verified(text, expected):
    assert last_verified(text) == expected


def test_topic_mapping_examples():
    assert {"legal_advice", "residence_permit"} <= set(map_topics(
        ["legal_residence", "asylum"], "Ausländerbehörde (Bereich Aufenthaltsrecht)"))
    assert "naturalisation" in map_topics(["legal_residence"], "Einbürgerungsbehörde")
    assert {"health", "no_insurance"} <= set(map_topics(
        ["health"], "Malteser Medizin für Menschen ohne Krankenversicherung"))
    assert {"language_course", "integration_course", "german_course"} <= set(map_topics(
        ["language_course"], "Volkshochschule Münster – Deutsch als Fremdsprache"))
    # a word in passing does not pull in another topic
    assert "language_course" not in map_topics(["health"], "Beratung auf Deutsch")
    with pytest.raises(ValueError, match="^topic"):
        map_topics(["astrology"], "")


def test_normalisation_meets_across_spellings():
    assert normalize("Ausländerbehörde") == normalize("AUSLAENDERBEHOERDE")
    assert tokens("مَرْحَبًا") == tokens("مرحبا")
    assert tokens("ی") == tokens("ي")
    assert edit_distance("auslanderbehorde", "auslaenderbehoerde") == 2
