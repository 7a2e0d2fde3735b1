"""Turn catalogue rows into the contract's service shape (CONTRACT.md, "Catalogue API").

Texts come in the requested language where a translation exists and in German otherwise;
``description_lang`` says which one the description is in, so the bot can add a hint.
``de_easy`` falls back to plain German. Batched: one query per table for a whole result page.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict

from sqlalchemy import bindparam, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from services_catalog import models as m
from services_catalog.languages import EASY_GERMAN, SOURCE_LANGUAGE
from services_catalog.schedules import is_open
from services_catalog.taxonomy import TERMS, TOPICS

TEXT_FIELDS = ("name", "description", "eligibility_description", "opening_hours_text",
               "fees_description")


def _fallbacks(lang: str) -> tuple[str, ...]:
    if lang == EASY_GERMAN:
        return (EASY_GERMAN, SOURCE_LANGUAGE)
    return (lang, SOURCE_LANGUAGE) if lang != SOURCE_LANGUAGE else (SOURCE_LANGUAGE,)


IDS = bindparam("ids", expanding=True)
LANGS = bindparam("langs", expanding=True)

# Statements are built once: constructing a select() costs more than running it on a page.
_TEXTS = (select(m.Translation.link_id, m.Translation.link_field, m.Translation.language,
                 m.Translation.text)
          .where(m.Translation.link_type == bindparam("link_type"),
                 m.Translation.link_id.in_(IDS), m.Translation.language.in_(LANGS)))
_SERVICES = (select(m.Service.id, m.Service.organization_id, m.Service.name,
                    m.Service.description, m.Service.url, m.Service.email,
                    m.Service.fees_description, m.Service.eligibility_description,
                    m.Service.minimum_age, m.Service.maximum_age, m.Service.opening_hours_text,
                    m.Service.source_url, m.Service.assured_date,
                    m.Organization.name.label("org_name"), m.Organization.url.label("org_url"))
             .outerjoin(m.Organization).where(m.Service.id.in_(IDS)))
_TOPICS = (select(m.ServiceTaxonomy.service_id, m.ServiceTaxonomy.taxonomy_term_id,
                  m.ServiceTaxonomy.weight).where(m.ServiceTaxonomy.service_id.in_(IDS)))
_LANGUAGES = (select(m.Language.service_id, m.Language.code)
              .where(m.Language.service_id.in_(IDS)).order_by(m.Language.id))
_LOCATIONS = (select(m.ServiceAtLocation.service_id, m.Location.address_1,
                     m.Location.postal_code, m.Location.city, m.Location.district_id,
                     m.District.name)
              .join(m.Location, m.Location.id == m.ServiceAtLocation.location_id)
              .outerjoin(m.District, m.District.id == m.Location.district_id)
              .where(m.ServiceAtLocation.service_id.in_(IDS)).order_by(m.Location.id))
_AREAS = (select(m.ServiceArea.service_id, m.ServiceArea.district_id, m.District.name)
          .join(m.District).where(m.ServiceArea.service_id.in_(IDS)).order_by(m.ServiceArea.id))
_PHONES = (select(m.Phone.service_id, m.Phone.number, m.Phone.description)
           .where(m.Phone.service_id.in_(IDS)).order_by(m.Phone.id))
_SCHEDULES = (select(m.Schedule.service_id, m.Schedule.freq, m.Schedule.byday,
                     m.Schedule.opens_at, m.Schedule.closes_at, m.Schedule.description,
                     m.Schedule.notes).where(m.Schedule.service_id.in_(IDS))
              .order_by(m.Schedule.id))
_STATUSES = (select(m.Eligibility.service_id, m.Eligibility.residence_status)
             .where(m.Eligibility.service_id.in_(IDS)).order_by(m.Eligibility.id))
_COSTS = (select(m.CostOption.service_id, m.CostOption.amount)
          .where(m.CostOption.service_id.in_(IDS)))


def _texts(connection: Connection, link_type: str, ids: list[str], lang: str
           ) -> dict[tuple[str, str], tuple[str, str]]:
    """(link_id, field) → (text, language) in the best available language."""
    order = _fallbacks(lang)
    rows = connection.execute(_TEXTS, {"link_type": link_type, "ids": ids,
                                       "langs": list(order)})
    best: dict[tuple[str, str], tuple[str, str]] = {}
    for link_id, link_field, language, value in rows:
        key = (link_id, link_field)
        if key not in best or order.index(language) < order.index(best[key][1]):
            best[key] = (value, language)
    return best


def shape_services(session: Session, ids: list[str], lang: str, now: dt.datetime) -> list[dict]:
    """Contract-shaped dicts for ``ids`` in that order (unknown ids are skipped)."""
    if not ids:
        return []
    connection = session.connection()  # Core level: the ORM layer adds nothing here
    params = {"ids": ids}
    services = {row.id: row for row in connection.execute(_SERVICES, params)}
    texts = _texts(connection, "service", ids, lang)
    topics: dict[str, list[tuple[float, str]]] = defaultdict(list)
    for sid, term, weight in connection.execute(_TOPICS, params):
        topics[sid].append((weight, term))
    languages: dict[str, list[str]] = defaultdict(list)
    for sid, code in connection.execute(_LANGUAGES, params):
        languages[sid].append(code)
    locations: dict[str, list[dict]] = defaultdict(list)
    located_districts: dict[str, set[str]] = defaultdict(set)
    for sid, address, postcode, city, district_id, district_name in connection.execute(
            _LOCATIONS, params):
        locations[sid].append({"address_1": address, "postal_code": postcode, "city": city,
                               "district": district_name})
        if district_id:
            located_districts[sid].add(district_id)
    for sid, district_id, district_name in connection.execute(_AREAS, params):
        # A service known to work in a Stadtteil without a known address still shows where.
        if district_id not in located_districts[sid]:
            locations[sid].append({"address_1": None, "postal_code": None, "city": "Münster",
                                   "district": district_name})
    phones: dict[str, list[dict]] = defaultdict(list)
    for sid, number, description in connection.execute(_PHONES, params):
        phones[sid].append({"number": number, "description": description})
    schedules: dict[str, list[dict]] = defaultdict(list)
    for row in connection.execute(_SCHEDULES, params):
        schedules[row.service_id].append({
            "freq": row.freq, "byday": row.byday, "opens_at": row.opens_at,
            "closes_at": row.closes_at, "description": row.description, "notes": row.notes})
    statuses: dict[str, list[str]] = defaultdict(list)
    for sid, status in connection.execute(_STATUSES, params):
        statuses[sid].append(status)
    costs: dict[str, bool] = {}
    for sid, amount in connection.execute(_COSTS, params):
        costs[sid] = costs.get(sid, False) or amount == 0

    items = []
    for sid in ids:
        row = services.get(sid)
        if row is None:
            continue

        def pick(link_field: str, fallback: str | None, sid: str = sid) -> tuple[str | None, str]:
            found = texts.get((sid, link_field))
            return found if found else (fallback, SOURCE_LANGUAGE)

        description, description_lang = pick("description", row.description)
        term_order = sorted(topics[sid], key=lambda wt: (wt[1] not in TOPICS, -wt[0], wt[1]))
        items.append({
            "id": sid,
            "name": pick("name", row.name)[0],
            "organization": ({"id": row.organization_id, "name": row.org_name,
                              "url": row.org_url} if row.organization_id else None),
            "description": description,
            "description_lang": description_lang if description else None,
            "topics": [term for _w, term in term_order],
            "languages": languages[sid],
            "locations": locations[sid],
            "phones": phones[sid],
            "email": row.email,
            "url": row.url,
            "schedules": schedules[sid],
            "opening_hours_text": pick("opening_hours_text", row.opening_hours_text)[0],
            "cost": {"free": costs.get(sid) if sid in costs else None,
                     "description": pick("fees_description", row.fees_description)[0]},
            "eligibility": {"min_age": row.minimum_age, "max_age": row.maximum_age,
                            "residence_status": statuses[sid],
                            "description": pick("eligibility_description",
                                                row.eligibility_description)[0]},
            "source_url": row.source_url,
            "last_verified": row.assured_date.isoformat() if row.assured_date else None,
            "open_now": is_open(schedules[sid], now),
        })
    return items


def topics(session: Session, lang: str) -> list[dict]:
    """Topics with labels (requested language, else German, else the id) and service counts."""
    all_ids = [*TOPICS, *(t for terms in TERMS.values() for t in terms)]
    labels = _texts(session.connection(), "taxonomy_term", all_ids, lang)
    names = dict(session.execute(select(m.TaxonomyTerm.id, m.TaxonomyTerm.name)).all())
    counts: dict[str, int] = defaultdict(int)
    for term, in session.execute(select(m.ServiceTaxonomy.taxonomy_term_id)):
        counts[term] += 1

    def entry(term: str) -> dict:
        label, label_lang = labels.get((term, "name"), (names.get(term, term), SOURCE_LANGUAGE))
        return {"id": term, "label": label, "label_lang": label_lang,
                "service_count": counts[term]}

    return [{**entry(topic), "terms": [entry(t) for t in TERMS[topic]]} for topic in TOPICS]
