"""HSDS JSON and tabular export/import: round trip and all-or-nothing refusal of bad files."""
from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from services_catalog import hsds
from services_catalog import models as m
from services_catalog.db import session_scope
from services_catalog.hsds import CatalogImportError, export_path, import_path
from services_catalog.search import SearchQuery, search
from services_catalog.taxonomy import TOPICS

QUERIES = [
    *(SearchQuery(topic=t, limit=100) for t in TOPICS),
    SearchQuery(topic="legal_advice", language="ar", district="Coerde"),
    SearchQuery(q="Ausländerbehörde"), SearchQuery(q="Auslanderbehorde"),
    SearchQuery(q="Frauenhaus", lang="en"), SearchQuery(free=True, limit=100),
    SearchQuery(age=14, status="tolerated", limit=100), SearchQuery(term="no_insurance"),
    SearchQuery(limit=100, lang="ar"),
]


@pytest.fixture(scope="module")
def exported(seeded_engine, tmp_path_factory) -> dict[str, Path]:
    directory = tmp_path_factory.mktemp("export")
    with session_scope(seeded_engine) as session:
        export_path(session, directory / "catalog.json")
        export_path(session, directory / "tabular")
    return {"json": directory / "catalog.json", "tabular": directory / "tabular"}


def _results(engine) -> list:
    with session_scope(engine) as session:
        return [(r.total, r.items) for r in (search(session, q) for q in QUERIES)]


def _service_count(engine) -> int:
    with session_scope(engine) as session:
        return session.execute(select(func.count()).select_from(m.Service)).scalar_one()


@pytest.mark.parametrize("form", ["json", "tabular"])
def test_round_trip_gives_identical_search_results(seeded_engine, empty_engine, exported,
                                                   form):
    with session_scope(empty_engine) as session:
        assert import_path(session, exported[form]) == 53
    assert _results(empty_engine) == _results(seeded_engine)


def test_tabular_package_describes_every_file(exported):
    package = json.loads((exported["tabular"] / "datapackage.json").read_text("utf-8"))
    names = {r["name"] for r in package["resources"]}
    assert {"services", "organizations", "locations", "phones", "schedules",
            "attributes", "taxonomy_terms"} <= names
    for resource in package["resources"]:
        with (exported["tabular"] / resource["path"]).open(encoding="utf-8") as handle:
            header = next(csv.reader(handle))
        assert header == [f["name"] for f in resource["schema"]["fields"]]


def test_json_is_hsds_shaped(exported):
    document = json.loads(exported["json"].read_text("utf-8"))
    assert document["hsds_version"] == "3.0"
    service = next(s for s in document["services"]
                   if s["id"] == "auslaenderbehoerde-bereich-aufenthaltsrecht")
    assert service["phones"][0]["number"] == "0251 / 492-3636"
    assert service["service_at_locations"][0]["location"]["addresses"][0]["postal_code"] == \
        "48151"
    assert {a["taxonomy_term_id"] for a in service["attributes"]} >= {"legal_advice",
                                                                       "residence_permit"}


def _copy(exported: dict[str, Path], tmp_path: Path) -> Path:
    target = tmp_path / "package"
    shutil.copytree(exported["tabular"], target)
    return target


def _edit_csv(path: Path, edit) -> None:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    edit(rows)
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)


def _set(rows, column: str, value: str, row: int = 1) -> None:
    rows[row][rows[0].index(column)] = value


BAD_TABULAR = {
    "wrong column": (lambda d: _edit_csv(d / "phones.csv", lambda rows: (
        rows[0].append("colour"), [r.append("blue") for r in rows[1:]])),
        ["phones.csv header", "'colour'", "unknown column"]),
    "unknown topic": (lambda d: _edit_csv(d / "attributes.csv", lambda rows: _set(
        rows, "taxonomy_term_id", "astrology", 3)),
        ["attributes.csv row 3", "'taxonomy_term_id'", "astrology"]),
    "invalid phone": (lambda d: _edit_csv(d / "phones.csv", lambda rows: _set(
        rows, "number", "call me maybe", 2)),
        ["phones.csv row 2", "'number'", "not a telephone number"]),
    "broken encoding": (lambda d: (d / "services.csv").write_bytes(
        (d / "services.csv").read_bytes().replace("Münster".encode(), b"M\xfcnster", 1)),
        ["services.csv line", "broken encoding"]),
    "bad date": (lambda d: _edit_csv(d / "services.csv", lambda rows: _set(
        rows, "assured_date", "yesterday", 4)),
        ["services.csv row 4", "'assured_date'", "ISO date"]),
    "unknown district": (lambda d: _edit_csv(d / "service_areas.csv", lambda rows: _set(
        rows, "district_id", "atlantis", 1)),
        ["service_areas.csv row 1", "'district_id'", "atlantis"]),
}


@pytest.mark.parametrize("case", list(BAD_TABULAR))
def test_bad_tabular_file_is_refused_and_nothing_stored(empty_engine, exported, tmp_path,
                                                        case):
    with session_scope(empty_engine) as session:  # an existing catalogue must stay as it is
        import_path(session, exported["json"])
    before = _results(empty_engine)
    package = _copy(exported, tmp_path)
    damage, expected = BAD_TABULAR[case]
    damage(package)
    with pytest.raises(CatalogImportError) as error, session_scope(empty_engine) as session:
        import_path(session, package, replace=True)
    message = str(error.value)
    for fragment in expected:
        assert fragment in message, message
    assert _results(empty_engine) == before


def test_bad_json_names_the_path_and_nothing_stored(empty_engine, exported, tmp_path):
    document = json.loads(exported["json"].read_text("utf-8"))
    document["services"][2]["colour"] = "blue"
    document["services"][5]["phones"] = [{"id": "x", "number": "+49 call"}]
    document["services"][7]["attributes"].append({"id": "y", "taxonomy_term_id": "astrology"})
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(CatalogImportError) as error, session_scope(empty_engine) as session:
        import_path(session, bad)
    message = str(error.value)
    assert "bad.json: services[2], field 'colour': unknown field" in message
    assert "bad.json: services[5].phones[0], field 'number'" in message
    assert "bad.json: services[7].attributes[" in message and "astrology" in message
    assert _service_count(empty_engine) == 0


def test_failure_after_validation_rolls_back(empty_engine, exported, monkeypatch):
    def explode(_session):
        raise RuntimeError("disk full")

    monkeypatch.setattr(hsds, "rebuild_search_index", explode)
    with pytest.raises(RuntimeError), session_scope(empty_engine) as session:
        import_path(session, exported["json"])
    assert _service_count(empty_engine) == 0


def test_merge_import_replaces_same_ids_and_keeps_others(empty_engine, exported, tmp_path):
    with session_scope(empty_engine) as session:
        import_path(session, exported["json"])
    document = json.loads(exported["json"].read_text("utf-8"))
    jobcenter = next(s for s in document["services"] if s["id"] == "jobcenter-muenster")
    jobcenter["name"] = "Jobcenter Münster (neu)"
    for translation in jobcenter["translations"]:
        if translation["link_field"] == "name":
            translation["text"] = "Jobcenter Münster (neu)"
    one = tmp_path / "one.json"
    one.write_text(json.dumps({**document, "services": [jobcenter]}), encoding="utf-8")
    with session_scope(empty_engine) as session:
        assert import_path(session, one) == 1
    assert _service_count(empty_engine) == 53
    with session_scope(empty_engine) as session:
        result = search(session, SearchQuery(q="Jobcenter"))
        assert result.items[0]["name"] == "Jobcenter Münster (neu)"
