"""Text normalisation shared by the tokenizer, the rule entities and the language rules.

Newcomers type the same word in many ways: with or without Arabic short vowels (harakat) and
tatweel, with the Arabic or the Persian yeh and kaf, with or without the zero-width non-joiner
(ZWNJ) inside Persian words ("می‌خواهم" / "میخواهم"), with Arabic-Indic digits, with or without
German umlauts and Kurdish/Turkish marks. Features and phrase lists only work if all these
spellings meet in one form, so every consumer normalises with the functions here.

The normalised form is for matching only; it is never shown to users. ``normalize_with_map``
keeps, for every output character, the index of the input character it came from, so callers
can report spans in the user's original text.
"""
from __future__ import annotations

import unicodedata

# Characters removed outright: Arabic harakat (fathatan .. sukun and the Quranic marks up to
# U+065F), the superscript alef U+0670, tatweel U+0640, and invisible format characters
# (ZWNJ, ZWJ, LRM, RLM, ALM, soft hyphen, BOM). Removing ZWNJ joins "می‌خواهم" into
# "میخواهم", the way most people type it on phones.
_DROP = frozenset(
    [chr(c) for c in range(0x064B, 0x0660)]
    + ["\u0670", "\u0640", "\u200c", "\u200d", "\u200e", "\u200f", "\u061c", "\u00ad", "\ufeff"]
)

# One letter form for letters that are written differently across Arabic, Persian and Pashto
# keyboards but mean the same to a reader. Pashto-only letters are kept as they are.
_MAP = {
    # alef variants -> bare alef
    "\u0623": "\u0627",  # أ
    "\u0625": "\u0627",  # إ
    "\u0622": "\u0627",  # آ
    "\u0671": "\u0627",  # ٱ
    # yeh: Arabic yeh, alef maksura and Farsi yeh -> Arabic yeh
    "\u0649": "\u064a",  # ى
    "\u06cc": "\u064a",  # ی
    # kaf: Arabic kaf and swash kaf -> keheh (Persian kaf)
    "\u0643": "\u06a9",  # ك
    "\u06aa": "\u06a9",  # ڪ
    # heh variants
    "\u06be": "\u0647",  # ھ (heh doachashmee, used by some keyboards)
    "\u06c1": "\u0647",  # ہ
    "\u06c0": "\u0647",  # ۀ (heh with yeh above, Persian ezafe)
    # Turkish dotted capital I casefolds to i + combining dot; make it a plain i
    "\u0130": "i",
    # phones type the typographic apostrophe (j’ai, don’t) where lists have the plain one
    "\u2019": "'",
    "\u2018": "'",
    "\u02bc": "'",
}
# Arabic-Indic (U+0660..) and Extended Arabic-Indic (Persian, U+06F0..) digits -> ASCII
_MAP.update({chr(0x0660 + i): str(i) for i in range(10)})
_MAP.update({chr(0x06F0 + i): str(i) for i in range(10)})

# Latin letters whose marks are not combining characters after NFD.
_LATIN_FOLD = {"ß": "ss", "ı": "i", "ø": "o", "æ": "ae", "œ": "oe", "đ": "d", "ł": "l"}


def _is_latin(char: str) -> bool:
    """True for Basic Latin and Latin-1/Extended-A/B letters (the ones that carry marks)."""
    return char.isalpha() and ord(char) < 0x0250


def _fold_latin_char(char: str) -> str:
    """Strip marks from one Latin character: "ü" -> "u", "ş" -> "s", "ê" -> "e", "ß" -> "ss"."""
    if char in _LATIN_FOLD:
        return _LATIN_FOLD[char]
    if not _is_latin(char):
        return char
    decomposed = unicodedata.normalize("NFD", char)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _normalize_char(char: str, fold_latin: bool) -> str:
    """Normalise a single input character; the result may be empty or several characters."""
    if char in _DROP:
        return ""
    if char in _MAP:
        return _MAP[char]
    out = []
    # NFKC turns Arabic presentation forms and full-width letters into ordinary letters.
    for c in unicodedata.normalize("NFKC", char).casefold():
        if c in _DROP:
            continue
        c = _MAP.get(c, c)
        if fold_latin:
            c = _fold_latin_char(c)
        out.append(c)
    return "".join(out)


def normalize_with_map(text: str, fold_latin: bool = False) -> tuple[str, list[int]]:
    """Normalise ``text`` and return, for each output character, its index in ``text``.

    Combining marks that follow a Latin letter (decomposed input such as "u" + U+0308) are
    dropped when ``fold_latin`` is set, so decomposed and composed input give the same result.
    """
    chars: list[str] = []
    index: list[int] = []
    prev_latin = False
    for i, char in enumerate(text):
        if fold_latin and prev_latin and unicodedata.combining(char):
            continue
        normalized = _normalize_char(char, fold_latin)
        chars.append(normalized)
        index.extend([i] * len(normalized))
        if not unicodedata.combining(char):
            prev_latin = _is_latin(char)
    return "".join(chars), index


def normalize(text: str, fold_latin: bool = False) -> str:
    """Matching form of ``text``: casefolded, Arabic script unified, ZWNJ removed.

    With ``fold_latin`` the marks of Latin letters are removed as well ("Münster" ->
    "munster", "kurdî" -> "kurdi", "ß" -> "ss"); Cyrillic and Ethiopic letters are never
    folded, because their marks distinguish letters (й/и, ї/і).
    """
    return normalize_with_map(text, fold_latin)[0]


__all__ = ["normalize", "normalize_with_map"]
