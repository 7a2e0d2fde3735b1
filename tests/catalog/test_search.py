"""Search behaviour on the seeded Münster catalogue (SQLite and PostgreSQL)."""
from __future__ import annotations

import datetime as dt

import pytest

from services_catalog.schedules import BERLIN
from services_catalog.search import (
    SearchQuery,
    get_service,
    list_districts,
    list_topics,
    resolve_district,
    search,
)
from services_catalog.taxonomy import TOPICS

CONTRACT_KEYS = {"id", "name", "organization", "description", "description_lang", "topics",
                 "languages", "locations", "phones", "email", "url", "schedules",
                 "opening_hours_text", "cost", "eligibility", "source_url", "last_verified"}
# Thursday 16 Nov 2028, 16:30 in Münster; the 30th is the month's last Thursday.
THURSDAY_AFTERNOON = dt.datetime(2028, 11, 16, 16, 30, tzinfo=BERLIN)
LAST_THURSDAY = dt.datetime(2028, 11, 30, 16, 30, tzinfo=BERLIN)
SUNDAY_NIGHT = dt.datetime(2028, 11, 19, 3, 0, tzinfo=BERLIN)


def ids(result) -> list[str]:
    return [item["id"] for item in result.items]


@pytest.mark.parametrize("topic", TOPICS)
def test_every_topic_finds_a_service(session, topic):
    result = search(session, SearchQuery(topic=topic))
    assert result.total >= 1
    assert all(f"topic:{topic}" in item["match_reasons"] for item in result.items)


def test_item_shape_is_the_contract_plus_reasons(session):
    item = search(session, SearchQuery(topic="legal_advice")).items[0]
    assert set(item) == CONTRACT_KEYS | {"match_reasons", "open_now"}
    assert set(item["organization"]) == {"id", "name", "url"}
    assert set(item["eligibility"]) == {"min_age", "max_age", "residence_status", "description"}
    for location in item["locations"]:
        assert set(location) == {"address_1", "postal_code", "city", "district"}
    assert item["source_url"] and item["last_verified"]


def test_done_when_query_legal_advice_arabic_coerde(session):
    result = search(session, SearchQuery(topic="legal_advice", language="ar",
                                         district="Coerde"))
    assert result.total >= 3
    first = result.items[0]
    assert first["id"] == "migrationsberatung-fuer-erwachsene-mbe-beim-drk-muenster"
    assert "district:same_stadtteil" in first["match_reasons"]
    assert "auslaenderbehoerde-bereich-aufenthaltsrecht" in ids(result)
    assert all(item["source_url"].startswith("http") for item in result.items)


def test_district_ranking_stadtteil_then_bezirk_then_citywide(session):
    result = search(session, SearchQuery(topic="family_youth", district="Coerde", limit=100))
    relations = [next((r for r in i["match_reasons"] if r.startswith("district:")), "other")
                 for i in result.items]
    order = {"district:same_stadtteil": 0, "district:same_stadtbezirk": 1,
             "district:citywide": 2, "other": 3}
    # Within one topic weight, the district relation must never go backwards.
    weights = [0 if i["topics"][0] == "family_youth" else 1 for i in result.items]
    for w in set(weights):
        seen = [order[r] for r, ww in zip(relations, weights, strict=True) if ww == w]
        assert seen == sorted(seen)
    # Services elsewhere are ranked down, not hidden; city-wide ones always stay.
    no_district = search(session, SearchQuery(topic="family_youth", limit=100)).total
    assert result.total == no_district


def test_same_stadtbezirk(session):
    result = search(session, SearchQuery(topic="work", district="Kinderhaus", limit=100))
    assert result.items[0]["id"].startswith("caritas-schuldnerberatung")
    assert "district:same_stadtteil" in result.items[0]["match_reasons"]
    coerde = search(session, SearchQuery(topic="work", district="Coerde", limit=100))
    reasons = {i["id"]: i["match_reasons"] for i in coerde.items}
    assert "district:same_stadtbezirk" in reasons[
        "caritas-schuldnerberatung-beratung-zur-existenzsicherung-kin"]


@pytest.mark.parametrize("name", ["Coerde", "coerde", "Muenster-Coerde", "Münster-Coerde",
                                  "Cörde", "Koerde", " COERDE "])
def test_resolve_district_is_tolerant(name):
    record = resolve_district(name)
    assert record is not None and record.id == "coerde" and record.stadtbezirk == "Nord"


def test_resolve_district_aliases_and_bezirke():
    assert resolve_district("Sandrup").id == "sprakel"
    assert resolve_district("St. Mauritz").stadtbezirk == "Ost"
    assert resolve_district("Süd-Ost").kind == "stadtbezirk"
    assert resolve_district("Hiltrup").kind == "stadtteil"
    assert resolve_district("Atlantis") is None


@pytest.mark.parametrize("q, expected", [
    ("Ausländerbehörde", "auslaenderbehoerde-bereich-aufenthaltsrecht"),
    ("auslaenderbehoerde", "auslaenderbehoerde-bereich-aufenthaltsrecht"),
    ("Auslanderbehorde", "auslaenderbehoerde-bereich-aufenthaltsrecht"),
    ("Ausländerbehröde", "auslaenderbehoerde-bereich-aufenthaltsrecht"),
    ("Einbürgerung", "einbuergerungs-und-staatsangehoerigkeitsbehoerde"),
    ("Malteser", "malteser-medizin-fuer-menschen-ohne-krankenversicherung-malt"),
    ("Frauenhaus Wolbeck", "frauenhaus-wolbeck-verein-frauenhaus-und-beratung"),
    ("Jobcenter", "jobcenter-muenster"),
    ("Volkshochschule", "volkshochschule-muenster-deutsch-als-fremdsprache"),
    ("116117", "aerztlicher-bereitschaftsdienst-116117"),
])
def test_free_text_german_names_typos(session, q, expected):
    result = search(session, SearchQuery(q=q))
    assert expected in ids(result)[:3], ids(result)
    assert any(r.startswith("text:") for r in result.items[0]["match_reasons"])


def test_text_reason_uses_the_typed_word(session):
    result = search(session, SearchQuery(q="Ausländerbehörde"))
    assert "text:ausländerbehörde" in result.items[0]["match_reasons"]


def test_compound_part_matches(session):
    result = search(session, SearchQuery(q="behörde"))
    assert "auslaenderbehoerde-bereich-aufenthaltsrecht" in ids(result)


def test_nonsense_text_finds_nothing(session):
    assert search(session, SearchQuery(q="xqzvwj")).total == 0


def test_topic_and_text_combine(session):
    result = search(session, SearchQuery(topic="health", q="ohne Krankenversicherung"))
    assert ids(result)[0] in {"malteser-medizin-fuer-menschen-ohne-krankenversicherung-malt",
                              "clearingstelle-klar-fuer-gesundheit-beratung-fuer-menschen-o"}


def test_term_filter(session):
    result = search(session, SearchQuery(term="naturalisation"))
    assert ids(result) == ["einbuergerungs-und-staatsangehoerigkeitsbehoerde"]
    assert "term:naturalisation" in result.items[0]["match_reasons"]
    vhs = search(session, SearchQuery(term="integration_course"))
    assert "volkshochschule-muenster-deutsch-als-fremdsprache" in ids(vhs)
    assert "malteser-medizin-fuer-menschen-ohne-krankenversicherung-malt" in ids(
        search(session, SearchQuery(term="no_insurance")))


def test_language_filter_keeps_undocumented_and_ranks_documented_first(session):
    result = search(session, SearchQuery(topic="family_youth", language="en", limit=100))
    assert result.items[0]["id"].startswith("gewaltschutz-in-muenster")
    assert "language:en" in result.items[0]["match_reasons"]
    # documented as German/English only: not offered in Arabic
    arabic = search(session, SearchQuery(topic="family_youth", language="ar", limit=100))
    assert not any(i["id"].startswith("gewaltschutz-in-muenster") for i in arabic.items)
    assert arabic.total == result.total - 1


def test_age_filter(session):
    young = ids(search(session, SearchQuery(age=14, limit=100)))
    assert "jugendmigrationsdienst-muenster-warendorf" in young
    assert "migrationsberatung-fuer-erwachsene-beratungs-und-bildungscen" not in young
    assert "jobcenter-muenster" not in young
    old = ids(search(session, SearchQuery(age=40, limit=100)))
    assert "migrationsberatung-fuer-erwachsene-beratungs-und-bildungscen" in old
    assert "jugendmigrationsdienst-muenster-warendorf" not in old
    assert "ggua-beratung-zur-freiwilligen-rueckkehr-perspektivberatung" in old  # no limits


def test_status_filter(session):
    eu = ids(search(session, SearchQuery(status="eu_citizen", limit=100)))
    assert "europa-bruecke-muenster-beratung-fuer-neuzugewanderte-eu-bue" in eu
    tolerated = ids(search(session, SearchQuery(status="tolerated", limit=100)))
    assert "europa-bruecke-muenster-beratung-fuer-neuzugewanderte-eu-bue" not in tolerated
    assert "einbuergerungs-und-staatsangehoerigkeitsbehoerde" in tolerated
    citizen = ids(search(session, SearchQuery(status="german_citizen", limit=100)))
    assert "einbuergerungs-und-staatsangehoerigkeitsbehoerde" not in citizen
    assert search(session, SearchQuery(status="unknown", limit=100)).total == \
        search(session, SearchQuery(limit=100)).total


def test_free_filter(session):
    result = search(session, SearchQuery(free=True, limit=100))
    found = set(ids(result))
    assert {"notruf-110-polizei", "malteser-medizin-fuer-menschen-ohne-krankenversicherung-malt",
            "telefonseelsorge-muenster"} <= found
    assert "einbuergerungs-und-staatsangehoerigkeitsbehoerde" not in found
    assert all(i["cost"]["free"] and "free" in i["match_reasons"] for i in result.items)


def test_open_now_weekly(session):
    result = search(session, SearchQuery(open_now=True, now=THURSDAY_AFTERNOON, limit=100))
    found = set(ids(result))
    assert "auslaenderbehoerde-bereich-aufenthaltsrecht" in found  # Thu 15-18
    assert "notruf-110-polizei" in found
    assert "malteser-medizin-fuer-menschen-ohne-krankenversicherung-malt" not in found  # Tue
    assert all(i["open_now"] is True for i in result.items)
    night = ids(search(session, SearchQuery(open_now=True, now=SUNDAY_NIGHT, limit=100)))
    assert "auslaenderbehoerde-bereich-aufenthaltsrecht" not in night
    assert "telefonseelsorge-muenster" in night


def test_open_now_last_thursday_of_month(session):
    depression = "beratung-des-muensteraner-buendnisses-gegen-depression"
    assert depression in ids(search(session, SearchQuery(open_now=True, now=LAST_THURSDAY,
                                                         limit=100)))
    assert depression not in ids(search(session, SearchQuery(open_now=True,
                                                             now=THURSDAY_AFTERNOON,
                                                             limit=100)))


def test_open_now_is_none_without_schedule_and_with_holiday_exception(session):
    item = get_service(session, "ggua-beratung-zur-freiwilligen-rueckkehr-perspektivberatung")
    assert item["open_now"] is None and item["schedules"] == []
    cafe = get_service(session, "frauencafe-angelmodde",
                       now=dt.datetime(2028, 11, 16, 10, 0, tzinfo=BERLIN))
    assert cafe["open_now"] is None  # Thursday 9-11, but not in school holidays
    assert "Schulferien" in cafe["schedules"][0]["description"]


def test_limit_offset_total(session):
    first = search(session, SearchQuery(limit=5))
    second = search(session, SearchQuery(limit=5, offset=5))
    assert first.total == second.total == 53
    assert not set(ids(first)) & set(ids(second))
    beyond = search(session, SearchQuery(limit=5, offset=500))
    assert beyond.total == 53 and beyond.items == []


@pytest.mark.parametrize("kwargs, parameter", [
    ({"topic": "astrology"}, "topic"),
    ({"term": "astrology"}, "term"),
    ({"age": -1}, "age"),
    ({"limit": 0}, "limit"),
    ({"limit": 101}, "limit"),
    ({"offset": -3}, "offset"),
    ({"lang": "xx"}, "lang"),
    ({"language": "de_easy"}, "language"),
    ({"status": "citizen"}, "status"),
    ({"district": "Atlantis"}, "district"),
])
def test_invalid_parameters_raise_value_error_naming_them(session, kwargs, parameter):
    with pytest.raises(ValueError) as error:
        search(session, SearchQuery(**kwargs))
    assert str(error.value).startswith(parameter)


def test_lang_falls_back_to_german_and_reports_it(session):
    item = get_service(session, "jobcenter-muenster", lang="ti")
    assert item["description_lang"] in {"ti", "de"}
    assert item["description"]
    easy = get_service(session, "jobcenter-muenster", lang="de_easy")
    assert easy["description_lang"] in {"de_easy", "de"}


def test_nulls_stay_null(session):
    item = get_service(session, "ggua-fluechtlingshilfe-soziale-und-aufenthaltsrechtliche-ber")
    assert item["phones"] == [] and item["email"] is None and item["schedules"] == []
    assert item["locations"] == [{"address_1": "Hafenstr. 3–5", "postal_code": None,
                                  "city": "Münster", "district": None}]
    assert get_service(session, "no-such-service") is None


def test_list_topics_and_districts(session):
    topics = list_topics(session, "en")
    assert [t["id"] for t in topics] == list(TOPICS)
    assert all(t["service_count"] >= 1 and t["label"] for t in topics)
    districts = list_districts(session)
    coerde = next(d for d in districts if d["id"] == "coerde")
    assert coerde["stadtbezirk"] == "Nord"
    assert {d["id"] for d in districts if d["kind"] == "stadtbezirk"} >= {"stadtbezirk-nord"}


def test_taxonomy_labels_make_everyday_words_find_services(session):
    """'Kita' is no word of the Familienbüro's text, but the label of its term daycare."""
    result = search(session, SearchQuery(q="Kita", limit=20))
    assert "familienbuero-des-jugendamtes" in ids(result)
    item = next(i for i in result.items if i["id"] == "familienbuero-des-jugendamtes")
    assert "term:daycare" in item["match_reasons"]


@pytest.mark.parametrize("q, lang, expected", [
    ("الحضانة", "ar", "familienbuero-des-jugendamtes"),            # Arabic: daycare label
    ("Притулок", "uk", "ggua-fluechtlingshilfe-soziale-und-aufenthaltsrechtliche-ber"),
    ("naturalisation", "en", "einbuergerungs-und-staatsangehoerigkeitsbehoerde"),
    ("sans assurance maladie", "fr",
     "malteser-medizin-fuer-menschen-ohne-krankenversicherung-malt"),
    ("Frauenhaus", "de_easy", "frauenhaus-wolbeck-verein-frauenhaus-und-beratung"),
])
def test_free_text_in_other_languages(session, q, lang, expected):
    result = search(session, SearchQuery(q=q, lang=lang, limit=20))
    assert expected in ids(result), (q, ids(result))


def test_texts_come_in_the_requested_language(session):
    item = get_service(session, "jobcenter-muenster", lang="ar")
    assert item["description_lang"] == "ar"
    assert any("\u0600" <= ch <= "\u06ff" for ch in item["description"])
    german = get_service(session, "jobcenter-muenster", lang="de")
    assert german["description_lang"] == "de"
    easy = get_service(session, "jobcenter-muenster", lang="de_easy")
    assert easy["description_lang"] == "de_easy" and easy["description"] != german["description"]
    assert search(session, SearchQuery(topic="work", lang="ti")).items[0][
        "description_lang"] == "ti"


def test_topic_labels_in_every_language(session):
    for lang in ("ar", "ti", "de_easy"):
        topics = list_topics(session, lang)
        assert all(t["label_lang"] == lang for t in topics)
        assert all(term["label_lang"] == lang for t in topics for term in t["terms"])


def test_several_words_need_all_of_them_unless_none_has_all(session):
    both = search(session, SearchQuery(q="Frauenhaus Wolbeck", limit=100))
    assert ids(both)[0] == "frauenhaus-wolbeck-verein-frauenhaus-und-beratung"
    assert all({"text:frauenhaus", "text:wolbeck"} <= set(i["match_reasons"])
               for i in both.items)
    assert both.total < search(session, SearchQuery(q="Frauenhaus", limit=100)).total
    either = ids(search(session, SearchQuery(q="Malteser Jobcenter", limit=100)))
    assert {"jobcenter-muenster",
            "malteser-medizin-fuer-menschen-ohne-krankenversicherung-malt"} <= set(either)
