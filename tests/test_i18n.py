"""Every text a user sees exists in all 12 languages and in German Leichte Sprache."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot import i18n
from bot.settings import LANGUAGES

ROOT = Path(__file__).resolve().parent.parent


def test_every_key_exists_in_every_variant():
    assert i18n.missing() == []
    assert set(i18n.catalog()) == {*LANGUAGES, "de_easy"}
    assert len(i18n.catalog()["en"]) > 50


@pytest.mark.parametrize("variant", i18n.VARIANTS)
def test_placeholders_match_english(variant):
    english = i18n.catalog()["en"]
    for key, text in i18n.catalog()[variant].items():
        assert i18n.placeholders(text) == i18n.placeholders(english.get(key, text)), (variant, key)


def test_every_key_used_in_code_exists():
    """Keys written literally in the actions and the gateway exist (f-string keys are checked
    by expanding them over the topics and legal subtopics)."""
    from actions.menus import LEGAL_SUBTOPICS
    from services_catalog.taxonomy import TOPICS

    used: set[str] = set()
    for path in [*ROOT.glob("actions/*.py"), *ROOT.glob("bot/gateway/*.py")]:
        source = path.read_text()
        used |= set(re.findall(r"""\.t\(\s*"([a-z_]+(?:\.[a-z0-9_]+)+)"\s*[,)]""", source))
        used |= set(re.findall(r"""i18n\.t\(\s*"([a-z_]+(?:\.[a-z0-9_]+)+)""", source))
    used |= {f"topic.{t}.orientation" for t in TOPICS} | {f"topic.{t}.label" for t in TOPICS}
    used |= {f"legal.{s}.orientation" for s in LEGAL_SUBTOPICS}
    used |= {f"legal.{s}.label" for s in LEGAL_SUBTOPICS}
    from actions.topics import STATUSES

    used |= {f"status.{s}" for s in STATUSES}
    used |= {f"smalltalk.{i}" for i in ("affirm", "deny", "goodbye", "thank", "bot_challenge")}
    english = i18n.catalog()["en"]
    assert sorted(k for k in used if k not in english) == []


def test_leichte_sprache_only_for_german():
    assert i18n.variant("de", easy=True) == "de_easy"
    assert i18n.variant("ar", easy=True) == "ar"
    assert i18n.t("language.confirm", "de", True) != i18n.t("language.confirm", "de")


def test_right_to_left_languages():
    assert [code for code in LANGUAGES if i18n.direction(code) == "rtl"] == ["ar", "fa", "ps"]
