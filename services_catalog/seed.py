"""Build the catalogue from the Münster source facts, the emergency numbers and the YAML texts.

Rows are built as plain dicts per table (``CatalogRows``) and inserted with Core executemany:
the same path serves the seed, the HSDS import and the benchmark's synthetic catalogues.
"""
from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from services_catalog import models as m
from services_catalog.districts import (
    DISTRICTS_JSON,
    DistrictRecord,
    all_districts,
    districts_in_text,
)
from services_catalog.emergency import EMERGENCY_SERVICES
from services_catalog.ids import slugify
from services_catalog.languages import (
    EASY_GERMAN,
    GERMAN_LANGUAGE_NAMES,
    SOURCE_LANGUAGE,
    TEXT_LANGUAGES,
)
from services_catalog.mapping import (
    ELIGIBILITY,
    first_postcode,
    is_free,
    last_verified,
    map_topics,
    split_addresses,
    split_phones,
)
from services_catalog.schedules import parse_opening_hours
from services_catalog.seed_files import (
    DESCRIPTIONS_YML,
    SERVICES_JSON,
    TAXONOMY_LABELS_YML,
    load_field_texts,
    load_services,
    load_translations,
)
from services_catalog.taxonomy import TERMS, TOPICS

log = logging.getLogger(__name__)

TAXONOMY_NAME = "muenster-newcomer"
CITY = "Münster"

#: Tables in an order that satisfies foreign keys on insert (reverse it to delete).
CATALOG_TABLES: tuple[type, ...] = (
    m.Organization, m.Service, m.Location, m.ServiceAtLocation, m.Phone, m.Schedule, m.Language,
    m.ServiceTaxonomy, m.Eligibility, m.CostOption, m.ServiceArea,
)


@dataclass
class CatalogRows:
    """Rows per table name, ready for ``insert()``; translations kept separately."""

    tables: dict[str, list[dict]] = field(
        default_factory=lambda: {t.__tablename__: [] for t in CATALOG_TABLES})
    translations: list[dict] = field(default_factory=list)

    def add(self, table: str, row: dict) -> None:
        self.tables[table].append(row)

    def translate(self, link_type: str, link_id: str, link_field: str, language: str,
                  text: str | None, reviewed: bool) -> None:
        if text:
            self.translations.append({
                "link_type": link_type, "link_id": link_id, "link_field": link_field,
                "language": language, "text": text, "reviewed": reviewed})


def _url(value: str | None) -> str | None:
    """Source websites are sometimes written without a scheme ("www.ggua.de")."""
    if not value:
        return None
    value = value.strip()
    return value if re.match(r"^https?://", value) else f"https://{value}"


def _first_url(source_url: str) -> str:
    return source_url.split(" | ")[0].strip()


def _languages(text: str | None) -> tuple[list[str], str | None]:
    """Language codes a source states the service itself is offered in, and the note text.

    Notes about websites or forms of an office ("Webseiten auch auf Englisch", "Formulare nur
    auf Deutsch") describe material, not the counselling, so they stay a note only. The one
    exception is a service that *is* a website (the Gewaltschutz portal: "(Webseite)").
    """
    if not text:
        return [], None
    lowered = text.lower()
    if "webseiten" in lowered or "formulare" in lowered or "informationen" in lowered:
        return [], text
    codes = [code for name, code in GERMAN_LANGUAGE_NAMES.items() if name in lowered]
    return list(dict.fromkeys(codes)), text


def record_rows(rows: CatalogRows, record: dict, descriptions: dict[str, dict[str, str]],
                service_id: str | None = None,
                field_texts: dict[str, dict[str, dict[str, str]]] | None = None) -> str:
    """Add one services.json-shaped record to ``rows``; returns the service id."""
    sid = service_id or record.get("id") or slugify(record["name"])
    org_name = record.get("organisation")
    org_id = None
    if org_name:
        org_id = "org-" + slugify(org_name, max_length=70)
        rows.add("organization", {"id": org_id, "name": org_name, "description": None,
                                  "email": None, "url": record.get("organisation_url")})
    eligibility = ELIGIBILITY.get(sid, {})
    codes, language_note = _languages(record.get("languages"))
    rows.add("service", {
        "id": sid, "organization_id": org_id, "name": record["name"],
        "description": record.get("description"), "url": _url(record.get("website")),
        "email": record.get("email"), "status": "active",
        "fees_description": record.get("cost"),
        "eligibility_description": record.get("eligibility"),
        "minimum_age": eligibility.get("minimum_age"),
        "maximum_age": eligibility.get("maximum_age"),
        "opening_hours_text": record.get("opening_hours"), "language_note": language_note,
        "source_url": record["source_url"], "source_date": record.get("date"),
        "assured_date": last_verified(record.get("date")),
    })
    text = " ".join(str(record.get(k) or "") for k in
                    ("name", "organisation", "description", "eligibility", "languages"))
    weights = map_topics(record["topic"], text)
    for term in record.get("terms", ()):
        weights.setdefault(term, 1.0)
    for term, weight in weights.items():
        rows.add("service_taxonomy", {"service_id": sid, "taxonomy_term_id": term,
                                      "weight": weight})
    for status in eligibility.get("residence_status", ()):
        rows.add("eligibility", {"service_id": sid, "residence_status": status})
    for code in codes:
        rows.add("language", {"id": f"{sid}-lang-{code}", "service_id": sid, "code": code,
                              "name": None, "note": language_note})
    if record.get("cost"):
        free = is_free(record["cost"])
        rows.add("cost_option", {"service_id": sid, "option": record["cost"],
                                 "amount": 0 if free else None,
                                 "currency": "EUR" if free else None,
                                 "amount_description": record["cost"]})
    districts = districts_in_text(record.get("district"))
    for district in districts:
        rows.add("service_area", {"service_id": sid, "district_id": district.id,
                                  "name": district.name, "description": record.get("district")})
    postcode = first_postcode(record.get("postcode"))
    for index, (address, note) in enumerate(split_addresses(record.get("street_address")), 1):
        location_id = f"{sid}-loc-{index}"
        rows.add("location", {
            "id": location_id, "organization_id": org_id, "name": note,
            "location_type": "physical", "address_1": address,
            # A postcode belongs to the one address it was given with; with several addresses
            # nobody said which it is for.
            "postal_code": postcode if index == 1 and postcode else None,
            "city": CITY, "country": "DE",
            "district_id": districts[0].id if len(districts) == 1 else None})
        rows.add("service_at_location", {"id": f"{sid}-at-{location_id}", "service_id": sid,
                                         "location_id": location_id})
    for index, (number, description) in enumerate(split_phones(record.get("phone")), 1):
        rows.add("phone", {"id": f"{sid}-phone-{index}", "service_id": sid,
                           "location_id": None, "number": number, "type": "voice",
                           "description": description})
    for index, parsed in enumerate(parse_opening_hours(record.get("opening_hours")), 1):
        rows.add("schedule", {"id": f"{sid}-schedule-{index}", "service_id": sid,
                              "location_id": None, "freq": parsed.freq, "byday": parsed.byday,
                              "opens_at": parsed.opens_at, "closes_at": parsed.closes_at,
                              "description": parsed.description, "notes": parsed.notes})
    _service_translations(rows, sid, record, descriptions.get(sid, {}),
                          field_texts.get(sid, {}) if field_texts else {})
    return sid


def _service_translations(rows: CatalogRows, sid: str, record: dict,
                          generated: dict[str, str],
                          fields: dict[str, dict[str, str]]) -> None:
    """German source texts are the reviewed originals; YAML texts are machine-made drafts."""
    reviewed_original = not record.get("id")  # hand-written emergency entries are not reviewed
    for link_field, key in (("name", "name"), ("description", "description"),
                            ("eligibility_description", "eligibility"),
                            ("opening_hours_text", "opening_hours"),
                            ("fees_description", "cost")):
        rows.translate("service", sid, link_field, SOURCE_LANGUAGE, record.get(key),
                       reviewed_original)
    for lang, text in generated.items():
        if lang != SOURCE_LANGUAGE:
            rows.translate("service", sid, "description", lang, text, False)
    for link_field, key in (("eligibility_description", "eligibility"),
                            ("opening_hours_text", "opening_hours"), ("fees_description", "cost")):
        if not record.get(key):
            continue  # a translation of a fact the source does not state would be invented
        for lang, text in fields.get(key, {}).items():
            if lang != SOURCE_LANGUAGE:
                rows.translate("service", sid, link_field, lang, text, False)


def build_seed_rows() -> CatalogRows:
    """Rows for the 49 Münster records plus the four nationwide emergency numbers."""
    descriptions = load_translations(DESCRIPTIONS_YML)
    field_texts = load_field_texts()
    rows = CatalogRows()
    seen: set[str] = set()
    for record in [*load_services(), *EMERGENCY_SERVICES]:
        sid = record.get("id") or slugify(record["name"])
        if sid in seen:
            raise ValueError(f"services.json: duplicate service id {sid!r}")
        seen.add(sid)
        record_rows(rows, record, descriptions, field_texts=field_texts)
    missing = [sid for sid in seen if sid not in descriptions]
    if descriptions and missing:
        log.warning("descriptions.yml has no texts for %d services: %s", len(missing),
                    ", ".join(sorted(missing)[:5]))
    return rows


def _dedupe_organizations(rows: CatalogRows) -> None:
    unique: dict[str, dict] = {}
    for org in rows.tables["organization"]:
        unique.setdefault(org["id"], org)
    rows.tables["organization"] = list(unique.values())


def insert_rows(session: Session, rows: CatalogRows, chunk: int = 5000) -> None:
    """Insert ``rows`` (organisations de-duplicated) in FK order with executemany batches."""
    _dedupe_organizations(rows)
    for table in CATALOG_TABLES:
        data = rows.tables[table.__tablename__]
        for start in range(0, len(data), chunk):
            session.execute(insert(table), data[start:start + chunk])
    for start in range(0, len(rows.translations), chunk):
        session.execute(insert(m.Translation), rows.translations[start:start + chunk])


def clear_catalog(session: Session) -> None:
    """Delete services and everything hanging off them (reference tables stay)."""
    session.execute(delete(m.SearchVocab))
    session.execute(delete(m.SearchTerm))
    session.execute(delete(m.SearchSchedule))
    session.execute(delete(m.SearchDocument))
    session.execute(delete(m.ServiceSearch))
    session.execute(delete(m.Translation).where(
        m.Translation.link_type.in_(("service", "organization"))))
    for table in reversed(CATALOG_TABLES):
        session.execute(delete(table))


def seed_reference(session: Session) -> None:
    """(Re)write the taxonomy with its labels and the districts; both are derived from files."""
    labels = load_translations(TAXONOMY_LABELS_YML)
    session.execute(delete(m.Translation).where(m.Translation.link_type == "taxonomy_term"))
    session.execute(delete(m.ServiceTaxonomy).where(
        ~m.ServiceTaxonomy.taxonomy_term_id.in_(_all_term_ids())))
    existing = set(session.execute(select(m.TaxonomyTerm.id)).scalars())
    rows = []
    for topic in TOPICS:
        rows.append(_term_row(topic, None, labels))
        rows.extend(_term_row(term, topic, labels) for term in TERMS[topic])
    for row in rows:
        if row["id"] in existing:
            session.execute(m.TaxonomyTerm.__table__.update()
                            .where(m.TaxonomyTerm.id == row["id"]).values(**row))
        else:
            session.execute(insert(m.TaxonomyTerm), [row])
    translations = [
        {"link_type": "taxonomy_term", "link_id": term, "link_field": "name", "language": lang,
         "text": text, "reviewed": False}
        for term, texts in labels.items() if term in _all_term_ids()
        for lang, text in texts.items() if lang in TEXT_LANGUAGES]
    if translations:
        session.execute(insert(m.Translation), translations)
    unknown = sorted(set(labels) - set(_all_term_ids()))
    if unknown:
        log.warning("taxonomy_labels.yml names unknown terms: %s", ", ".join(unknown))
    _seed_districts(session, all_districts())


def _all_term_ids() -> list[str]:
    return [*TOPICS, *(t for terms in TERMS.values() for t in terms)]


def _term_row(term: str, parent: str | None, labels: dict[str, dict[str, str]]) -> dict:
    texts = labels.get(term, {})
    return {"id": term, "code": term, "name": texts.get("de") or term.replace("_", " "),
            "description": texts.get("en"), "parent_id": parent, "taxonomy": TAXONOMY_NAME}


def _seed_districts(session: Session, districts: Iterable[DistrictRecord]) -> None:
    session.execute(delete(m.DistrictAlias))
    existing = set(session.execute(select(m.District.id)).scalars())
    aliases = []
    for district in districts:
        row = {"id": district.id, "name": district.name, "kind": district.kind,
               "stadtbezirk": district.stadtbezirk, "teilbereich": district.teilbereich,
               "source_url": district.source_url}
        if district.id in existing:
            session.execute(m.District.__table__.update()
                            .where(m.District.id == district.id).values(**row))
        else:
            session.execute(insert(m.District), [row])
        aliases.extend({"district_id": district.id, "alias": a} for a in district.aliases)
    if aliases:
        session.execute(insert(m.DistrictAlias), aliases)


def seed_fingerprint() -> str:
    """Hash of every input of the seed (files and the code that reads them)."""
    digest = hashlib.sha256()
    here = Path(__file__).resolve().parent
    inputs = [SERVICES_JSON, DISTRICTS_JSON, DESCRIPTIONS_YML, TAXONOMY_LABELS_YML,
              *(here / name for name in ("seed.py", "mapping.py", "schedules.py",
                                         "emergency.py", "taxonomy.py", "districts.py"))]
    for path in inputs:
        digest.update(path.name.encode())
        digest.update(path.read_bytes() if path.exists() else b"-")
    return digest.hexdigest()[:16]


def get_meta(session: Session, key: str) -> str | None:
    return session.execute(select(m.CatalogMeta.value).where(m.CatalogMeta.key == key)).scalar()


def set_meta(session: Session, key: str, value: str) -> None:
    session.execute(delete(m.CatalogMeta).where(m.CatalogMeta.key == key))
    session.execute(insert(m.CatalogMeta), [{"key": key, "value": value}])


def catalog_is_empty(session: Session) -> bool:
    return not session.execute(select(func.count()).select_from(m.Service)).scalar_one()


def seed(session: Session, *, replace: bool = False) -> int:
    """Write reference data, then the services (all of them anew when ``replace``).

    Returns the number of services written (0 when the catalogue already had services and
    ``replace`` was not asked for).
    """
    from services_catalog.search_index import rebuild_search_index

    seed_reference(session)
    if not replace and not catalog_is_empty(session):
        return 0
    clear_catalog(session)
    rows = build_seed_rows()
    insert_rows(session, rows)
    rebuild_search_index(session)
    set_meta(session, "origin", "seed")
    set_meta(session, "seed_fingerprint", seed_fingerprint())
    return len(rows.tables["service"])


__all__ = ["CatalogRows", "EASY_GERMAN", "build_seed_rows", "catalog_is_empty", "clear_catalog",
           "insert_rows", "record_rows", "seed", "seed_reference"]
