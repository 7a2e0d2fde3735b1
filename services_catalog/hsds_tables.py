"""The catalogue as Open Referral HSDS 3.0 tables, and back, with validation.

Both exchange formats (nested JSON and the tabular CSV data package) go through the same flat
tables named like HSDS tabular files (``services``, ``phones``, ...), so there is one validator:
every error names the file, the row and the field. Fields outside HSDS 3.0 that the catalogue
needs are kept as extra columns (``source_url``, ``source_date``, ``opening_hours_text``,
``language_note``, ``district_id``) and one extra table, ``translations``.

Residence-status eligibility travels as HSDS ``attributes`` with terms of a ``residence_status``
taxonomy; a service's topics travel as ``attributes`` whose ``value`` is the topic weight.
"""
from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from services_catalog import models as m
from services_catalog.districts import all_districts
from services_catalog.languages import LANGUAGES, TEXT_LANGUAGES
from services_catalog.mapping import valid_phone
from services_catalog.search import RESIDENCE_STATUSES
from services_catalog.seed import CatalogRows
from services_catalog.taxonomy import TERM_PARENT, TOPICS

STATUS_TAXONOMY = "residence_status"
STATUS_PREFIX = "residence_status."

#: HSDS table → columns, in file order. The first columns are HSDS 3.0 field names.
COLUMNS: dict[str, tuple[str, ...]] = {
    "organizations": ("id", "name", "description", "email", "website"),
    "services": ("id", "organization_id", "name", "description", "url", "email", "status",
                 "fees_description", "eligibility_description", "minimum_age", "maximum_age",
                 "assured_date", "opening_hours_text", "language_note", "source_url",
                 "source_date"),
    "locations": ("id", "organization_id", "name", "location_type", "district_id"),
    "addresses": ("id", "location_id", "address_1", "city", "postal_code", "country",
                  "address_type"),
    "service_at_locations": ("id", "service_id", "location_id"),
    "phones": ("id", "service_id", "location_id", "number", "type", "description"),
    "schedules": ("id", "service_id", "location_id", "freq", "byday", "opens_at", "closes_at",
                  "description", "notes"),
    "languages": ("id", "service_id", "name", "code", "note"),
    "taxonomy_terms": ("id", "code", "name", "description", "parent_id", "taxonomy"),
    "attributes": ("id", "link_id", "link_type", "link_entity", "taxonomy_term_id", "value"),
    "cost_options": ("id", "service_id", "option", "amount", "currency", "amount_description"),
    "service_areas": ("id", "service_id", "name", "description", "district_id"),
    "translations": ("id", "link_type", "link_id", "link_field", "language", "text",
                     "reviewed"),
}
REQUIRED: dict[str, tuple[str, ...]] = {
    "organizations": ("id", "name"),
    "services": ("id", "name", "status", "assured_date", "source_url"),
    "locations": ("id", "location_type"),
    "addresses": ("id", "location_id"),
    "service_at_locations": ("id", "service_id", "location_id"),
    "phones": ("id", "number"),
    "schedules": ("id", "service_id"),
    "languages": ("id", "service_id", "code"),
    "taxonomy_terms": ("id", "name"),
    "attributes": ("id", "link_id", "taxonomy_term_id"),
    "cost_options": ("id", "service_id"),
    "service_areas": ("id", "service_id", "district_id"),
    "translations": ("link_type", "link_id", "link_field", "language", "text"),
}
WHERE = "_where"


@dataclass
class ValidationErrors(Exception):
    """All problems of an import, each naming file, row and field."""

    messages: list[str] = field(default_factory=list)

    def add(self, where: str, column: str | None, message: str) -> None:
        location = f"{where}, field {column!r}" if column else where
        self.messages.append(f"{location}: {message}")

    def __str__(self) -> str:
        shown = self.messages[:50]
        more = len(self.messages) - len(shown)
        return "import refused, nothing stored:\n  " + "\n  ".join(shown) + (
            f"\n  ... and {more} more" if more > 0 else "")


# --------------------------------------------------------------------------- export


def _status_term(status: str) -> str:
    return STATUS_PREFIX + status


def export_tables(session: Session) -> dict[str, list[dict]]:
    """Every catalogue row as HSDS tables (plain str/int/float/bool/None values)."""
    def rows(model) -> list[dict]:
        columns = [c.name for c in model.__table__.columns]
        return [dict(zip(columns, r, strict=True)) for r in session.execute(
            select(*[model.__table__.c[c] for c in columns]).order_by(
                model.__table__.c[columns[0]]))]

    tables: dict[str, list[dict]] = {name: [] for name in COLUMNS}
    for org in rows(m.Organization):
        org["website"] = org.pop("url")
        tables["organizations"].append(org)
    for service in rows(m.Service):
        service["assured_date"] = service["assured_date"].isoformat()
        tables["services"].append(service)
    for location in rows(m.Location):
        tables["locations"].append({k: location[k] for k in COLUMNS["locations"]})
        tables["addresses"].append({
            "id": f"{location['id']}-address", "location_id": location["id"],
            "address_1": location["address_1"], "city": location["city"],
            "postal_code": location["postal_code"], "country": location["country"],
            "address_type": "physical"})
    tables["service_at_locations"] = rows(m.ServiceAtLocation)
    tables["phones"] = rows(m.Phone)
    tables["schedules"] = rows(m.Schedule)
    tables["languages"] = rows(m.Language)
    tables["taxonomy_terms"] = rows(m.TaxonomyTerm)
    tables["taxonomy_terms"] += [
        {"id": _status_term(s), "code": s, "name": s.replace("_", " "), "description": None,
         "parent_id": None, "taxonomy": STATUS_TAXONOMY} for s in RESIDENCE_STATUSES]
    for link in rows(m.ServiceTaxonomy):
        tables["attributes"].append({
            "id": f"{link['service_id']}-term-{link['taxonomy_term_id']}",
            "link_id": link["service_id"], "link_type": "service", "link_entity": "service",
            "taxonomy_term_id": link["taxonomy_term_id"], "value": link["weight"]})
    for link in rows(m.Eligibility):
        tables["attributes"].append({
            "id": f"{link['service_id']}-status-{link['residence_status']}",
            "link_id": link["service_id"], "link_type": "service", "link_entity": "service",
            "taxonomy_term_id": _status_term(link["residence_status"]), "value": None})
    for cost in rows(m.CostOption):
        cost["id"] = f"{cost['service_id']}-cost-{cost['id']}"
        tables["cost_options"].append(cost)
    for area in rows(m.ServiceArea):
        area["id"] = f"{area['service_id']}-area-{area['id']}"
        tables["service_areas"].append(area)
    for tr in rows(m.Translation):
        if tr["link_type"] not in ("service", "organization"):
            continue  # taxonomy labels are reference data from seed_data/taxonomy_labels.yml
        tr["id"] = f"{tr['link_type']}:{tr['link_id']}:{tr['link_field']}:{tr['language']}"
        tables["translations"].append(tr)
    return tables


# --------------------------------------------------------------------------- import

_TIME = re.compile(r"^(?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d)?$|^24:00(?::00)?$")
_BYDAY = re.compile(r"^(?:-?[1-5])?(MO|TU|WE|TH|FR|SA|SU)$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+(\s.*)?$")


class _Checker:
    """Field checks that record errors instead of raising, so one run reports them all."""

    def __init__(self, errors: ValidationErrors) -> None:
        self.errors = errors

    def text(self, row: dict, column: str) -> str | None:
        value = row.get(column)
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            value = str(value)
        if "\ufffd" in value or any(ord(c) < 32 and c not in "\t\n\r" for c in value):
            self.errors.add(row[WHERE], column, "broken encoding or control characters")
        return value

    def integer(self, row: dict, column: str, lo: int = 0, hi: int = 150) -> int | None:
        value = row.get(column)
        if value is None or value == "":
            return None
        try:
            number = int(value)
            if isinstance(value, float) and number != value:
                raise ValueError
        except (TypeError, ValueError):
            self.errors.add(row[WHERE], column, f"not a whole number: {value!r}")
            return None
        if not lo <= number <= hi:
            self.errors.add(row[WHERE], column, f"out of range {lo}..{hi}: {number}")
        return number

    def number(self, row: dict, column: str) -> float | None:
        value = row.get(column)
        if value is None or value == "":
            return None
        try:
            return float(value)
        except (TypeError, ValueError):
            self.errors.add(row[WHERE], column, f"not a number: {value!r}")
            return None

    def date(self, row: dict, column: str) -> dt.date | None:
        value = row.get(column)
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            self.errors.add(row[WHERE], column, f"not an ISO date (YYYY-MM-DD): {value!r}")
            return None

    def boolean(self, row: dict, column: str) -> bool:
        value = row.get(column)
        if isinstance(value, bool):
            return value
        if str(value).lower() in {"true", "1", "yes"}:
            return True
        if value in (None, "") or str(value).lower() in {"false", "0", "no"}:
            return False
        self.errors.add(row[WHERE], column, f"not true/false: {value!r}")
        return False

    def choice(self, row: dict, column: str, allowed, what: str) -> str | None:
        value = self.text(row, column)
        if value is not None and value not in allowed:
            self.errors.add(row[WHERE], column, f"unknown {what} {value!r}")
        return value

    def ref(self, row: dict, column: str, known: set[str], what: str) -> str | None:
        value = self.text(row, column)
        if value is not None and value not in known:
            self.errors.add(row[WHERE], column, f"refers to unknown {what} {value!r}")
        return value


def _check_structure(tables: dict[str, list[dict]], errors: ValidationErrors) -> None:
    for table, rows in tables.items():
        if table not in COLUMNS:
            where = rows[0][WHERE].split(",")[0] if rows else table
            errors.add(where, None, f"unknown table {table!r}")
            continue
        seen: set[str] = set()
        for row in rows:
            for column in row:
                if column != WHERE and column not in COLUMNS[table]:
                    errors.add(row[WHERE], column, "unknown field (not in the HSDS profile)")
            for column in REQUIRED[table]:
                if row.get(column) in (None, ""):
                    errors.add(row[WHERE], column, "required field is empty")
            if table != "translations" and row.get("id") not in (None, ""):
                if row["id"] in seen:
                    errors.add(row[WHERE], "id", f"duplicate id {row['id']!r}")
                seen.add(row["id"])


def to_catalog_rows(tables: dict[str, list[dict]]) -> CatalogRows:
    """Validate HSDS tables and convert them to database rows; raises ValidationErrors."""
    errors = ValidationErrors()
    tables = {name: tables.get(name, []) for name in {*COLUMNS, *tables}}
    _check_structure(tables, errors)
    check = _Checker(errors)
    out = CatalogRows()
    org_ids = {r.get("id") for r in tables["organizations"]}
    service_ids = {r.get("id") for r in tables["services"]}
    location_ids = {r.get("id") for r in tables["locations"]}
    district_ids = {d.id for d in all_districts()}
    term_ids = {*TOPICS, *TERM_PARENT}
    status_terms = {_status_term(s): s for s in RESIDENCE_STATUSES}

    for row in tables["organizations"]:
        out.add("organization", {
            "id": check.text(row, "id"), "name": check.text(row, "name"),
            "description": check.text(row, "description"), "email": check.text(row, "email"),
            "url": check.text(row, "website")})
    for row in tables["services"]:
        email = check.text(row, "email")
        if email and not _EMAIL.match(email):
            errors.add(row[WHERE], "email", f"not an e-mail address: {email!r}")
        out.add("service", {
            "id": check.text(row, "id"),
            "organization_id": check.ref(row, "organization_id", org_ids, "organization"),
            "name": check.text(row, "name"), "description": check.text(row, "description"),
            "url": check.text(row, "url"), "email": email,
            "status": check.choice(row, "status", {"active", "inactive", "defunct",
                                                   "temporarily closed"}, "status"),
            "fees_description": check.text(row, "fees_description"),
            "eligibility_description": check.text(row, "eligibility_description"),
            "minimum_age": check.integer(row, "minimum_age"),
            "maximum_age": check.integer(row, "maximum_age"),
            "opening_hours_text": check.text(row, "opening_hours_text"),
            "language_note": check.text(row, "language_note"),
            "source_url": check.text(row, "source_url"),
            "source_date": check.text(row, "source_date"),
            "assured_date": check.date(row, "assured_date")})
    addresses = {}
    for row in tables["addresses"]:
        location_id = check.ref(row, "location_id", location_ids, "location")
        addresses[location_id] = {k: check.text(row, k) for k in
                                  ("address_1", "city", "postal_code", "country")}
    for row in tables["locations"]:
        address = addresses.get(row.get("id"), {})
        out.add("location", {
            "id": check.text(row, "id"),
            "organization_id": check.ref(row, "organization_id", org_ids, "organization"),
            "name": check.text(row, "name"),
            "location_type": check.choice(row, "location_type", {"physical", "postal",
                                                                 "virtual"}, "location_type"),
            "address_1": address.get("address_1"), "postal_code": address.get("postal_code"),
            "city": address.get("city"), "country": address.get("country"),
            "district_id": check.ref(row, "district_id", district_ids, "district")})
    for row in tables["service_at_locations"]:
        out.add("service_at_location", {
            "id": check.text(row, "id"),
            "service_id": check.ref(row, "service_id", service_ids, "service"),
            "location_id": check.ref(row, "location_id", location_ids, "location")})
    for row in tables["phones"]:
        number = check.text(row, "number")
        if number and not valid_phone(number):
            errors.add(row[WHERE], "number", f"not a telephone number: {number!r}")
        out.add("phone", {
            "id": check.text(row, "id"),
            "service_id": check.ref(row, "service_id", service_ids, "service"),
            "location_id": check.ref(row, "location_id", location_ids, "location"),
            "number": number, "type": check.text(row, "type") or "voice",
            "description": check.text(row, "description")})
    for row in tables["schedules"]:
        out.add("schedule", _schedule(row, check, errors, service_ids, location_ids))
    for row in tables["languages"]:
        out.add("language", {
            "id": check.text(row, "id"),
            "service_id": check.ref(row, "service_id", service_ids, "service"),
            "code": check.choice(row, "code", LANGUAGES, "language code"),
            "name": check.text(row, "name"), "note": check.text(row, "note")})
    for row in tables["taxonomy_terms"]:
        term = check.text(row, "id")
        if term not in term_ids and term not in status_terms:
            errors.add(row[WHERE], "id", f"unknown taxonomy term {term!r} (the taxonomy is "
                                         "fixed by services_catalog.taxonomy)")
    for row in tables["attributes"]:
        term = check.text(row, "taxonomy_term_id")
        service = check.ref(row, "link_id", service_ids, "service")
        if term in status_terms:
            out.add("eligibility", {"service_id": service,
                                    "residence_status": status_terms[term]})
        elif term in term_ids:
            weight = check.number(row, "value")
            out.add("service_taxonomy", {"service_id": service, "taxonomy_term_id": term,
                                         "weight": 1.0 if weight is None else weight})
        else:
            errors.add(row[WHERE], "taxonomy_term_id", f"unknown topic or term {term!r}")
    for row in tables["cost_options"]:
        out.add("cost_option", {
            "service_id": check.ref(row, "service_id", service_ids, "service"),
            "option": check.text(row, "option"), "amount": check.number(row, "amount"),
            "currency": check.text(row, "currency"),
            "amount_description": check.text(row, "amount_description")})
    for row in tables["service_areas"]:
        out.add("service_area", {
            "service_id": check.ref(row, "service_id", service_ids, "service"),
            "district_id": check.ref(row, "district_id", district_ids, "district"),
            "name": check.text(row, "name"), "description": check.text(row, "description")})
    for row in tables["translations"]:
        link_type = check.choice(row, "link_type", {"service", "organization"}, "link_type")
        known = service_ids if link_type == "service" else org_ids
        out.translations.append({
            "link_type": link_type, "link_id": check.ref(row, "link_id", known, link_type),
            "link_field": check.choice(row, "link_field", {
                "name", "description", "eligibility_description", "opening_hours_text",
                "fees_description"}, "text field"),
            "language": check.choice(row, "language", TEXT_LANGUAGES, "language code"),
            "text": check.text(row, "text"), "reviewed": check.boolean(row, "reviewed")})
    _check_unique_links(out, errors, tables)
    if errors.messages:
        raise errors
    return out


def _schedule(row: dict, check: _Checker, errors: ValidationErrors, service_ids: set[str],
              location_ids: set[str]) -> dict:
    freq = check.choice(row, "freq", {"WEEKLY", "MONTHLY"}, "freq")
    byday = check.text(row, "byday")
    if byday and not all(_BYDAY.match(token) for token in byday.split(",")):
        errors.add(row[WHERE], "byday", f"not an RFC 5545 BYDAY list: {byday!r}")
    times = {}
    for column in ("opens_at", "closes_at"):
        value = check.text(row, column)
        if value and not _TIME.match(value):
            errors.add(row[WHERE], column, f"not a time HH:MM: {value!r}")
        times[column] = value[:5] if value else None
    if freq and not (byday and times["opens_at"] and times["closes_at"]):
        errors.add(row[WHERE], "freq", "a recurring schedule needs byday, opens_at, closes_at")
    return {"id": check.text(row, "id"),
            "service_id": check.ref(row, "service_id", service_ids, "service"),
            "location_id": check.ref(row, "location_id", location_ids, "location"),
            "freq": freq, "byday": byday, **times,
            "description": check.text(row, "description"), "notes": check.text(row, "notes")}


def _check_unique_links(out: CatalogRows, errors: ValidationErrors,
                        tables: dict[str, list[dict]]) -> None:
    seen: set[tuple] = set()
    for row, source in zip(out.translations, tables["translations"], strict=True):
        key = (row["link_type"], row["link_id"], row["link_field"], row["language"])
        if key in seen:
            errors.add(source[WHERE], "language", "second translation of the same text")
        seen.add(key)
    pairs: set[tuple] = set()
    attributes = [r for r in tables["attributes"]]
    for source in attributes:
        key = (source.get("link_id"), source.get("taxonomy_term_id"))
        if key in pairs:
            errors.add(source[WHERE], "taxonomy_term_id", "same term twice for one service")
        pairs.add(key)


def group_by(rows: list[dict], key: str) -> dict[str, list[dict]]:
    grouped: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        grouped[row.get(key)].append(row)
    return grouped
