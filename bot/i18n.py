"""Every text a user sees, in the 12 contract languages and German Leichte Sprache.

Why a translation layer used by the actions rather than Rasa's conditional response variations:
most replies are assembled by actions (orientation + service cards + buttons whose labels depend
on the catalogue), so the actions need the texts anyway; one YAML file per language
(`bot/locales/<variant>.yml`) is what a translator edits; and one test (tests/test_i18n.py) can
check every key in every variant, placeholders included. The gateway and the widget use the same
files, so a reply, a button and an error message can never exist in one language but not another.
"""
from __future__ import annotations

import functools
import logging
import string
from pathlib import Path

import yaml

from bot.settings import EASY_GERMAN, LANGUAGES

LOCALES = Path(__file__).resolve().parent / "locales"
VARIANTS: tuple[str, ...] = (*LANGUAGES, EASY_GERMAN)
log = logging.getLogger(__name__)


@functools.lru_cache(maxsize=1)
def catalog() -> dict[str, dict[str, str]]:
    """{variant: {key: text}} read once from bot/locales/."""
    result: dict[str, dict[str, str]] = {}
    for variant in VARIANTS:
        path = LOCALES / f"{variant}.yml"
        data = yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else {}
        result[variant] = {str(k): str(v) for k, v in (data or {}).items()}
    return result


def variant(language: str | None, easy: bool = False) -> str:
    """The text variant for a conversation: Leichte Sprache only applies to German."""
    lang = language if language in LANGUAGES else "de"
    return EASY_GERMAN if easy and lang == "de" else lang


def t(key: str, language: str | None, easy: bool = False, **values: object) -> str:
    """The text `key` in the conversation's language, with `{placeholders}` filled in.

    A missing text is a bug that tests/test_i18n.py catches; at run time we still answer, in
    English, and log the key (never the user's text).
    """
    texts = catalog()
    chosen = variant(language, easy)
    template = texts[chosen].get(key) or texts["en"].get(key)
    if template is None:
        log.error("no text for key %s", key)
        return key
    if chosen not in texts or key not in texts[chosen]:
        log.error("text %s missing in %s", key, chosen)
    return template.format(**values) if values else template


def placeholders(template: str) -> set[str]:
    """The `{names}` a template expects."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def missing() -> list[tuple[str, str]]:
    """(variant, key) for every key that some variant has and another lacks."""
    texts = catalog()
    keys = set().union(*(set(v) for v in texts.values()))
    return sorted((var, key) for var in VARIANTS for key in keys if not texts[var].get(key))


def direction(language: str | None) -> str:
    """'rtl' for Arabic, Persian and Pashto, else 'ltr'."""
    from bot.settings import RTL_LANGUAGES

    return "rtl" if language in RTL_LANGUAGES else "ltr"
