"""The one catalogue search, shared by the bot's actions, the HTTP API and the CLI.

Filters narrow the list (topic, term, q, age, status, open_now, free, and a spoken language a
service is documented *not* to offer); district and documented languages only rank, because a
service without a district is city-wide and a service without language information may well
help with an interpreter. Invalid parameters raise ``ValueError`` naming the parameter, which
the API turns into HTTP 400.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from services_catalog import shaping
from services_catalog.districts import DistrictRecord, all_districts, resolve_district
from services_catalog.languages import check_language
from services_catalog.models import SearchDocument, ServiceSearch, Translation
from services_catalog.schedules import day_tokens, now_berlin
from services_catalog.taxonomy import TERM_PARENT, TOPICS
from services_catalog.textnorm import tokens
from services_catalog.textsearch import (
    QueryWord,
    estimate_matches,
    expand_query,
    pg_tsquery,
    sqlite_match,
)

RESIDENCE_STATUSES: tuple[str, ...] = (
    "asylum_seeker", "tolerated", "temporary_protection", "residence_permit",
    "settlement_permit", "eu_citizen", "german_citizen", "undocumented", "unknown",
)
MAX_LIMIT = 100
MAX_QUERY_LENGTH = 500


@dataclass
class SearchQuery:
    """Search parameters; every field is optional except that ``lang`` defaults to German."""

    topic: str | None = None
    term: str | None = None
    q: str | None = None
    language: str | None = None
    district: str | None = None
    open_now: bool = False
    free: bool = False
    age: int | None = None
    status: str | None = None
    lang: str = "de"
    limit: int = 10
    offset: int = 0
    now: dt.datetime | None = None


@dataclass
class SearchResult:
    total: int
    items: list[dict] = field(default_factory=list)


@dataclass
class _Plan:
    """A validated query, ready to become SQL."""

    query: SearchQuery
    district: DistrictRecord | None
    words: list[QueryWord]
    now: dt.datetime
    rank_text: bool = True


def validate(query: SearchQuery) -> SearchQuery:
    """Check every parameter; raises ``ValueError`` whose message starts with its name."""
    if query.topic is not None and query.topic not in TOPICS:
        raise ValueError(f"topic: unknown topic {query.topic!r} (allowed: {', '.join(TOPICS)})")
    if query.term is not None and query.term not in TERM_PARENT and query.term not in TOPICS:
        raise ValueError(f"term: unknown taxonomy term {query.term!r}")
    if query.language is not None:
        check_language(query.language, "language")
    check_language(query.lang, "lang", allow_easy=True)
    if query.age is not None:
        if isinstance(query.age, bool) or not isinstance(query.age, int):
            raise ValueError("age: must be a whole number of years")
        if not 0 <= query.age <= 130:
            raise ValueError("age: must be between 0 and 130")
    if query.status is not None and query.status not in RESIDENCE_STATUSES:
        raise ValueError(f"status: unknown residence status {query.status!r} "
                         f"(allowed: {', '.join(RESIDENCE_STATUSES)})")
    if isinstance(query.limit, bool) or not isinstance(query.limit, int) \
            or not 1 <= query.limit <= MAX_LIMIT:
        raise ValueError(f"limit: must be between 1 and {MAX_LIMIT}")
    if isinstance(query.offset, bool) or not isinstance(query.offset, int) or query.offset < 0:
        raise ValueError("offset: must be 0 or more")
    if query.q is not None and len(query.q) > MAX_QUERY_LENGTH:
        raise ValueError(f"q: longer than {MAX_QUERY_LENGTH} characters")
    return query


def _plan(session: Session, query: SearchQuery) -> _Plan:
    validate(query)
    district = None
    if query.district is not None and query.district.strip():
        district = resolve_district(query.district)
        if district is None:
            raise ValueError(f"district: unknown district {query.district!r}")
    words = expand_query(session, query.q) if query.q and query.q.strip() else []
    rank_text = bool(words) and estimate_matches(session, words) <= RANK_TEXT_UP_TO
    return _Plan(query, district, words, now_berlin(query.now), rank_text)


#: Above this many matching documents, text relevance (bm25 / ts_rank) is not computed: every
#: match would need scoring, which costs tens of milliseconds, and for so common a word it
#: barely orders anything. Matches are then ranked by the other criteria.
RANK_TEXT_UP_TO = 3000


@dataclass
class _Statement:
    """The parts of one search statement, so that page and count queries share them."""

    joins: list[str] = field(default_factory=list)
    where: list[str] = field(default_factory=list)
    score: list[str] = field(default_factory=lambda: ["0"])
    params: dict = field(default_factory=dict)

    def page_sql(self) -> str:
        return (f"SELECT ss.service_id, ss.stadtteile, ss.stadtbezirke, "
                f"({' + '.join(self.score)}) AS score FROM service_search ss "
                + " ".join(self.joins) + self._where()
                + " ORDER BY score DESC, ss.sort_name, ss.id LIMIT :limit OFFSET :offset")

    def count_sql(self) -> str:
        return "SELECT COUNT(*) FROM service_search ss " + " ".join(self.joins) + self._where()

    def _where(self) -> str:
        return " WHERE " + " AND ".join(self.where) if self.where else ""


def _text_join(dialect: str, words: list[QueryWord], ranked: bool, all_words: bool,
               params: dict) -> tuple[str, str]:
    """The join that restricts to text matches, and its score expression (0..20)."""
    if dialect == "sqlite":
        params["fts"] = sqlite_match(words, all_words)
        if not ranked:
            return ("JOIN (SELECT rowid AS rid FROM search_fts WHERE search_fts MATCH :fts) txt "
                    "ON txt.rid = ss.id", "0")
        return ("JOIN (SELECT rowid AS rid, bm25(search_fts, 4.0, 1.0) AS rank FROM search_fts "
                "WHERE search_fts MATCH :fts) txt ON txt.rid = ss.id", "MIN(-txt.rank, 20.0)")
    params["tsq"] = pg_tsquery(words, all_words)
    if not ranked:
        return ("JOIN (SELECT id AS rid FROM search_document "
                "WHERE tsv @@ to_tsquery('simple', :tsq)) txt ON txt.rid = ss.id", "0")
    return ("JOIN (SELECT id AS rid, ts_rank(tsv, to_tsquery('simple', :tsq)) AS rank "
            "FROM search_document WHERE tsv @@ to_tsquery('simple', :tsq)) txt "
            "ON txt.rid = ss.id", "LEAST(txt.rank * 40.0, 20.0)")


def _statement(plan: _Plan, dialect: str, all_words: bool = True) -> _Statement:
    """Filters in WHERE, ranking as one numeric score."""
    query = plan.query
    st = _Statement(params={"limit": query.limit, "offset": query.offset})
    joins, where, score, params = st.joins, st.where, st.score, st.params
    if query.topic:
        joins.append("JOIN search_term st_topic ON st_topic.search_id = ss.id "
                     "AND st_topic.taxonomy_term_id = :topic")
        params["topic"] = query.topic
        score.append("st_topic.weight * 10")
    if query.term:
        joins.append("JOIN search_term st_term ON st_term.search_id = ss.id "
                     "AND st_term.taxonomy_term_id = :term")
        params["term"] = query.term
        score.append("st_term.weight * 10")
    if plan.words:
        join, text_score = _text_join(dialect, plan.words, plan.rank_text, all_words, params)
        joins.append(join)
        score.append(text_score)
    if plan.district is not None:
        params["bezirk_like"] = f"% {plan.district.stadtbezirk.lower()} %"
        stadtteil = ""
        if plan.district.kind == "stadtteil":
            params["stadtteil_like"] = f"% {plan.district.id} %"
            stadtteil = "WHEN ss.stadtteile LIKE :stadtteil_like THEN 8 "
        score.append(f"(CASE {stadtteil}WHEN ss.stadtbezirke LIKE :bezirk_like THEN 5 "
                     "WHEN ss.stadtteile = '' THEN 3 ELSE 0 END)")
    if query.language:
        params["language_like"] = f"% {query.language} %"
        where.append("(ss.languages = '' OR ss.languages LIKE :language_like)")
        score.append("(CASE WHEN ss.languages LIKE :language_like THEN 6 ELSE 0 END)")
    if query.age is not None:
        params["age"] = query.age
        where.append("(ss.minimum_age IS NULL OR ss.minimum_age <= :age)")
        where.append("(ss.maximum_age IS NULL OR ss.maximum_age >= :age)")
    if query.status and query.status != "unknown":
        params["status_like"] = f"% {query.status} %"
        where.append("(ss.statuses = '' OR ss.statuses LIKE :status_like)")
    if query.free:
        params["true"] = True
        where.append("ss.free = :true")
    if query.open_now:
        where.append(_open_now_sql(plan.now, params))
    return st


def _open_now_sql(now: dt.datetime, params: dict) -> str:
    """A schedule open at ``now`` (Berlin time) without an exception we cannot check."""
    params["clock"] = now.strftime("%H:%M")
    params["day_bit"] = 1 << now.weekday()
    monthly = []
    for index, token in enumerate(day_tokens(now)[1:]):
        params[f"month_like_{index}"] = f"%,{token},%"
        monthly.append(f"(',' || sc.byday || ',') LIKE :month_like_{index}")
    params["false"] = False
    return ("EXISTS (SELECT 1 FROM search_schedule sc WHERE sc.search_id = ss.id "
            "AND sc.opens_at <= :clock AND sc.closes_at > :clock AND sc.uncertain = :false "
            "AND ((sc.day_mask & :day_bit) <> 0 "
            f"OR (sc.freq = 'MONTHLY' AND ({' OR '.join(monthly)}))))")


def _count(session: Session, st: _Statement, plan: _Plan) -> int:
    """Total matches. With nothing but a topic or term, the index alone answers."""
    if not st.where and not plan.words and bool(plan.query.topic) != bool(plan.query.term):
        term = plan.query.topic or plan.query.term
        return session.execute(text("SELECT COUNT(*) FROM search_term WHERE taxonomy_term_id = :t"),
                               {"t": term}).scalar_one()
    return session.execute(text(st.count_sql()), st.params).scalar_one()


def search(session: Session, query: SearchQuery) -> SearchResult:
    """Services matching ``query``, best first, in the contract's service shape.

    Each item also carries ``match_reasons`` (why it matched, machine-readable) and ``open_now``
    (None when the service has no structured opening hours).
    """
    plan = _plan(session, query)
    if query.q and query.q.strip() and not plan.words:
        return SearchResult(total=0, items=[])
    dialect = session.get_bind().dialect.name
    # Several words: services with all of them; only if there are none, with any of them.
    for all_words in ((True, False) if len(plan.words) > 1 else (True,)):
        st = _statement(plan, dialect, all_words)
        rows = session.execute(text(st.page_sql()), st.params).all()
        if len(rows) < query.limit and (rows or not query.offset):
            total = query.offset + len(rows)  # the page ends before the limit: nothing follows
        else:
            total = _count(session, st, plan)
        if total:
            break
    ids = [row.service_id for row in rows]
    items = shaping.shape_services(session, ids, query.lang, plan.now)
    by_id = {row.service_id: row for row in rows}
    docs = _documents(session, ids) if plan.words else {}
    labels = _label_words(session, items) if plan.words else {}
    for item in items:
        item["match_reasons"] = _reasons(plan, item, by_id[item["id"]],
                                         docs.get(item["id"], set()), labels)
    return SearchResult(total=total, items=items)


def district_relation(district: DistrictRecord, stadtteile: str, stadtbezirke: str) -> str:
    """same_stadtteil / same_stadtbezirk / citywide (no district) / other."""
    if district.kind == "stadtteil" and f" {district.id} " in stadtteile:
        return "same_stadtteil"
    if f" {district.stadtbezirk.lower()} " in stadtbezirke:
        return "same_stadtbezirk"
    return "citywide" if not stadtteile else "other"


def _documents(session: Session, ids: list[str]) -> dict[str, set[str]]:
    """Index words of the page's services (read separately: the documents are long)."""
    if not ids:
        return {}
    rows = session.execute(select(ServiceSearch.service_id, SearchDocument.doc)
                           .join(SearchDocument, SearchDocument.id == ServiceSearch.id)
                           .where(ServiceSearch.service_id.in_(ids)))
    return {sid: set(doc.split()) for sid, doc in rows}


def _label_words(session: Session, items: list[dict]) -> dict[str, set[str]]:
    """Index words of the labels (all languages) of the taxonomy terms on this page."""
    terms = sorted({term for item in items for term in item["topics"]})
    if not terms:
        return {}
    words: dict[str, set[str]] = {term: set() for term in terms}
    for term, label in session.execute(
            select(Translation.link_id, Translation.text)
            .where(Translation.link_type == "taxonomy_term", Translation.link_id.in_(terms))):
        words[term].update(tokens(label))
    return words


def _reasons(plan: _Plan, item: dict, row, doc: set[str],
             labels: dict[str, set[str]]) -> list[str]:
    query = plan.query
    reasons: list[str] = []
    if query.topic:
        reasons.append(f"topic:{query.topic}")
    if query.term:
        reasons.append(f"term:{query.term}")
    for word in plan.words:
        if any(t in doc for t in word.terms):
            reasons.append(f"text:{word.original}")
    for term in item["topics"]:  # the words named one of the service's topics or terms
        if term not in (query.topic, query.term) and any(
                t in labels.get(term, ()) for word in plan.words for t in word.terms):
            reasons.append(f"term:{term}")
    if plan.district is not None:
        relation = district_relation(plan.district, row.stadtteile, row.stadtbezirke)
        if relation != "other":
            reasons.append(f"district:{relation}")
    if query.language and query.language in item["languages"]:
        reasons.append(f"language:{query.language}")
    if query.age is not None and (item["eligibility"]["min_age"] is not None
                                  or item["eligibility"]["max_age"] is not None):
        reasons.append(f"age:{query.age}")
    if query.status and item["eligibility"]["residence_status"]:
        reasons.append(f"status:{query.status}")
    if query.open_now and item["open_now"]:
        reasons.append("open_now")
    if query.free and item["cost"]["free"]:
        reasons.append("free")
    return reasons


def get_service(session: Session, service_id: str, lang: str = "de",
                now: dt.datetime | None = None) -> dict | None:
    """One service in the contract shape, or None if the id is unknown."""
    check_language(lang, "lang", allow_easy=True)
    items = shaping.shape_services(session, [service_id], lang, now_berlin(now))
    if not items:
        return None
    items[0]["match_reasons"] = []
    return items[0]


def list_topics(session: Session, lang: str = "de") -> list[dict]:
    """The 10 contract topics with their finer terms, labels in ``lang`` and service counts."""
    check_language(lang, "lang", allow_easy=True)
    return shaping.topics(session, lang)


def list_districts(session: Session) -> list[dict]:
    """Stadtteile and Stadtbezirke as stored (falls back to districts.json before a seed)."""
    rows = session.execute(text(
        "SELECT d.id, d.name, d.kind, d.stadtbezirk, d.teilbereich, a.alias FROM district d "
        "LEFT JOIN district_alias a ON a.district_id = d.id ORDER BY d.kind DESC, d.stadtbezirk, "
        "d.name, a.id")).all()
    if not rows:
        return [d.as_dict() for d in all_districts()]
    result: dict[str, dict] = {}
    for row in rows:
        entry = result.setdefault(row.id, {
            "id": row.id, "name": row.name, "kind": row.kind, "stadtbezirk": row.stadtbezirk,
            "teilbereich": row.teilbereich, "aliases": []})
        if row.alias:
            entry["aliases"].append(row.alias)
    return list(result.values())


__all__ = ["RESIDENCE_STATUSES", "SearchQuery", "SearchResult", "get_service", "list_districts",
           "list_topics", "resolve_district", "search", "validate"]
