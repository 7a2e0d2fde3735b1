"""The referral lookup for counsellors at `/counsellor`: search, referral slip, CSV export.

Server-rendered on purpose: counsellors work on office PCs and print slips, the pages must work
without JavaScript, and the gateway's CSP forbids inline script and style anyway. The search is
the catalogue's own (`services_catalog.search`), through the same parameter parsing as the JSON
API, so a filter means the same in the chat, the API and here. Staff pages (handoff requests)
live in `counsellor_staff`; sessions and CSRF in `counsellor_security`.
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from aiohttp import web
from sqlalchemy.orm import Session

from bot import i18n
from bot.gateway import counsellor_staff
from bot.gateway.catalog_api import catalog_engine, parse_search_query, run_in_session
from bot.gateway.counsellor_render import (
    language_name,
    render,
    setup_templates,
    translator,
    ui_language,
)
from bot.settings import LANGUAGES, TOPICS
from services_catalog.mapping import tel_href
from services_catalog.search import (
    MAX_LIMIT,
    RESIDENCE_STATUSES,
    get_service,
    list_districts,
    list_topics,
    search,
)

PAGE_SIZE = 25
MAX_EXPORT_ROWS = 2000
FILTERS = ("q", "topic", "term", "language", "district", "open_now", "free", "age", "status")
STATIC_CSS = Path(__file__).resolve().parent / "static" / "counsellor.css"
CLIENT_LANGUAGES = i18n.VARIANTS  # the 12 languages and Leichte Sprache
CSV_FIELDS = ("id", "name", "organization", "topics", "languages", "address_1", "postal_code",
              "city", "district", "phones", "email", "url", "opening_hours_text", "cost",
              "free", "min_age", "max_age", "residence_status", "eligibility", "source_url",
              "last_verified")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
Translate = Callable[..., str]


# ---------------------------------------------------------------------------------------------
# Presenting a service
# ---------------------------------------------------------------------------------------------

def safe_url(url: str | None) -> str | None:
    """An http(s) link, or None: catalogue data must never become a javascript: link."""
    if not url:
        return None
    url = url.strip()
    if re.match(r"^https?://[^\s\"'<>]+$", url, re.IGNORECASE):
        return url
    if re.match(r"^[\w.-]+\.[a-z]{2,}(/[^\s\"'<>]*)?$", url, re.IGNORECASE):
        return f"https://{url}"
    return None


def format_location(location: dict[str, Any]) -> str:
    street = location.get("address_1")
    town = " ".join(p for p in (location.get("postal_code"), location.get("city")) if p)
    text = ", ".join(p for p in (street, town) if p)
    district = location.get("district")
    if district:
        text = f"{text} ({district})" if text else district
    return text


def main_topic(item: dict[str, Any]) -> str | None:
    return next((topic for topic in item.get("topics") or [] if topic in TOPICS), None)


def service_view(item: dict[str, Any], term_labels: dict[str, str], t: Translate
                 ) -> dict[str, Any]:
    """Everything a page shows about a service, already formatted; the template only escapes."""
    eligibility = item.get("eligibility") or {}
    cost = item.get("cost") or {}
    min_age, max_age = eligibility.get("min_age"), eligibility.get("max_age")
    ages = None
    if min_age is not None or max_age is not None:
        ages = f"{min_age if min_age is not None else 0}–{max_age if max_age is not None else ''}"
    organization = item.get("organization") or {}
    return {
        "id": item["id"],
        "name": item.get("name") or item["id"],
        "organization": organization.get("name"),
        "description": item.get("description"),
        "description_lang": item.get("description_lang"),
        "topics": [term_labels.get(term, term) for term in item.get("topics") or []],
        "languages": [language_name(code) for code in item.get("languages") or []],
        "addresses": [a for a in (format_location(loc) for loc in item.get("locations") or [])
                      if a],
        "phones": [{"number": p["number"], "description": p.get("description"),
                    "href": tel_href(p["number"])} for p in item.get("phones") or []
                   if p.get("number")],
        "email": item.get("email"),
        "url": safe_url(item.get("url")),
        "url_text": item.get("url"),
        "hours": item.get("opening_hours_text"),
        "open_now": item.get("open_now"),
        "cost": cost.get("description"),
        "free": cost.get("free"),
        "ages": ages,
        "statuses": [t(f"counsellor.status.{s}") for s in eligibility.get("residence_status")
                     or []],
        "eligibility": eligibility.get("description"),
        "sources": [{"href": safe_url(u), "text": u} for u in _split_sources(item)],
        "last_verified": item.get("last_verified"),
        "topic": main_topic(item),
    }


def _split_sources(item: dict[str, Any]) -> list[str]:
    return [u.strip() for u in (item.get("source_url") or "").split("|") if u.strip()]


def term_labels(topics: list[dict[str, Any]]) -> dict[str, str]:
    labels = {}
    for topic in topics:
        labels[topic["id"]] = topic["label"]
        for term in topic.get("terms") or []:
            labels[term["id"]] = term["label"]
    return labels


# ---------------------------------------------------------------------------------------------
# Search page
# ---------------------------------------------------------------------------------------------

def _filters(request: web.Request) -> dict[str, str]:
    return {name: request.query.get(name, "") for name in FILTERS}


def _page_url(request: web.Request, offset: int) -> str:
    return str(request.rel_url.update_query(offset=str(offset)))


async def search_page(request: web.Request) -> web.Response:
    ui = ui_language(request)
    t = translator(ui)
    filters = _filters(request)
    error = None
    try:
        offset = int(request.query.get("offset") or 0)
        query = parse_search_query({**filters, "lang": ui, "limit": str(PAGE_SIZE),
                                    "offset": str(max(offset, 0))})
    except ValueError as exc:
        error, query = str(exc), None

    def load(session: Session) -> dict[str, Any]:
        data: dict[str, Any] = {"topics": list_topics(session, ui),
                                "districts": list_districts(session), "result": None}
        if query is not None:
            data["result"] = search(session, query)
        return data

    try:
        data = await run_in_session(request.app, load)
    except ValueError as exc:  # a value only the catalogue can judge (district, topic...)
        error = str(exc)
        query = None
        data = await run_in_session(request.app, lambda s: {
            "topics": list_topics(s, ui), "districts": list_districts(s), "result": None})
    labels = term_labels(data["topics"])
    result = data["result"]
    context: dict[str, Any] = {
        "filters": filters, "topics": data["topics"],
        "districts": sorted({d["name"] for d in data["districts"]}),
        "languages": [(code, language_name(code)) for code in LANGUAGES],
        "client_languages": [(code, language_name(code)) for code in CLIENT_LANGUAGES],
        "statuses": RESIDENCE_STATUSES,
        "error": error.split(":", 1)[0] if error else None,
        "services": [], "total": 0,
    }
    if result is not None and query is not None:
        context.update(
            services=[service_view(item, labels, t) for item in result.items],
            total=result.total, first=query.offset + 1 if result.items else 0,
            last=query.offset + len(result.items),
            previous_url=_page_url(request, max(query.offset - PAGE_SIZE, 0))
            if query.offset > 0 else None,
            next_url=_page_url(request, query.offset + PAGE_SIZE)
            if query.offset + PAGE_SIZE < result.total else None,
            export_url=_export_url(request),
        )
    return render(request, "counsellor/search.html", context, status=400 if error else 200)


def _export_url(request: web.Request) -> str:
    query = {k: v for k, v in request.query.items() if k in FILTERS and v}
    query["ui"] = ui_language(request)
    return str(request.app.router["counsellor_export"].url_for().with_query(query))


# ---------------------------------------------------------------------------------------------
# Referral slip
# ---------------------------------------------------------------------------------------------

async def slip_page(request: web.Request) -> web.Response:
    ui = ui_language(request)
    service_id = request.match_info["id"]
    client_lang = request.query.get("client_lang") or "en"
    if client_lang not in CLIENT_LANGUAGES:
        return render(request, "counsellor/message.html",
                      {"message": translator(ui)("counsellor.error.bad_filter",
                                                 parameter="client_lang")}, status=400)
    languages = ["de"] if client_lang == "de" else ["de", client_lang]

    def load(session: Session) -> list[tuple[str, dict | None, list[dict]]]:
        return [(lang, get_service(session, service_id, lang), list_topics(session, lang))
                for lang in languages]

    loaded = await run_in_session(request.app, load) if len(service_id) <= 80 else []
    if not loaded or loaded[0][1] is None:
        return render(request, "counsellor/message.html",
                      {"message": translator(ui)("counsellor.error.not_found")}, status=404)
    columns = []
    for lang, item, topics in loaded:
        t = translator(lang)
        view = service_view(item or loaded[0][1], term_labels(topics), t)
        columns.append({"lang": lang, "dir": i18n.direction(lang), "t": t, "service": view,
                        "language_name": language_name(lang),
                        "bring": t(f"slip.bring.{view['topic'] or 'default'}")})
    return render(request, "counsellor/slip.html", {"columns": columns,
                                                    "service_id": service_id})


# ---------------------------------------------------------------------------------------------
# CSV export
# ---------------------------------------------------------------------------------------------

def csv_cell(value: object) -> str:
    """A cell a spreadsheet will not run: text starting like a formula gets a leading quote."""
    if value is None:
        return ""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, (list, tuple)):
        text = "; ".join(str(v) for v in value)
    else:
        text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def csv_row(item: dict[str, Any]) -> list[str]:
    location = (item.get("locations") or [{}])[0]
    eligibility = item.get("eligibility") or {}
    cost = item.get("cost") or {}
    values = {
        **{k: item.get(k) for k in ("id", "name", "topics", "languages", "email", "url",
                                    "opening_hours_text", "source_url", "last_verified")},
        "organization": (item.get("organization") or {}).get("name"),
        "address_1": location.get("address_1"), "postal_code": location.get("postal_code"),
        "city": location.get("city"), "district": location.get("district"),
        "phones": [p["number"] for p in item.get("phones") or []],
        "cost": cost.get("description"), "free": cost.get("free"),
        "min_age": eligibility.get("min_age"), "max_age": eligibility.get("max_age"),
        "residence_status": eligibility.get("residence_status"),
        "eligibility": eligibility.get("description"),
    }
    return [csv_cell(values[name]) for name in CSV_FIELDS]


def write_csv(items: Iterable[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(CSV_FIELDS)
    for item in items:
        writer.writerow(csv_row(item))
    return out.getvalue()


async def export_csv(request: web.Request) -> web.Response:
    ui = ui_language(request)
    try:
        base = parse_search_query({**_filters(request), "lang": ui, "limit": str(MAX_LIMIT)})
    except ValueError as exc:
        raise web.HTTPBadRequest(text=str(exc)) from None

    def load(session: Session) -> list[dict]:
        items: list[dict] = []
        while len(items) < MAX_EXPORT_ROWS:
            base.offset = len(items)
            page = search(session, base)
            items.extend(page.items)
            if not page.items or len(items) >= page.total:
                break
        return items

    try:
        items = await run_in_session(request.app, load)
    except ValueError as exc:
        raise web.HTTPBadRequest(text=str(exc)) from None
    body = "\ufeff" + write_csv(items)  # the BOM makes spreadsheet programs read UTF-8
    return web.Response(body=body.encode("utf-8"), content_type="text/csv", charset="utf-8",
                        headers={"Content-Disposition": 'attachment; filename="services.csv"'})


# ---------------------------------------------------------------------------------------------
# Set-up
# ---------------------------------------------------------------------------------------------

async def stylesheet(request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC_CSS, headers={"Content-Type": "text/css; charset=utf-8",
                                                 "Cache-Control": "no-cache"})


def setup(app: web.Application) -> None:
    """Register the counsellor pages, their stylesheet and the staff pages."""
    catalog_engine(app)
    setup_templates(app)
    app.router.add_get("/counsellor", search_page, name="counsellor_search")
    app.router.add_get("/counsellor/", search_page)
    app.router.add_get("/counsellor/slip/{id}", slip_page, name="counsellor_slip")
    app.router.add_get("/counsellor/export.csv", export_csv, name="counsellor_export")
    app.router.add_get("/counsellor/counsellor.css", stylesheet)
    counsellor_staff.setup(app)
