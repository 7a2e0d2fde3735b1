"""The hand-written OpenAPI 3.0 description of the catalogue API (served at /api/openapi.json).

Hand-written rather than generated so that it documents the contract (CONTRACT.md) and not
whatever the code happens to do; tests/test_catalog_api.py checks that every route and every
query parameter the handlers read is described here.
"""
from __future__ import annotations

import copy
import functools
from typing import Any

from bot.settings import LANGUAGES, TOPICS
from services_catalog.search import MAX_LIMIT, RESIDENCE_STATUSES
from services_catalog.taxonomy import TERM_PARENT

TEXT_LANGUAGES = [*LANGUAGES, "de_easy"]


def _param(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema,
            "description": description}


LANG = _param("lang", {"type": "string", "enum": TEXT_LANGUAGES, "default": "de"},
              "Language of the returned texts (falls back to German where no translation "
              "exists; `description_lang` says which one a description is in).")

SEARCH_PARAMETERS = [
    _param("topic", {"type": "string", "enum": list(TOPICS)}, "Top-level topic of the contract."),
    _param("term", {"type": "string", "enum": sorted(TERM_PARENT)},
           "A finer taxonomy term below a topic (optional extension of the contract)."),
    _param("q", {"type": "string", "maxLength": 500}, "Free text, typo tolerant."),
    _param("language", {"type": "string", "enum": list(LANGUAGES)},
           "A language spoken at the service."),
    _param("district", {"type": "string"},
           "A Stadtteil or Stadtbezirk of Münster (name or alias, see /api/districts); "
           "ranks nearby services first."),
    _param("open_now", {"type": "boolean", "default": False},
           "Only services open right now (Europe/Berlin); `true` or `false`."),
    _param("free", {"type": "boolean", "default": False}, "Only services free of charge."),
    _param("age", {"type": "integer", "minimum": 0, "maximum": 130},
           "Age of the person, in years."),
    _param("status", {"type": "string", "enum": list(RESIDENCE_STATUSES)},
           "Residence status of the person."),
    LANG,
    _param("limit", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": 10},
           "Page size."),
    _param("offset", {"type": "integer", "minimum": 0, "default": 0}, "Items to skip."),
]

NULLABLE_STRING = {"type": "string", "nullable": True}

SCHEMAS: dict[str, Any] = {
    "Error": {"type": "object", "required": ["error"],
              "properties": {"error": {"type": "string",
                                       "description": "Names the offending parameter."}}},
    "Service": {
        "type": "object",
        "description": "A service, with Open Referral HSDS field names.",
        "required": ["id", "name", "topics", "languages", "locations", "phones",
                     "source_url", "last_verified"],
        "properties": {
            "id": {"type": "string"},
            "name": {"type": "string"},
            "organization": {"type": "object", "nullable": True, "properties": {
                "id": {"type": "string"}, "name": {"type": "string"}, "url": NULLABLE_STRING}},
            "description": NULLABLE_STRING,
            "description_lang": {"type": "string", "nullable": True, "enum": TEXT_LANGUAGES},
            "topics": {"type": "array", "items": {"type": "string"},
                       "description": "Topic ids and finer terms, main topic first."},
            "languages": {"type": "array", "items": {"type": "string", "enum": list(LANGUAGES)}},
            "locations": {"type": "array", "items": {"type": "object", "properties": {
                "address_1": NULLABLE_STRING, "postal_code": NULLABLE_STRING,
                "city": NULLABLE_STRING, "district": NULLABLE_STRING}}},
            "phones": {"type": "array", "items": {"type": "object", "required": ["number"],
                                                  "properties": {
                                                      "number": {"type": "string"},
                                                      "description": NULLABLE_STRING}}},
            "email": NULLABLE_STRING,
            "url": NULLABLE_STRING,
            "schedules": {"type": "array", "items": {"type": "object", "properties": {
                "freq": {"type": "string", "enum": ["WEEKLY", "MONTHLY"], "nullable": True},
                "byday": NULLABLE_STRING,
                "opens_at": {"type": "string", "nullable": True, "example": "09:00"},
                "closes_at": {"type": "string", "nullable": True, "example": "12:00"},
                "description": NULLABLE_STRING, "notes": NULLABLE_STRING}}},
            "opening_hours_text": NULLABLE_STRING,
            "cost": {"type": "object", "properties": {
                "free": {"type": "boolean", "nullable": True},
                "description": NULLABLE_STRING}},
            "eligibility": {"type": "object", "properties": {
                "min_age": {"type": "integer", "nullable": True},
                "max_age": {"type": "integer", "nullable": True},
                "residence_status": {"type": "array", "items": {
                    "type": "string", "enum": list(RESIDENCE_STATUSES)}},
                "description": NULLABLE_STRING}},
            "source_url": {"type": "string",
                           "description": "Where the facts were taken from."},
            "last_verified": {"type": "string", "format": "date"},
            "open_now": {"type": "boolean", "nullable": True,
                         "description": "Null when the opening hours are not structured."},
            "match_reasons": {"type": "array", "items": {"type": "string"},
                              "description": "Why the service matched, e.g. topic:health."},
        },
    },
    "ServiceList": {"type": "object", "required": ["total", "items"], "properties": {
        "total": {"type": "integer"},
        "items": {"type": "array", "items": {"$ref": "#/components/schemas/Service"}}}},
    "Term": {"type": "object", "properties": {
        "id": {"type": "string"}, "label": {"type": "string"},
        "label_lang": {"type": "string"}, "service_count": {"type": "integer"}}},
    "Topic": {"allOf": [{"$ref": "#/components/schemas/Term"}, {"type": "object", "properties": {
        "terms": {"type": "array", "items": {"$ref": "#/components/schemas/Term"}}}}]},
    "District": {"type": "object", "properties": {
        "id": {"type": "string"}, "name": {"type": "string"},
        "kind": {"type": "string", "enum": ["stadtteil", "stadtbezirk"]},
        "stadtbezirk": {"type": "string"}, "teilbereich": NULLABLE_STRING,
        "aliases": {"type": "array", "items": {"type": "string"}}}},
}


def _json(schema_ref: str, description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {
        "schema": {"$ref": f"#/components/schemas/{schema_ref}"}}}}


def _wrapped(key: str, schema_ref: str, description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": {
        "type": "object", "required": [key], "properties": {
            key: {"type": "array", "items": {"$ref": f"#/components/schemas/{schema_ref}"}}}}}}}


BAD_REQUEST = _json("Error", "A parameter is malformed or unknown; the message names it.")

PATHS: dict[str, Any] = {
    "/api/services": {"get": {
        "operationId": "searchServices", "summary": "Search services, best match first",
        "parameters": SEARCH_PARAMETERS,
        "responses": {"200": _json("ServiceList", "Matching services"), "400": BAD_REQUEST}}},
    "/api/services/{id}": {"get": {
        "operationId": "getService", "summary": "One service",
        "parameters": [{"name": "id", "in": "path", "required": True,
                        "schema": {"type": "string", "maxLength": 80}}, LANG],
        "responses": {"200": _json("Service", "The service"), "400": BAD_REQUEST,
                      "404": _json("Error", "No service with this id")}}},
    "/api/topics": {"get": {
        "operationId": "listTopics", "summary": "The ten topics with their finer terms",
        "parameters": [LANG],
        "responses": {"200": _wrapped("topics", "Topic", "Topics with labels and counts"),
                      "400": BAD_REQUEST}}},
    "/api/districts": {"get": {
        "operationId": "listDistricts", "summary": "Stadtteile and Stadtbezirke of Münster",
        "parameters": [],
        "responses": {"200": _wrapped("districts", "District", "Districts with aliases")}}},
    "/api/openapi.json": {"get": {
        "operationId": "openapi", "summary": "This document", "parameters": [],
        "responses": {"200": {"description": "OpenAPI 3.0 document",
                              "content": {"application/json": {"schema": {"type": "object"}}}}}}},
}


@functools.lru_cache(maxsize=1)
def _document() -> dict[str, Any]:
    return {
        "openapi": "3.0.3",
        "info": {"title": "Münster newcomer services catalogue", "version": "1.0.0",
                 "description": "Counselling and services for newcomers in Münster. "
                                "Texts in 12 languages and German Leichte Sprache."},
        "servers": [{"url": "/"}],
        "paths": PATHS,
        "components": {"schemas": SCHEMAS},
    }


def openapi_document() -> dict[str, Any]:
    """A fresh copy of the document (callers may not change the cached one)."""
    return copy.deepcopy(_document())
