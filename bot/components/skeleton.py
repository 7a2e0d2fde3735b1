"""Consonant skeletons: one spelling for a word written in Arabic script or in Latin letters.

Why: a fifth of the Arabic examples and a sixth of the Persian ones are written in Latin letters
("ana bdi mo7ami", "mikham vakil begiram"), and the writers mix both scripts with German and
English words ("بدي دكتور", "Jobcenter"). The classifier's word and character features never
meet across scripts, so an intent learnt from "محامي" says nothing about "mo7ami". Both scripts
leave the consonants, and Arabic script rarely writes the short vowels; so both are reduced to
their consonants in one Latin alphabet, with the Arabizi digits read as the letters they stand
for (3 = ع, 7 = ح, 5 = خ, 2 = ء, 8 = غ, 9 = ق, 6 = ط): "محامي" and "mo7ami" both become "mhm",
"دكتور" and "doctor" both "dktr".

Letters that sound alike in the transcriptions newcomers use share one symbol (ث/ت/ط "t",
ذ/ز/ظ "z", س/ص "s", ش "C" like Latin "sh"/"ch"/"sch", خ "x" like "kh"/"x"/"5"); long vowels
(ا و ي) and Latin vowels are dropped, except a word-initial و, which is a consonant ("vakil",
"wein"). The mapping is a phonetic key like Soundex, for matching only; it is never shown.
"""
from __future__ import annotations

import re

# Arabic-script letters (after ``bot.normalize``, which already unified alef, yeh and kaf, but
# the raw forms are listed too) -> skeleton symbol; "" drops the letter.
_ARABIC = {
    "ب": "b", "پ": "b", "ت": "t", "ث": "t", "ط": "t", "ټ": "t", "ة": "",
    "ج": "j", "ژ": "j", "ږ": "j", "چ": "C", "ش": "C", "ښ": "C",
    "ح": "h", "ه": "h", "ھ": "h", "خ": "x",
    "د": "d", "ض": "d", "ډ": "d", "ذ": "z", "ز": "z", "ظ": "z", "ځ": "z",
    "ر": "r", "ړ": "r", "س": "s", "ص": "s", "څ": "s",
    "ع": "3", "غ": "g", "گ": "g", "ګ": "g", "ق": "q", "ك": "k", "ک": "k",
    "ف": "f", "ل": "l", "م": "m", "ن": "n", "ڼ": "n",
}
_WAW = "و"
# Latin letter groups first (longest first), then single letters; Arabizi digits included.
_LATIN_GROUPS = (("sch", "C"), ("sh", "C"), ("ch", "C"), ("kh", "x"), ("gh", "g"),
                 ("th", "t"), ("dh", "z"), ("ph", "f"), ("ck", "k"))
_LATIN = {
    "b": "b", "p": "b", "t": "t", "d": "d", "j": "j", "g": "g", "h": "h", "x": "x", "z": "z",
    "s": "s", "c": "k", "k": "k", "q": "q", "f": "f", "v": "f", "w": "f", "r": "r", "l": "l",
    "m": "m", "n": "n", "2": "", "3": "3", "5": "x", "6": "t", "7": "h", "8": "g", "9": "q",
}
_SOFT_C = re.compile(r"c(?=[eiy])")  # "center", "citizen": an s
_LATIN_TOKEN = re.compile(r"(" + "|".join(group for group, _ in _LATIN_GROUPS) + r"|.)")
_LATIN_GROUP_MAP = dict(_LATIN_GROUPS)
_REPEATS = re.compile(r"(.)\1+")


def _is_arabic_script(char: str) -> bool:
    return "\u0600" <= char <= "\u06ff"


def skeleton(word: str) -> str:
    """The consonant skeleton of one word ("" for words in other scripts or without
    consonants). ``word`` should already be casefolded (a token's normalised lemma)."""
    if any(_is_arabic_script(c) for c in word):
        head = "f" if word.startswith(_WAW) else ""
        rest = word[1:] if head else word
        out = head + "".join(_ARABIC.get(c, "") for c in rest)
    elif any(c.isascii() and c.isalpha() for c in word):
        latin = _SOFT_C.sub("s", word.lower())
        out = "".join(_LATIN_GROUP_MAP.get(piece) or _LATIN.get(piece, "")
                      for piece in _LATIN_TOKEN.findall(latin))
    else:
        return ""
    return _REPEATS.sub(r"\1", out)  # a doubled consonant (shadda, "ll") counts once


def skeletons(words: list[str]) -> list[str]:
    """The skeleton of each word, "" where it has fewer than two consonants (too short to
    tell words apart: "wa", "ana")."""
    out = []
    for word in words:
        key = skeleton(word)
        out.append(key if len(key) >= 2 else "")
    return out
