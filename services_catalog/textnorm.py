"""Text normalisation shared by indexing and querying, so both sides agree on every script.

German umlauts are spelt out (``ä`` → ``ae``) like :func:`services_catalog.ids.slugify`, so that
"Ausländerbehörde", "Auslaenderbehoerde" and (within one typo) "Auslanderbehorde" meet.
Arabic-script text loses harakat and tatweel and has its yeh/kaf/heh variants unified (Persian and
Pashto keyboards type other code points than Arabic ones); ZWNJ joins the word.
"""
from __future__ import annotations

import re
import unicodedata

_GERMAN = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
_ARABIC = str.maketrans({
    "ى": "ي", "ی": "ي", "ې": "ي", "ۍ": "ي", "ئ": "ي",
    "ک": "ك", "ګ": "ك", "ة": "ه", "ۀ": "ه", "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا",
    "ؤ": "و", "\u0640": None, "\u200c": None, "\u200d": None, "\u200f": None, "\u200e": None,
})
_WORD = re.compile(r"\w+", re.UNICODE)


def normalize(text: str) -> str:
    """Fold ``text`` for matching: casefold, umlauts spelt out, marks dropped, Arabic unified."""
    text = text.casefold().translate(_GERMAN).translate(_ARABIC)
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", stripped)


def tokens(text: str) -> list[str]:
    """Normalised word tokens of ``text`` (letters and digits of any script)."""
    return [t for t in _WORD.findall(normalize(text)) if t != "_"]


def edit_distance(a: str, b: str, limit: int = 3) -> int:
    """Levenshtein distance with adjacent transpositions, stopping early above ``limit``.

    Only ever run on short words (query words against a handful of candidates), so a plain
    dynamic programme is fast enough and avoids a C extension dependency.
    """
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


def allowed_typos(word: str) -> int:
    """How many edits a query word of this length may carry and still count as that word."""
    if len(word) <= 3:
        return 0
    if len(word) <= 6:
        return 1
    return 2
