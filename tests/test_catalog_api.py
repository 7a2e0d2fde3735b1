"""The catalogue API on a real seeded SQLite catalogue (services_catalog init on a temp file)."""
from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from bot.gateway import catalog_api
from bot.settings import TOPICS
from services_catalog.db import make_engine
from services_catalog.init_db import init_catalog
from tests.conftest import gateway_client

CONTRACT_PARAMETERS = {"topic", "q", "language", "district", "open_now", "free", "age", "status",
                       "lang", "limit", "offset"}
CONTRACT_FIELDS = {"id", "name", "organization", "description", "description_lang", "topics",
                   "languages", "locations", "phones", "email", "url", "schedules",
                   "opening_hours_text", "cost", "eligibility", "source_url", "last_verified"}
API_PATHS = {"/api/services", "/api/services/{id}", "/api/topics", "/api/districts",
             "/api/openapi.json"}


@pytest.fixture(scope="module")
def catalog_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("catalog") / "catalog.db"
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    assert init_catalog(engine)["seeded"] > 0
    engine.dispose()
    return url


@pytest.fixture
async def api(tmp_path: Path, catalog_url: str) -> AsyncIterator[TestClient]:
    async with gateway_client(tmp_path, catalog_url) as client:
        yield client


async def get_json(client: TestClient, path: str, expect: int = 200, **params: Any) -> Any:
    resp = await client.get(path, params={k: str(v) for k, v in params.items()})
    assert resp.status == expect, await resp.text()
    assert resp.content_type == "application/json"
    return await resp.json()


# ---------------------------------------------------------------------------------------------
# /api/services
# ---------------------------------------------------------------------------------------------

async def test_search_by_topic(api: TestClient) -> None:
    data = await get_json(api, "/api/services", topic="legal_advice", limit=100)
    assert data["total"] == len(data["items"]) > 0
    for item in data["items"]:
        assert "legal_advice" in item["topics"]
        assert CONTRACT_FIELDS <= set(item)


async def test_free_text_finds_the_foreigners_office(api: TestClient) -> None:
    data = await get_json(api, "/api/services", q="Ausländerbehörde")
    assert "auslaenderbehoerde-bereich-aufenthaltsrecht" in [i["id"] for i in data["items"]]


async def test_filters_narrow_the_list(api: TestClient) -> None:
    everything = await get_json(api, "/api/services", limit=100)
    free = await get_json(api, "/api/services", free="true", limit=100)
    assert 0 < free["total"] < everything["total"]
    assert all(i["cost"]["free"] for i in free["items"])
    adults = await get_json(api, "/api/services", age=40, limit=100)
    for item in adults["items"]:
        elig = item["eligibility"]
        assert (elig["min_age"] or 0) <= 40 <= (elig["max_age"] if elig["max_age"] else 200)
    english = await get_json(api, "/api/services", language="en", limit=100)
    assert "en" in english["items"][0]["languages"]  # documented speakers rank first
    assert "language:en" in english["items"][0]["match_reasons"]
    opened = await get_json(api, "/api/services", open_now="false", status="asylum_seeker",
                            district="Hiltrup")
    assert opened["total"] > 0


async def test_paging(api: TestClient) -> None:
    first = await get_json(api, "/api/services", limit=3)
    second = await get_json(api, "/api/services", limit=3, offset=3)
    assert len(first["items"]) == len(second["items"]) == 3
    assert first["total"] == second["total"]
    assert not {i["id"] for i in first["items"]} & {i["id"] for i in second["items"]}


async def test_lang_chooses_texts(api: TestClient) -> None:
    data = await get_json(api, "/api/services", topic="health", lang="en", limit=100)
    assert {i["description_lang"] for i in data["items"]} <= {"en", "de", None}


async def test_unknown_parameters_are_ignored(api: TestClient) -> None:
    data = await get_json(api, "/api/services", topic="health", utm_source="x", _="1")
    assert data["total"] > 0


@pytest.mark.parametrize(("name", "value"), [
    ("age", "abc"), ("age", "12.5"), ("age", "500"), ("limit", "ten"), ("limit", "101"),
    ("limit", "0"), ("offset", "-1"), ("open_now", "maybe"), ("free", "yes please"),
    ("topic", "astrology"), ("term", "astrology"), ("language", "xx"), ("lang", "klingon"),
    ("status", "tourist"), ("district", "Atlantis"), ("q", "x" * 600),
])
async def test_bad_parameters_get_400_naming_them(api: TestClient, name: str, value: str) -> None:
    data = await get_json(api, "/api/services", 400, **{name: value})
    assert data["error"].startswith(f"{name}:"), data


async def test_database_runs_in_a_worker_thread(api: TestClient,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    threads: list[int] = []
    real_search = catalog_api.search

    def spy(session, query):
        threads.append(threading.get_ident())
        return real_search(session, query)

    monkeypatch.setattr(catalog_api, "search", spy)
    await get_json(api, "/api/services", topic="health")
    assert threads and threads[0] != threading.get_ident()


# ---------------------------------------------------------------------------------------------
# One service, topics, districts
# ---------------------------------------------------------------------------------------------

async def test_one_service(api: TestClient) -> None:
    item = await get_json(api, "/api/services/auslaenderbehoerde-bereich-aufenthaltsrecht",
                          lang="en")
    assert item["id"] == "auslaenderbehoerde-bereich-aufenthaltsrecht"
    assert CONTRACT_FIELDS <= set(item)


async def test_unknown_service_is_404_json(api: TestClient) -> None:
    data = await get_json(api, "/api/services/no-such-service", 404)
    assert "error" in data
    await get_json(api, "/api/services/" + "x" * 300, 404)


async def test_topics(api: TestClient) -> None:
    data = await get_json(api, "/api/topics", lang="ar")
    assert [t["id"] for t in data["topics"]] == list(TOPICS)
    assert all(t["terms"] for t in data["topics"])
    await get_json(api, "/api/topics", 400, lang="xx")


async def test_districts(api: TestClient) -> None:
    data = await get_json(api, "/api/districts")
    names = {d["name"] for d in data["districts"]}
    assert {"Hiltrup", "Coerde", "Kinderhaus"} <= names


# ---------------------------------------------------------------------------------------------
# The OpenAPI document
# ---------------------------------------------------------------------------------------------

def _as_json_schema(node: Any) -> Any:
    """OpenAPI 3.0 schema objects to JSON Schema (nullable -> null allowed)."""
    if isinstance(node, list):
        return [_as_json_schema(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _as_json_schema(v) for k, v in node.items() if k not in ("nullable", "example")}
    if node.get("nullable"):
        if "type" in out:
            out["type"] = [out["type"], "null"]
        if "enum" in out:
            out["enum"] = [*out["enum"], None]
    return out


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [r for v in node.values() for r in _refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in _refs(v)]
    return []


async def test_openapi_document_is_complete(api: TestClient) -> None:
    doc = await get_json(api, "/api/openapi.json")
    assert doc["openapi"].startswith("3.0.")
    assert doc["info"]["title"] and doc["info"]["version"]
    assert set(doc["paths"]) == API_PATHS
    only_catalog = web.Application()
    only_catalog["settings"] = api.app["settings"]
    catalog_api.setup(only_catalog)
    routes = {r.resource.canonical for r in only_catalog.router.routes() if r.resource}
    assert routes == set(doc["paths"])
    for path, item in doc["paths"].items():
        operation = item["get"]
        assert operation["operationId"] and operation["responses"]["200"]["description"]
        for parameter in operation["parameters"]:
            assert {"name", "in", "schema"} <= set(parameter)
            assert parameter["in"] in ("query", "path")
        path_params = {p["name"] for p in operation["parameters"] if p["in"] == "path"}
        assert path_params == {seg[1:-1] for seg in path.split("/") if seg.startswith("{")}
    search = {p["name"] for p in doc["paths"]["/api/services"]["get"]["parameters"]}
    assert CONTRACT_PARAMETERS <= search
    service = doc["components"]["schemas"]["Service"]
    assert CONTRACT_FIELDS <= set(service["properties"])
    for ref in _refs(doc):
        assert ref.startswith("#/components/schemas/")
        assert ref.rsplit("/", 1)[1] in doc["components"]["schemas"]


async def test_real_answers_match_the_documented_schema(api: TestClient) -> None:
    doc = await get_json(api, "/api/openapi.json")
    root = {"components": _as_json_schema(doc["components"])}
    data = await get_json(api, "/api/services", limit=100)
    jsonschema.validate(data, {**root, "$ref": "#/components/schemas/ServiceList"})
    topics = await get_json(api, "/api/topics")
    for topic in topics["topics"]:
        jsonschema.validate(topic, {**root, "$ref": "#/components/schemas/Topic"})
    districts = await get_json(api, "/api/districts")
    for district in districts["districts"]:
        jsonschema.validate(district, {**root, "$ref": "#/components/schemas/District"})
