"""The conversation-language rule: explicit requests, sticky language, first message."""
from __future__ import annotations

import pytest

from bot.language_rules import (
    decide_language,
    explicit_language_request,
    is_sure,
    is_unclear,
)
from bot.normalize import normalize, normalize_with_map


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("/ar", "ar"),
        ("/lang tr", "tr"),
        ("English please", "en"),
        ("english pls!", "en"),
        ("can you write in English?", "en"),
        ("auf Deutsch", "de"),
        ("Auf Deutsch bitte", "de"),
        ("بالعربي", "ar"),
        ("بالعربي لو سمحت", "ar"),
        ("по-русски", "ru"),
        ("пожалуйста на русском", "ru"),
        ("українською будь ласка", "uk"),
        ("Türkçe lütfen", "tr"),
        ("turkce", "tr"),
        ("en français svp", "fr"),
        ("bi kurdî", "ku"),
        ("kurmanci", "ku"),
        ("به فارسی لطفا", "fa"),
        ("Dari", "fa"),
        ("په پښتو", "ps"),
        ("ትግርኛ", "ti"),
        ("af soomaali fadlan", "so"),
    ],
)
def test_explicit_requests(text: str, code: str) -> None:
    assert explicit_language_request(text) == code


@pytest.mark.parametrize(
    "text",
    [
        "a doctor who speaks Arabic",
        "ich suche einen Arzt der Arabisch spricht",
        "deutschkurs",
        "Ich brauche einen Deutschkurs in Coerde",
        "english or arabic",
        "/xx",
        "hello",
        "",
        "арабский врач",
    ],
)
def test_not_explicit_requests(text: str) -> None:
    assert explicit_language_request(text) is None


def test_explicit_wins_over_everything() -> None:
    assert decide_language("de", "fr", 0.99, True, "Bonjour, je cherche un médecin", "ar") == "ar"
    assert decide_language("fa", "fa", 0.99, True, "English please") == "en"
    assert decide_language(None, None, 0.0, False, "/tr", channel_language="de") == "tr"


def test_invalid_explicit_code_is_ignored() -> None:
    assert decide_language("de", "de", 0.9, True, "Hallo", explicit="xx") == "de"


@pytest.mark.parametrize("text", ["ok", "Termin", "👍", "19", "12345", "kita?", "jaa", "ok danke"])
def test_unclear_messages_keep_the_current_language(text: str) -> None:
    assert is_unclear(text)
    # even a confident detector must not switch on these
    assert decide_language("ar", "de", 0.99, True, text) == "ar"
    assert decide_language("ti", "en", 0.99, True, text) == "ti"


def test_sure_detection_switches() -> None:
    text = "Ich brauche einen Termin bei der Ausländerbehörde"
    assert decide_language("en", "de", 0.97, True, text) == "de"


def test_unsure_detection_does_not_switch() -> None:
    text = "Ich brauche einen Termin bei der Ausländerbehörde"
    assert decide_language("en", "de", 0.55, True, text) == "en"
    assert decide_language("en", "de", 0.97, False, text) == "en"
    # a single longer word is not enough letters for a Latin-script switch
    assert decide_language("tr", "de", 0.97, True, "Gievenbeck") == "tr"


def test_script_decisive_letters_count_as_sure() -> None:
    assert is_sure("ti", 0.3, False, "ሰላም")
    assert decide_language("de", "ti", 0.3, False, "ሓኪም ይደሊ") == "ti"
    assert decide_language("fa", "ps", 0.5, False, "ښه ډاکټر") == "ps"
    assert decide_language("ru", "uk", 0.5, False, "Мені потрібна їжа") == "uk"
    # decisive letters only count when the detector agrees
    assert not is_sure("fa", 0.5, False, "ښه ډاکټر")


def test_russian_and_ukrainian_switch_only_on_telling_letters() -> None:
    """"Я не знаю" is the same in both: the detector's confidence (it once said Ukrainian at
    1.0) must not move a Russian conversation; a Ukrainian-only or Russian-only letter
    does, and from any other language the detector's sure answer still counts."""
    assert decide_language("ru", "uk", 1.0, True, "Я не знаю") == "ru"
    assert decide_language("uk", "ru", 0.98, True, "Завтра в десять утра") == "uk"
    assert decide_language("ru", "uk", 0.99, True, "Мені потрібен лікар") == "uk"
    assert decide_language("uk", "ru", 0.99, True, "Мне нужны документы") == "ru"
    assert decide_language("de", "uk", 1.0, True, "Я не знаю") == "uk"
    assert decide_language("de", "ru", 0.97, True, "Завтра в десять утра") == "ru"


def test_first_message_uses_sure_detection() -> None:
    text = "Bonjour, je cherche un médecin qui parle arabe"
    assert decide_language(None, "fr", 0.95, True, text, channel_language="de") == "fr"


def test_first_message_unsure_uses_channel_language() -> None:
    assert decide_language(None, "so", 0.4, False, "mahadsanid", channel_language="en") == "en"
    assert decide_language(None, None, 0.0, False, "👍", channel_language="uk") == "uk"


def test_first_message_without_channel_uses_best_guess_then_german() -> None:
    assert decide_language(None, "so", 0.4, False, "mahadsanid") == "so"
    assert decide_language(None, "en", 0.9, True, "👍") == "de"
    assert decide_language(None, None, 0.0, False, "hello there") == "de"
    assert decide_language(None, "xx", 0.99, True, "hello there") == "de"


def test_unknown_current_language_counts_as_first_message() -> None:
    assert decide_language("xx", None, 0.0, False, "ok", channel_language="fr") == "fr"


def test_normalize_arabic_script_variants() -> None:
    assert normalize("می‌خواهم") == normalize("میخواهم")
    assert normalize("مَرْحَبًا") == normalize("مرحبا")
    assert normalize("كيف") == normalize("کیف")
    assert normalize("أحمد") == normalize("احمد") == normalize("إحمد")
    assert normalize("مـــرحبا") == normalize("مرحبا")
    assert normalize("١٩") == normalize("۱۹") == "19"


def test_normalize_latin_folding_and_offsets() -> None:
    assert normalize("Münster") == "münster"
    assert normalize("Münster", fold_latin=True) == normalize("Munster") == "munster"
    assert normalize("Kurdî", fold_latin=True) == "kurdi"
    assert normalize("Мені їжа") == "мені їжа"  # Cyrillic marks are letters, never folded
    text, index = normalize_with_map("a\u200cb")
    assert text == "ab" and index == [0, 2]
