"""Word frequencies per language: the language detector's fourth source (no Rasa imports here).

Why: on one or two words, character models (our fastText, lid.176, lingua) guess from letter
sequences, and they are confidently wrong on words like "capables", "fermer" or "пальцем",
which a frequency list knows at once. How often a word is written in each language is also
what decides a word two languages share ("attention", "centre"): the language that writes it
more often is the better bet. So this source scores a text by the summed log-frequencies of
its words in each language (a unigram language model with uniform prior).

The frequencies come from

* wordfreq's lists (Wikipedia, subtitles, news, books, web text; CC BY-SA 4.0) for the eight
  languages it has (``lid_data.WORDFREQ_CODES``), the ``limit`` most frequent words of each;
* our own training text for so, ku, ps and ti (wordfreq has no list for them): relative counts
  of the words of ``data/nlu`` and TICO-19, built from the texts the detector trains on, so a
  held-out text's words are not in the table that the stacker is fitted with.

A word a language's table lacks counts as ``FLOOR`` there; a word no table holds says nothing.
The table is stored compactly (64-bit hashes of the words, int8 tenths of log10 frequencies):
about 20 bytes a word, 20 MB for 150,000 words in each of eight languages.
"""
from __future__ import annotations

import hashlib
import math
import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from bot.components.lid_data import LANGUAGES, WORDFREQ_CODES, dev_reserved
from bot.components.lid_sources import one_line, script_of

INDEX = {code: i for i, code in enumerate(LANGUAGES)}
FLOOR = -8.5  # log10 frequency of a word a language's table lacks (below every listed word)
_TENTHS = 10  # stored as int8 tenths of log10: -85 .. 0
_MISSING = int(round(FLOOR * _TENTHS))
_FILE = "lid_words.npz"
# What is kept of a text for the lookup: letters, ZWNJ-free Persian, no harakat or tatweel
# (wordfreq's lists are written without them), apostrophes inside words ("aujourd'hui").
_NOT_WORD = re.compile(r"[^\w']|[\d_]")
_DROP = dict.fromkeys([*range(0x064B, 0x0660), 0x0670, 0x0640, 0x200C, 0x200D])
# The script each language without a wordfreq list is written in: our own text in it also
# holds German and English words ("Notunterkunft" in a Tigrinya message), which must not
# count as words of Tigrinya.
OWN_SCRIPTS = {"so": "latin", "ku": "latin", "ps": "arabic", "ti": "ethiopic"}


def words_of(text: str) -> list[str]:
    """The words a table is looked up with: casefolded, marks and ZWNJ of Arabic script
    removed (they are written inconsistently), everything but letters a separator."""
    cleaned = one_line(text).casefold().translate(_DROP)
    return [w.strip("'") for w in _NOT_WORD.sub(" ", cleaned).split() if w.strip("'")]


def _tenths(log10: float) -> int:
    """A log10 frequency as stored: int8 tenths, above the floor, at most 0."""
    return max(_MISSING + 1, min(0, int(round(log10 * _TENTHS))))


def word_hash(word: str) -> int:
    """A stable 64-bit key (Python's ``hash`` changes between processes)."""
    return int.from_bytes(hashlib.blake2b(word.encode("utf-8"), digest_size=8).digest(),
                          "little")


def _wordfreq_lists(limit: int, holdout: bool) -> Iterable[tuple[str, str, float]]:
    """(code, word, log10 frequency) of the ``limit`` most frequent words per wordfreq list."""
    import wordfreq

    for code in WORDFREQ_CODES:
        frequencies = wordfreq.get_frequency_dict(code, wordlist="best")
        ranked = sorted(frequencies.items(), key=lambda item: -item[1])
        taken = 0
        for word, frequency in ranked:
            if taken >= limit:
                break
            keys = words_of(word)
            if len(keys) != 1 or (holdout and dev_reserved(word)):
                continue
            taken += 1
            yield code, keys[0], math.log10(frequency)


def _own_counts(pairs: Iterable[tuple[str, str]]) -> Iterable[tuple[str, str, float]]:
    """(code, word, log10 relative frequency) from training text, for the languages without
    a wordfreq list; only words in the language's own script (``OWN_SCRIPTS``)."""
    counts: dict[str, Counter] = {code: Counter() for code in OWN_SCRIPTS}
    for text, code in pairs:
        if code in counts:
            script = OWN_SCRIPTS[code]
            counts[code].update(word for word in words_of(text)
                                if all(script_of(c) == script for c in word if c != "'"))
    for code, counter in counts.items():
        total = sum(counter.values())
        for word, count in counter.items():
            yield code, word, math.log10(count / total)


class WordFrequencies:
    """Log-frequencies of words in each of the 12 languages, looked up by hash."""

    def __init__(self, keys: np.ndarray, table: np.ndarray) -> None:
        self.keys = keys  # sorted uint64 hashes
        self.table = table  # (len(keys), 12) int8 tenths of log10 frequency

    @classmethod
    def build(cls, pairs: Iterable[tuple[str, str]], limit: int = 150_000,
              holdout: bool = False, own_floor: float = FLOOR) -> WordFrequencies:
        """The table from wordfreq's lists and the (text, code) training ``pairs``
        (``from_lists`` then ``with_own_counts``)."""
        return cls.from_lists(limit, holdout).with_own_counts(pairs, own_floor)

    @classmethod
    def from_lists(cls, limit: int = 150_000, holdout: bool = False) -> WordFrequencies:
        """The table of wordfreq's lists alone (the slow part: about 13 s for 150,000 words
        per language, so training builds it once and adds its own counts twice).

        ``holdout`` leaves out the words ``lid_data.dev_reserved`` keeps for measuring, so that
        ``bench/lid_dev.py`` scores words no part of the detector has seen.
        """
        rows: dict[int, np.ndarray] = {}
        for code, word, log10 in _wordfreq_lists(limit, holdout):
            key = word_hash(word)
            row = rows.get(key)
            if row is None:
                row = rows[key] = np.full(len(LANGUAGES), _MISSING, dtype=np.int8)
            # two list entries can fold to one key: keep the higher
            row[INDEX[code]] = max(row[INDEX[code]], _tenths(log10))
        keys = np.fromiter(rows, dtype=np.uint64, count=len(rows))
        order = np.argsort(keys)
        table = np.stack([rows[int(k)] for k in keys[order]]) if rows else np.zeros(
            (0, len(LANGUAGES)), dtype=np.int8)
        return cls(keys[order], table)

    def with_own_counts(self, pairs: Iterable[tuple[str, str]],
                        own_floor: float = FLOOR) -> WordFrequencies:
        """A new table: this one plus our own counts for so ku ps ti (``OWN_SCRIPTS``).

        ``own_floor``: what a word gets in such a language when our own (small) text lacks
        it; a few thousand sentences miss many words of the language, so their absence says
        less than a 150,000-word list's absence does.
        """
        counted: dict[int, dict[int, int]] = {}
        for code, word, log10 in _own_counts(pairs):
            counted.setdefault(word_hash(word), {})[INDEX[code]] = _tenths(log10)
        own_keys = np.fromiter(counted, dtype=np.uint64, count=len(counted))
        keys = np.union1d(self.keys, own_keys)
        table = np.full((len(keys), len(LANGUAGES)), _MISSING, dtype=np.int8)
        table[np.searchsorted(keys, self.keys)] = self.table
        table[:, [INDEX[code] for code in OWN_SCRIPTS]] = int(round(own_floor * _TENTHS))
        for row, key in zip(np.searchsorted(keys, own_keys), counted, strict=True):
            for column, value in counted[key].items():
                table[row, column] = value
        return type(self)(keys, table)

    def __len__(self) -> int:
        return len(self.keys)

    def lookup(self, text: str) -> tuple[np.ndarray, int, int]:
        """(summed log10 frequencies per language of the known words, known words, words)."""
        words = words_of(text)
        total = np.zeros(len(LANGUAGES))
        if not words or not len(self.keys):
            return total, 0, len(words)
        hashes = np.fromiter((word_hash(w) for w in words), dtype=np.uint64, count=len(words))
        where = np.minimum(np.searchsorted(self.keys, hashes), len(self.keys) - 1)
        found = self.keys[where] == hashes
        if found.any():
            total = self.table[where[found]].sum(axis=0, dtype=np.float64) / _TENTHS
        return total, int(found.sum()), len(words)

    def probabilities(self, text: str) -> np.ndarray:
        """P(language | words) with a uniform prior; uniform when no word is known."""
        total, known, _ = self.lookup(text)
        if not known:
            return np.full(len(LANGUAGES), 1.0 / len(LANGUAGES))
        logits = total * math.log(10)
        logits -= logits.max()
        probs = np.exp(logits)
        return probs / probs.sum()

    def save(self, directory: Path) -> None:
        np.savez_compressed(Path(directory) / _FILE, keys=self.keys, table=self.table)

    @classmethod
    def load(cls, directory: Path) -> WordFrequencies:
        with np.load(Path(directory) / _FILE, allow_pickle=False) as stored:
            return cls(stored["keys"], stored["table"])
