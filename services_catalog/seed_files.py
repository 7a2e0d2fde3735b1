"""Readers for the seed files: the shared Münster facts and the generated YAML translations.

The YAML files are written by other helpers; a missing file is tolerated (the catalogue then
falls back to German), but a malformed one is an error, because silently dropping translations
would hide the problem until a user sees German text.
"""
from __future__ import annotations

import json
from pathlib import Path

import yaml

from services_catalog.districts import DATA_DIR
from services_catalog.languages import TEXT_LANGUAGES

SEED_DIR = Path(__file__).resolve().parent / "seed_data"
SERVICES_JSON = DATA_DIR / "services.json"
DESCRIPTIONS_YML = SEED_DIR / "descriptions.yml"
TAXONOMY_LABELS_YML = SEED_DIR / "taxonomy_labels.yml"
FIELD_TEXTS_YML = SEED_DIR / "field_texts.yml"
FIELD_KEYS = ("eligibility", "opening_hours", "cost")


def load_services(path: Path = SERVICES_JSON) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))


def load_translations(path: Path) -> dict[str, dict[str, str]]:
    """``{id: {lang: text}}`` from a YAML file; ``{}`` when the file does not exist (yet).

    Unknown language codes and non-string texts raise ``ValueError`` naming file and key.
    """
    if not path.exists():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping of id -> {{language: text}}")
    return {str(key): _clean_texts(path, str(key), texts) for key, texts in data.items()}


def load_field_texts(path: Path = FIELD_TEXTS_YML) -> dict[str, dict[str, dict[str, str]]]:
    """``{service id: {field: {lang: text}}}`` for eligibility, opening hours and cost texts.

    Same rules as ``load_translations``; an unknown field raises ``ValueError``.
    """
    if not path.exists():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping of id -> {{field: {{language: text}}}}")
    result: dict[str, dict[str, dict[str, str]]] = {}
    for sid, fields in data.items():
        if not isinstance(fields, dict):
            raise ValueError(f"{path}: {sid}: expected a mapping of field -> texts")
        unknown = set(fields) - set(FIELD_KEYS)
        if unknown:
            raise ValueError(f"{path}: {sid}: unknown field(s) {sorted(unknown)}")
        # Reuse the per-language checks of load_translations on each field's mapping.
        result[str(sid)] = {field: _clean_texts(path, f"{sid}.{field}", texts)
                            for field, texts in fields.items()}
    return result


def _clean_texts(path: Path, key: str, texts: object) -> dict[str, str]:
    if not isinstance(texts, dict):
        raise ValueError(f"{path}: {key}: expected a mapping of language -> text")
    clean: dict[str, str] = {}
    for lang, text in texts.items():
        if lang not in TEXT_LANGUAGES:
            raise ValueError(f"{path}: {key}: unknown language code {lang!r}")
        if text is None:
            continue
        if not isinstance(text, str):
            raise ValueError(f"{path}: {key}.{lang}: expected text, got {type(text).__name__}")
        if text.strip():
            clean[lang] = text.strip()
    return clean
