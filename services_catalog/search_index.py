"""Derived search tables: one denormalised row and one text document per service.

Filters (district, language, status, age, free) read small ``service_search`` rows instead of
joining seven tables per query, and topics come from ``search_term`` (integer keys). The text
document holds the service's texts and the labels of its taxonomy terms in every language, so
"Kita", "روضة" or "daycare" find a daycare service even when its own description only says
"Kindergartenplatzbörse".
Rebuilt after every seed or import (the catalogue is small and changes rarely).
"""
from __future__ import annotations

from collections import Counter, defaultdict

from sqlalchemy import delete, insert, or_, select, text
from sqlalchemy.orm import Session

from services_catalog import models as m
from services_catalog.schedules import WEEKDAYS, uncertain
from services_catalog.textnorm import tokens


def _day_mask(byday: str) -> int:
    """'MO,TH' → 0b1001 (bit 0 = Monday), for WEEKLY rules."""
    return sum(1 << WEEKDAYS.index(day) for day in byday.split(",") if day in WEEKDAYS)


def _padded(values) -> str:
    """' a b ' so that a LIKE '% a %' test cannot match inside another value."""
    values = sorted(set(values))
    return f" {' '.join(values)} " if values else ""


_TRIGRAM: dict[str, bool] = {}


def has_trigram_vocab(session: Session) -> bool:
    """Whether the trigram index over the vocabulary exists (FTS5 trigram or pg_trgm).

    Remembered per database URL: the index only appears or goes with a migration, and asking
    the PostgreSQL catalogue on every query would cost more than the search itself.
    """
    bind = session.get_bind()
    key = bind.url.render_as_string(hide_password=True)
    if key not in _TRIGRAM:
        if bind.dialect.name == "sqlite":
            found = session.execute(text(
                "SELECT 1 FROM sqlite_master WHERE name = 'search_vocab_fts'")).first()
        elif bind.dialect.name == "postgresql":
            found = session.execute(text(
                "SELECT 1 FROM pg_indexes WHERE indexname = 'ix_search_vocab_trgm' "
                "AND schemaname = current_schema()")).first()
        else:
            found = None
        if found is None:
            return False  # not cached: a later migration may still add it
        _TRIGRAM[key] = True
    return _TRIGRAM[key]


def rebuild_search_index(session: Session, chunk: int = 5000) -> int:
    """Recompute ``service_search`` and ``search_vocab`` from the catalogue tables."""
    session.execute(delete(m.SearchVocab))
    session.execute(delete(m.SearchTerm))
    session.execute(delete(m.SearchSchedule))
    session.execute(delete(m.SearchDocument))
    session.execute(delete(m.ServiceSearch))
    texts: dict[str, list[str]] = defaultdict(list)
    services = session.execute(select(
        m.Service.id, m.Service.name, m.Service.minimum_age, m.Service.maximum_age,
        m.Organization.name).outerjoin(m.Organization)).all()
    for sid, name, _mi, _ma, org_name in services:
        texts[sid].extend(x for x in (name, org_name) if x)
    # Names and descriptions in every language; the other fields (eligibility, hours, cost)
    # only in the German original: their translations repeat office names in 13 languages and
    # would outrank a service whose own name matches.
    for link_id, value in session.execute(
            select(m.Translation.link_id, m.Translation.text)
            .where(m.Translation.link_type == "service",
                   or_(m.Translation.link_field.in_(("name", "description")),
                       m.Translation.language == "de"))):
        texts[link_id].append(value)
    labels: dict[str, list[str]] = defaultdict(list)
    for link_id, value in session.execute(select(m.Translation.link_id, m.Translation.text)
                                          .where(m.Translation.link_type == "taxonomy_term")):
        labels[link_id].append(value)
    for term_id, name in session.execute(select(m.TaxonomyTerm.id, m.TaxonomyTerm.name)):
        labels[term_id].append(name)
    terms: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for sid, term, weight in session.execute(select(m.ServiceTaxonomy.service_id,
                                                    m.ServiceTaxonomy.taxonomy_term_id,
                                                    m.ServiceTaxonomy.weight)):
        texts[sid].extend(labels.get(term, ()))
        terms[sid].append((term, weight))
    stadtteile: dict[str, set[str]] = defaultdict(set)
    bezirke: dict[str, set[str]] = defaultdict(set)
    for sid, district_id, name, bezirk in session.execute(
            select(m.ServiceArea.service_id, m.District.id, m.District.name,
                   m.District.stadtbezirk).join(m.District)):
        stadtteile[sid].add(district_id)
        bezirke[sid].add(bezirk)
        texts[sid].append(name)
    for sid, address in session.execute(
            select(m.ServiceAtLocation.service_id, m.Location.address_1)
            .join(m.Location, m.Location.id == m.ServiceAtLocation.location_id)):
        if address:
            texts[sid].append(address)
    languages: dict[str, set[str]] = defaultdict(set)
    for sid, code in session.execute(select(m.Language.service_id, m.Language.code)):
        languages[sid].add(code)
    statuses: dict[str, set[str]] = defaultdict(set)
    for sid, status in session.execute(select(m.Eligibility.service_id,
                                              m.Eligibility.residence_status)):
        statuses[sid].add(status)
    schedules: dict[str, list] = defaultdict(list)
    for row in session.execute(select(m.Schedule.service_id, m.Schedule.freq, m.Schedule.byday,
                                      m.Schedule.opens_at, m.Schedule.closes_at,
                                      m.Schedule.notes)
                               .where(m.Schedule.freq.is_not(None)).order_by(m.Schedule.id)):
        if row.byday and row.opens_at and row.closes_at:
            schedules[row.service_id].append(row)
    free = set(session.execute(select(m.CostOption.service_id)
                               .where(m.CostOption.amount == 0)).scalars())

    vocab: Counter[str] = Counter()
    rows, documents, term_rows, schedule_rows = [], [], [], []
    for number, (sid, name, minimum_age, maximum_age, _org) in enumerate(services, 1):
        doc_tokens = tokens(" ".join(texts[sid]))
        vocab.update(set(doc_tokens))
        rows.append({
            "id": number, "service_id": sid, "sort_name": " ".join(tokens(name)),
            "stadtteile": _padded(stadtteile[sid]),
            "stadtbezirke": _padded(b.lower() for b in bezirke[sid]),
            "languages": _padded(languages[sid]), "statuses": _padded(statuses[sid]),
            "minimum_age": minimum_age, "maximum_age": maximum_age, "free": sid in free})
        documents.append({"id": number, "name_norm": " ".join(tokens(name)),
                          "doc": " ".join(doc_tokens)})
        term_rows.extend({"taxonomy_term_id": term, "search_id": number, "weight": weight}
                         for term, weight in terms[sid])
        schedule_rows.extend(
            {"search_id": number, "seq": seq, "freq": row.freq, "byday": row.byday,
             "day_mask": _day_mask(row.byday) if row.freq == "WEEKLY" else 0,
             "opens_at": row.opens_at, "closes_at": row.closes_at,
             "uncertain": uncertain(row.notes)}
            for seq, row in enumerate(schedules[sid]))
    # Total number of documents under the empty word, which no text ever contains: lets a
    # query judge how common a word is without counting the table.
    vocab[""] = len(rows)
    for model, data in ((m.ServiceSearch, rows), (m.SearchDocument, documents),
                        (m.SearchTerm, term_rows), (m.SearchSchedule, schedule_rows)):
        for start in range(0, len(data), chunk):
            session.execute(insert(model), data[start:start + chunk])
    vocab_rows = [{"term": term, "doc_count": count} for term, count in vocab.items()]
    for start in range(0, len(vocab_rows), chunk * 4):
        session.execute(insert(m.SearchVocab), vocab_rows[start:start + chunk * 4])
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("INSERT INTO search_fts(search_fts) VALUES ('rebuild')"))
        if has_trigram_vocab(session):
            session.execute(text(
                "INSERT INTO search_vocab_fts(search_vocab_fts) VALUES ('rebuild')"))
    return len(rows)
