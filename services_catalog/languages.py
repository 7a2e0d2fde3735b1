"""Language codes of the contract and the catalogue's extra text variant ``de_easy``."""
from __future__ import annotations

#: The twelve ISO 639-1 codes of CONTRACT.md, in the contract's order.
LANGUAGES: tuple[str, ...] = (
    "de", "en", "ar", "tr", "ru", "uk", "fa", "ps", "ku", "ti", "so", "fr",
)

#: German "Leichte Sprache". Not a language of the contract (there it is a reply style), but the
#: catalogue keeps its texts as a separate translation so the bot can show them.
EASY_GERMAN = "de_easy"

#: Every code a translated text may carry.
TEXT_LANGUAGES: tuple[str, ...] = (*LANGUAGES, EASY_GERMAN)

#: The language of the source records; their texts count as the reviewed originals.
SOURCE_LANGUAGE = "de"

#: German names of languages as they occur in source texts ("Deutsch, Englisch (Webseite)").
GERMAN_LANGUAGE_NAMES: dict[str, str] = {
    "deutsch": "de", "englisch": "en", "arabisch": "ar", "türkisch": "tr", "russisch": "ru",
    "ukrainisch": "uk", "persisch": "fa", "farsi": "fa", "dari": "fa", "paschtu": "ps",
    "kurdisch": "ku", "tigrinya": "ti", "somali": "so", "französisch": "fr",
}


def check_language(value: str, parameter: str, *, allow_easy: bool = False) -> str:
    """Return ``value`` when it is a known code, else raise ``ValueError`` naming ``parameter``.

    The API turns the ``ValueError`` into HTTP 400, so the message must name the parameter.
    """
    allowed = TEXT_LANGUAGES if allow_easy else LANGUAGES
    if value not in allowed:
        raise ValueError(f"{parameter}: unknown language code {value!r} (allowed: "
                         f"{', '.join(allowed)})")
    return value
