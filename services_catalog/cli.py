"""Command line: ``python -m services_catalog init | seed | search | import | export | stats``."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from sqlalchemy import func, select

from services_catalog import models as m
from services_catalog.db import make_engine, session_scope
from services_catalog.init_db import init_catalog
from services_catalog.search import SearchQuery, search


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m services_catalog",
                                     description="Münster services catalogue")
    parser.add_argument("--db", help="database URL (default: CATALOG_DATABASE_URL or "
                                     "var/catalog.db)")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("init", help="migrate to the newest schema; seed if empty")
    seed = commands.add_parser("seed", help="load the Münster seed data")
    seed.add_argument("--replace", action="store_true",
                      help="replace existing services (default: only seed an empty catalogue)")
    find = commands.add_parser("search", help="search services")
    find.add_argument("--topic")
    find.add_argument("--term")
    find.add_argument("--q")
    find.add_argument("--language", help="language spoken at the service")
    find.add_argument("--district")
    find.add_argument("--open-now", action="store_true")
    find.add_argument("--free", action="store_true")
    find.add_argument("--age", type=int)
    find.add_argument("--status")
    find.add_argument("--lang", default="de", help="language of the returned texts")
    find.add_argument("--limit", type=int, default=10)
    find.add_argument("--offset", type=int, default=0)
    find.add_argument("--json", action="store_true", help="print the result as JSON")
    imp = commands.add_parser("import", help="import HSDS JSON or a tabular data package")
    imp.add_argument("path", type=Path, help="a .json file or a directory with datapackage.json")
    imp.add_argument("--replace", action="store_true", help="replace the whole catalogue")
    exp = commands.add_parser("export", help="export HSDS JSON or a tabular data package")
    exp.add_argument("path", type=Path)
    exp.add_argument("--format", choices=("json", "tabular"), default=None,
                     help="default: json for a *.json path, else tabular")
    commands.add_parser("stats", help="counts per table and topic")
    return parser


def _table(items: list[dict]) -> str:
    """A compact human-readable list: one block per service."""
    lines = []
    for index, item in enumerate(items, 1):
        lines.append(f"{index:>2}. {item['name']}  [{item['id']}]")
        address = "; ".join(filter(None, (
            ", ".join(filter(None, (loc["address_1"], loc["postal_code"], loc["district"])))
            for loc in item["locations"])))
        phones = ", ".join(p["number"] for p in item["phones"])
        for label, value in (("where", address), ("phone", phones), ("email", item["email"]),
                             ("web", item["url"]), ("hours", item["opening_hours_text"]),
                             ("why", " ".join(item["match_reasons"])),
                             ("source", item["source_url"]),
                             ("verified", item["last_verified"])):
            if value:
                lines.append(f"    {label:<8} {value}")
    return "\n".join(lines)


def _search(session, args) -> int:
    query = SearchQuery(topic=args.topic, term=args.term, q=args.q, language=args.language,
                        district=args.district, open_now=args.open_now, free=args.free,
                        age=args.age, status=args.status, lang=args.lang, limit=args.limit,
                        offset=args.offset)
    result = search(session, query)
    if args.json:
        print(json.dumps({"total": result.total, "items": result.items}, ensure_ascii=False,
                         indent=2))
    else:
        print(f"{result.total} services")
        print(_table(result.items))
    return 0


def _stats(session) -> dict:
    counts = {table.__tablename__: session.execute(
        select(func.count()).select_from(table)).scalar_one()
        for table in (m.Organization, m.Service, m.Location, m.Phone, m.Schedule, m.Language,
                      m.ServiceTaxonomy, m.Eligibility, m.CostOption, m.ServiceArea,
                      m.Translation, m.District, m.TaxonomyTerm, m.SearchVocab,
                      m.HandoffRequest)}
    per_topic = dict(session.execute(
        select(m.ServiceTaxonomy.taxonomy_term_id, func.count())
        .where(m.TaxonomyTerm.parent_id.is_(None))
        .join(m.TaxonomyTerm, m.TaxonomyTerm.id == m.ServiceTaxonomy.taxonomy_term_id)
        .group_by(m.ServiceTaxonomy.taxonomy_term_id)).all())
    per_language = dict(session.execute(
        select(m.Translation.language, func.count())
        .where(m.Translation.link_type == "service", m.Translation.link_field == "description")
        .group_by(m.Translation.language)).all())
    return {"tables": counts, "services_per_topic": per_topic,
            "descriptions_per_language": per_language}


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    engine = make_engine(args.db)
    try:
        if args.command == "init":
            print(json.dumps(init_catalog(engine)))
            return 0
        if args.command == "seed":
            from services_catalog import migrate
            from services_catalog.seed import seed

            migrate.upgrade(engine)
            with session_scope(engine) as session:
                written = seed(session, replace=args.replace)
            print(f"seeded {written} services" if written else
                  "catalogue not empty: nothing written (use --replace)")
            return 0
        if args.command == "import":
            from services_catalog import migrate
            from services_catalog.hsds import CatalogImportError, import_path

            migrate.upgrade(engine)
            try:
                with session_scope(engine) as session:
                    count = import_path(session, args.path, replace=args.replace)
            except CatalogImportError as error:
                print(str(error), file=sys.stderr)
                return 1
            print(f"imported {count} services")
            return 0
        with session_scope(engine) as session:
            if args.command == "search":
                return _search(session, args)
            if args.command == "export":
                from services_catalog.hsds import export_path

                count = export_path(session, args.path, args.format)
                print(f"exported {count} services to {args.path}")
                return 0
            if args.command == "stats":
                print(json.dumps(_stats(session), indent=2, ensure_ascii=False))
                return 0
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    return 1
