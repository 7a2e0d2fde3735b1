"""Catalogue search benchmark: synthetic catalogues of 1,000 / 10,000 / 100,000 services.

``python -m bench.catalog_bench [--quick] [--sizes 1000,10000] [--backends sqlite,postgresql]``

Each catalogue is built by the same code path as the real seed (``record_rows`` →
``insert_rows`` → ``rebuild_search_index``) from generated records with texts in several of the
contract languages, then 1,000 mixed queries (topic, topic+district, spoken language, free text
with and without typos, finer term, open now, free, age+status, other result languages, paging)
run through ``services_catalog.search.search``. Building and querying run in separate child
processes so that the peak RSS reported for queries is that of a searching process only.
Goal on SQLite: p95 ≤ 10 ms at 10,000 and ≤ 50 ms at 100,000 services.
Writes ``bench/results/catalog.json``.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import resource
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench import write_result

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "catalog.json"
WORKDIR = ROOT / "var" / "bench"
PG_URL = os.environ.get("CATALOG_BENCH_PG_URL",
                        os.environ.get("CATALOG_TEST_PG_URL",
                                       "postgresql://postgres@127.0.0.1:5432/test"))
GOALS_MS = {10_000: 10.0, 100_000: 50.0}
QUERY_COUNT = 1000
SEED = 20261101

SOURCE_TOPICS = (
    "legal_residence", "asylum", "language_course", "education_school", "health",
    "mental_health", "housing", "work", "recognition_of_qualifications", "family_youth", "women",
    "anti_discrimination", "participation_volunteering", "culture_religion", "sport_leisure",
    "debt_social_benefits", "emergency",
)
WORDS = {
    "de": "beratung aufenthalt wohnung arbeit sprache kurs familie kinder gesundheit arzt schule "
          "ausbildung behörde antrag termin hilfe frauen jugend verein begegnung sport kultur "
          "integration anerkennung zeugnis versicherung miete schulden gewalt notfall amt stelle "
          "büro sprechstunde geflüchtete kita ausländerbehörde jobcenter einbürgerung duldung",
    "en": "advice residence housing work language course family children health doctor school "
          "training office application appointment help women youth club meeting sport culture "
          "integration recognition certificate insurance rent debt violence emergency",
    "ar": "استشارة إقامة سكن عمل لغة دورة عائلة أطفال صحة طبيب مدرسة تدريب مكتب طلب موعد مساعدة "
          "نساء شباب نادي رياضة ثقافة اندماج تأمين إيجار ديون عنف طوارئ لاجئين",
    "tr": "danışmanlık oturum konut iş dil kurs aile çocuklar sağlık doktor okul eğitim ofis "
          "başvuru randevu yardım kadınlar gençlik kulüp spor kültür entegrasyon sigorta kira",
    "ru": "консультация вид жительство жильё работа язык курс семья дети здоровье врач школа "
          "обучение ведомство заявление запись помощь женщины молодёжь спорт культура",
    "uk": "консультація проживання житло робота мова курс сімʼя діти здоровʼя лікар школа "
          "навчання відомство заява запис допомога жінки молодь спорт культура",
    "fa": "مشاوره اقامت مسکن کار زبان دوره خانواده کودکان سلامت پزشک مدرسه آموزش اداره "
          "درخواست وقت کمک زنان جوانان ورزش فرهنگ",
    "ti": "ምኽሪ መንበሪ ገዛ ስራሕ ቋንቋ ትምህርቲ ስድራ ቆልዑ ጥዕና ሓኪም ቤት ትምህርቲ ሓገዝ",
    "so": "talo deganaansho guri shaqo luqad koorso qoys carruur caafimaad dhakhtar dugsi "
          "caawimaad haween dhalinyaro",
    "fr": "conseil séjour logement travail langue cours famille enfants santé médecin école "
          "formation bureau demande rendez-vous aide femmes jeunesse sport culture",
}
SUFFIXES = ("", "", "", "stelle", "dienst", "zentrum", "netz", "punkt", "haus", "gruppe",
            "projekt", "team", "treff", "hilfe", "angebot", "kurs")
HOURS = (
    "montags bis freitags 8–12 Uhr, donnerstags auch 15–18 Uhr", "dienstags 10–14 Uhr",
    "Montag bis Mittwoch 8–16 Uhr, Donnerstag 8–18 Uhr, Freitag 8–13 Uhr",
    "jeden letzten Donnerstag im Monat, 16–18 Uhr", "rund um die Uhr, an 365 Tagen",
    "donnerstags 9–11 Uhr, nicht in den Schulferien", "zweimal wöchentlich offene Sprechstunden",
)
LANGUAGE_NOTES = ("Deutsch, Englisch", "Deutsch, Arabisch, Persisch", "Deutsch, Türkisch",
                  "Deutsch, Russisch, Ukrainisch", "Deutsch, Französisch, Somali")
RESIDENCE = ("asylum_seeker", "tolerated", "temporary_protection", "residence_permit",
             "settlement_permit", "eu_citizen", "undocumented")


def _vocabulary(rng: random.Random) -> dict[str, list[str]]:
    """Per language: base words and compounds, sampled Zipf-like so some words are common."""
    vocab = {}
    for lang, words in WORDS.items():
        base = words.split()
        vocab[lang] = [w + s for w in base for s in SUFFIXES] if lang == "de" else base
        rng.shuffle(vocab[lang])
    return vocab


def _sentence(rng: random.Random, words: list[str], length: int) -> str:
    weights = [1.0 / (rank + 1) for rank in range(len(words))]
    return " ".join(rng.choices(words, weights=weights, k=length)).capitalize() + "."


def generate(size: int, rng: random.Random):
    """Yield (record, {lang: description}) pairs in the services.json shape."""
    from services_catalog.districts import all_districts

    vocab = _vocabulary(rng)
    stadtteile = [d for d in all_districts() if d.kind == "stadtteil"]
    for index in range(size):
        topics = rng.sample(SOURCE_TOPICS, rng.choice((1, 1, 2, 2, 3)))
        head = rng.choice(vocab["de"][:200]).capitalize()
        district = rng.choice(stadtteile) if rng.random() < 0.4 else None
        record = {
            "name": f"{head} {rng.choice(('Münster', 'Beratung', 'Zentrum', 'Treff'))} {index}",
            "organisation": f"Träger {index % max(1, size // 5)}",
            "topic": topics,
            "description": _sentence(rng, vocab["de"], rng.randint(12, 30)),
            "languages": rng.choice(LANGUAGE_NOTES) if rng.random() < 0.2 else None,
            "street_address": f"{rng.choice(('Hafenstraße', 'Ludgeriplatz', 'Hamannplatz'))} "
                              f"{rng.randint(1, 99)}" if rng.random() < 0.6 else None,
            "postcode": rng.choice(("48143", "48151", "48153", None)),
            "district": f"{district.name} (Stadtbezirk {district.stadtbezirk})"
                        if district else None,
            "phone": f"0251 / {rng.randint(100, 999)}-{rng.randint(1000, 9999)}"
                     if rng.random() < 0.5 else None,
            "email": None, "website": None,
            "opening_hours": rng.choice(HOURS) if rng.random() < 0.5 else None,
            "cost": rng.choice(("kostenlos", "gebührenpflichtig", None, None, None)),
            "eligibility": None,
            "source_url": f"https://example.invalid/service/{index}",
            "date": f"20{rng.randint(10, 26)}-0{rng.randint(1, 9)}",
        }
        langs = rng.sample([lang for lang in WORDS if lang != "de"], rng.randint(2, 5))
        texts = {lang: _sentence(rng, vocab[lang], rng.randint(10, 25)) for lang in langs}
        yield record, texts


def _insert_chunk(session, rows, insert_rows, seen_orgs: set[str]) -> None:
    """Insert one chunk; organisations shared with an earlier chunk are already stored."""
    fresh = {}
    for org in rows.tables["organization"]:
        if org["id"] not in seen_orgs:
            fresh.setdefault(org["id"], org)
    seen_orgs.update(fresh)
    rows.tables["organization"] = list(fresh.values())
    insert_rows(session, rows)


def build(url: str, size: int) -> dict:
    """Create and fill a catalogue; returns timings."""
    from services_catalog import migrate
    from services_catalog.db import make_engine, session_scope
    from services_catalog.ids import slugify
    from services_catalog.search_index import rebuild_search_index
    from services_catalog.seed import CatalogRows, insert_rows, record_rows, seed_reference

    rng = random.Random(SEED + size)
    seen_orgs: set[str] = set()
    engine = make_engine(url)
    start = time.perf_counter()
    migrate.upgrade(engine)
    with session_scope(engine) as session:
        seed_reference(session)
        rows = CatalogRows()
        for record, texts in generate(size, rng):
            sid = slugify(record["name"])
            record_rows(rows, record, {sid: texts}, service_id=sid)
            if rng.random() < 0.15:
                rows.tables["service"][-1]["minimum_age"] = rng.choice((12, 16, 18, 27))
                rows.tables["service"][-1]["maximum_age"] = rng.choice((None, 27, 65))
            if rng.random() < 0.1:
                for status in rng.sample(RESIDENCE, 2):
                    rows.add("eligibility", {"service_id": sid, "residence_status": status})
            if len(rows.tables["service"]) >= 5000:
                _insert_chunk(session, rows, insert_rows, seen_orgs)
                rows = CatalogRows()
        _insert_chunk(session, rows, insert_rows, seen_orgs)
        inserted = time.perf_counter()
        rebuild_search_index(session)
    with engine.begin() as connection:
        connection.exec_driver_sql("ANALYZE")
    engine.dispose()
    done = time.perf_counter()
    return {"insert_seconds": round(inserted - start, 1),
            "index_seconds": round(done - inserted, 1)}


def queries(rng: random.Random, count: int):
    """A fixed mix of realistic queries (the same for every size and backend)."""
    from services_catalog.search import SearchQuery
    from services_catalog.taxonomy import TERMS, TOPICS

    vocab = _vocabulary(random.Random(SEED))
    districts = ("Coerde", "Kinderhaus", "Hiltrup", "Gievenbeck", "Muenster-Wolbeck", "Mitte",
                 "Angelmodde", "Roxel")
    now = dt.datetime(2028, 11, 16, 10, 30)

    def typo(word: str) -> str:
        if len(word) < 6:
            return word
        i = rng.randrange(1, len(word) - 1)
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]

    makers = [
        ("topic", lambda: SearchQuery(topic=rng.choice(TOPICS))),
        ("topic+district", lambda: SearchQuery(topic=rng.choice(TOPICS),
                                               district=rng.choice(districts))),
        ("topic+language+district", lambda: SearchQuery(
            topic=rng.choice(TOPICS), language=rng.choice(("ar", "fa", "uk", "tr", "en")),
            district=rng.choice(districts))),
        ("text", lambda: SearchQuery(q=rng.choice(vocab["de"][:300]))),
        ("text typo", lambda: SearchQuery(q=typo(rng.choice(vocab["de"][:300])))),
        ("text other language", lambda: SearchQuery(
            q=rng.choice(WORDS[rng.choice(("ar", "tr", "ru", "fa", "en"))].split()),
            lang=rng.choice(("ar", "tr", "ru", "fa", "en")))),
        ("text+topic", lambda: SearchQuery(topic=rng.choice(TOPICS),
                                           q=" ".join(rng.sample(vocab["de"][:200], 2)))),
        ("term", lambda: SearchQuery(term=rng.choice(
            [t for terms in TERMS.values() for t in terms]))),
        ("open_now+topic", lambda: SearchQuery(topic=rng.choice(TOPICS), open_now=True,
                                               now=now)),
        ("free+age+status", lambda: SearchQuery(free=rng.random() < 0.5, age=rng.randint(10, 70),
                                                status=rng.choice(RESIDENCE))),
        ("paging", lambda: SearchQuery(topic=rng.choice(TOPICS), limit=20,
                                       offset=rng.choice((20, 40, 100)))),
    ]
    for index in range(count):
        name, make = makers[index % len(makers)]
        yield name, make()


def run_queries(url: str) -> dict:
    from services_catalog.db import make_engine, session_scope
    from services_catalog.search import search

    engine = make_engine(url)
    rng = random.Random(SEED)
    timings: dict[str, list[float]] = {}
    every: list[float] = []
    with session_scope(engine) as session:
        for _name, query in queries(random.Random(SEED + 1), 50):  # warm caches
            search(session, query)
        for name, query in queries(rng, QUERY_COUNT):
            start = time.perf_counter()
            search(session, query)
            elapsed = (time.perf_counter() - start) * 1000
            every.append(elapsed)
            timings.setdefault(name, []).append(elapsed)
    engine.dispose()

    def pct(values: list[float], p: float) -> float:
        ordered = sorted(values)
        return round(ordered[min(len(ordered) - 1, int(p * len(ordered)))], 2)

    return {
        "queries": len(every), "p50_ms": round(statistics.median(every), 2),
        "p95_ms": pct(every, 0.95), "p99_ms": pct(every, 0.99), "max_ms": round(max(every), 2),
        "by_kind_p95_ms": {k: pct(v, 0.95) for k, v in timings.items()},
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def _worker(args) -> int:
    """Child process: build or query one catalogue, print JSON on the last line."""
    if args.worker == "build":
        result = build(args.url, args.size)
        result["peak_rss_mb"] = round(
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    else:
        result = run_queries(args.url)
    print(json.dumps(result))
    return 0


def _child(kind: str, url: str, size: int) -> dict:
    output = subprocess.run(
        [sys.executable, "-m", "bench.catalog_bench", "--worker", kind, "--url", url,
         "--size", str(size)], cwd=ROOT, capture_output=True, text=True, check=False)
    if output.returncode:
        raise RuntimeError(f"{kind} worker failed:\n{output.stderr[-3000:]}")
    return json.loads(output.stdout.strip().splitlines()[-1])


def _pg_schema_url(schema: str) -> tuple[str, object] | None:
    from urllib.parse import quote

    from sqlalchemy import create_engine, text

    admin = create_engine(PG_URL, future=True, connect_args={"connect_timeout": 3})
    try:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
            try:
                with connection.begin_nested():
                    connection.execute(text(
                        "CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public"))
            except Exception:  # noqa: BLE001, S110 - the search falls back to Python
                pass
    except Exception as error:  # noqa: BLE001 - unreachable server: skip PostgreSQL
        print(f"   PostgreSQL not available ({type(error).__name__}); skipped", flush=True)
        admin.dispose()
        return None
    separator = "&" if "?" in PG_URL else "?"
    return f"{PG_URL}{separator}options={quote(f'-csearch_path={schema},public')}", admin


def _measure(backend: str, size: int) -> dict | None:
    cleanup = None
    if backend == "sqlite":
        WORKDIR.mkdir(parents=True, exist_ok=True)
        path = WORKDIR / f"catalog-{size}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    else:
        schema = f"catalog_bench_{os.getpid()}"
        made = _pg_schema_url(schema)
        if made is None:
            return None
        url, admin = made

        def cleanup() -> None:
            with admin.begin() as connection:
                connection.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            admin.dispose()
    try:
        built = _child("build", url, size)
        measured = _child("query", url, size)
        db_size = None
        if backend == "sqlite":
            db_size = round(sum(Path(f"{path}{s}").stat().st_size for s in ("", "-wal")
                                if Path(f"{path}{s}").exists()) / 2**20, 1)
    finally:
        if cleanup:
            cleanup()
        elif backend == "sqlite":
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
    return {"backend": backend, "services": size, "build": built, "db_size_mb": db_size,
            **measured}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 services only")
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--worker", choices=("build", "query"), help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return _worker(args)
    sizes = [1000] if args.quick else [int(s) for s in args.sizes.split(",")]
    results = []
    for size in sizes:
        for backend in args.backends.split(","):
            print(f"== {backend}, {size:,} services", flush=True)
            result = _measure(backend, size)
            if result is None:
                continue
            results.append(result)
            result["load_average"] = [round(x, 2) for x in os.getloadavg()]
            print(f"   build {result['build']}  p50 {result['p50_ms']} ms  "
                  f"p95 {result['p95_ms']} ms  peak RSS {result['peak_rss_mb']} MB", flush=True)
    goals = []
    for size, limit in GOALS_MS.items():
        found = next((r for r in results if r["backend"] == "sqlite" and r["services"] == size),
                     None)
        if found:
            goals.append({"backend": "sqlite", "services": size, "p95_goal_ms": limit,
                          "p95_ms": found["p95_ms"], "met": found["p95_ms"] <= limit})
    report = {
        "benchmark": "catalog", "generated_at": dt.datetime.now(dt.timezone.utc).isoformat(),
        "machine": {"python": platform.python_version(), "sqlite": sqlite3.sqlite_version,
                    "cpus": os.cpu_count(), "platform": platform.platform(),
                    # other work on the machine shows up in the latencies: keep it with them
                    "load_average_at_end": [round(x, 2) for x in os.getloadavg()]},
        "queries_per_run": QUERY_COUNT, "results": results, "goals": goals,
        "all_goals_met": all(g["met"] for g in goals) if goals else None,
    }
    write_result(RESULTS, report)
    print(f"written {RESULTS}")
    return 0 if report["all_goals_met"] in (True, None) else 1


if __name__ == "__main__":
    sys.exit(main())
