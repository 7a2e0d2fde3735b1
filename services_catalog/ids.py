"""Stable service ids derived from the source record's name (the same in every seed file)."""
from __future__ import annotations

import re
import unicodedata

_GERMAN = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss",
                         "Ä": "ae", "Ö": "oe", "Ü": "ue"})


def slugify(name: str, max_length: int = 60) -> str:
    """ASCII slug of a German name: umlauts spelt out, other marks dropped, '-' between words."""
    text = unicodedata.normalize("NFKD", name.translate(_GERMAN))
    text = text.encode("ascii", "ignore").decode("ascii").lower()
    text = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    return text[:max_length].rstrip("-")
