"""Training text for the language detector: who wrote what, in which language.

Two sources, both training data of the project (never the evaluation sets):

* ``data/nlu/<code>.yml``: the file a line sits in names its language. Rasa hands the detector
  only texts (a ``TrainingData``), so we read the files to build a text -> language map and
  label only the texts Rasa passed in; in cross-validation the held-out fold stays unseen.
* ``/work/shared/data/lid-train/tico19.tsv``: longer health-domain sentences in ar, fa (and
  Dari, variety ``prs``), ps, ku, ti, so, ru, fr; Sorani (``ckb``) is not a contract language
  and is skipped.

Short messages are the hard case for language identification, so ``short_spans`` cuts single
words and word pairs out of the training sentences.
"""
from __future__ import annotations

import csv
import functools
import random
import re
import zlib
from collections.abc import Iterable
from pathlib import Path

import yaml

LANGUAGES: tuple[str, ...] = (
    "de", "en", "ar", "tr", "ru", "uk", "fa", "ps", "ku", "ti", "so", "fr",
)
_SPACE = re.compile(r"\s+")


def text_key(text: str) -> str:
    """The form under which texts are compared: stripped, inner whitespace collapsed."""
    return _SPACE.sub(" ", text).strip()


def _examples_of(block: str) -> Iterable[str]:
    """The lines of a Rasa ``examples: |`` block, without the leading "- "."""
    for line in block.splitlines():
        line = line.strip()
        if line.startswith("- "):
            yield line[2:]
        elif line == "-":
            continue


def nlu_language_map(directory: Path) -> dict[str, str]:
    """Map each example text of ``directory/<code>.yml`` to ``code``.

    A text found in the files of two languages ("ok", "Kita") is left out: it says nothing
    about either language.
    """
    seen: dict[str, set[str]] = {}
    for code in LANGUAGES:
        path = Path(directory) / f"{code}.yml"
        if not path.exists():
            continue
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for item in data.get("nlu", []) or []:
            block = item.get("examples") if isinstance(item, dict) else None
            if isinstance(block, str):
                for text in _examples_of(block):
                    seen.setdefault(text_key(text), set()).add(code)
    return {text: next(iter(codes)) for text, codes in seen.items() if len(codes) == 1}


def read_tico(path: Path) -> list[tuple[str, str]]:
    """(text, code) pairs of the TICO-19 training file; Dari (``prs``) counts as ``fa``."""
    pairs = []
    with Path(path).open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
            code = row.get("lang", "")
            text = row.get("text") or ""
            if code in LANGUAGES and text.strip():
                pairs.append((text_key(text), code))
    return pairs


def short_spans(
    pairs: list[tuple[str, str]], per_text: int = 1, seed: int = 13
) -> list[tuple[str, str]]:
    """Single words and word pairs cut from the sentences (deterministic for a seed).

    For each text of three or more words, ``per_text`` single words and ``per_text`` adjacent
    pairs; words without letters (numbers, emoji) are not used alone.
    """
    rng = random.Random(seed)
    spans = []
    for text, code in pairs:
        words = text.split()
        if len(words) < 3:
            continue
        lettered = [w for w in words if any(c.isalpha() for c in w)]
        for _ in range(per_text):
            if lettered:
                spans.append((rng.choice(lettered), code))
            start = rng.randrange(len(words) - 1)
            spans.append((" ".join(words[start : start + 2]), code))
    return spans


def _words(text: str) -> list[str]:
    return [w for w in re.split(r"[^\w'\u200c]+", text.casefold()) if w and not w.isdigit()]


def word_languages(pairs: list[tuple[str, str]], share: float = 0.8) -> dict[str, str]:
    """Each word mapped to the language that holds at least ``share`` of its occurrences.

    Words spread over several languages ("jobcenter", "kita", "ok", "covid", district names,
    English words inside other languages' messages) map to nothing: they are no evidence for
    any one language, and a single word or pair made only of them would teach the detector
    noise.
    """
    counts: dict[str, dict[str, int]] = {}
    for text, code in pairs:
        for word in _words(text):
            by_code = counts.setdefault(word, {})
            by_code[code] = by_code.get(code, 0) + 1
    owner = {}
    for word, by_code in counts.items():
        code, top = max(by_code.items(), key=lambda item: item[1])
        if top >= share * sum(by_code.values()):
            owner[word] = code
    return owner


def telling(pairs: list[tuple[str, str]], owner: dict[str, str]) -> list[tuple[str, str]]:
    """The pairs with at least one word that belongs to the pair's own language."""
    return [(text, code) for text, code in pairs
            if any(owner.get(word) == code for word in _words(text))]


def stratified_split(
    pairs: list[tuple[str, str]], fraction: float, seed: int = 7
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Split into (rest, held-out) with ``fraction`` of each language held out."""
    rng = random.Random(seed)
    by_code: dict[str, list[tuple[str, str]]] = {}
    for pair in pairs:
        by_code.setdefault(pair[1], []).append(pair)
    rest, held = [], []
    for code in sorted(by_code):
        items = by_code[code][:]
        rng.shuffle(items)
        cut = int(round(len(items) * fraction))
        held.extend(items[:cut])
        rest.extend(items[cut:])
    return rest, held


def training_pairs(
    nlu_dir: Path, tico_path: Path | None, texts: Iterable[str] | None = None
) -> list[tuple[str, str]]:
    """(text, code) pairs for the detector.

    ``texts``: the texts Rasa passed to ``train()``; only those are labelled from the NLU files
    (so a cross-validation fold's test texts stay unseen). None means: every NLU text.
    TICO-19 is added when ``tico_path`` exists.
    """
    language_of = nlu_language_map(nlu_dir)
    if texts is None:
        pairs = sorted(language_of.items())
    else:
        keys = sorted({text_key(t) for t in texts})
        pairs = [(key, language_of[key]) for key in keys if key in language_of]
    if tico_path is not None and Path(tico_path).exists():
        pairs += read_tico(Path(tico_path))
    return pairs


# --- general vocabulary shipped in installed packages ----------------------------------------

def _lookups(name: str) -> dict | list:
    import gzip
    import json

    import spacy_lookups_data

    path = Path(spacy_lookups_data.__file__).parent / "data" / f"{name}.json.gz"
    if not path.exists():
        return {}
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return json.load(handle)


def _frequent(name: str, limit: int) -> list[str]:
    import heapq

    probs = _lookups(name)
    if not isinstance(probs, dict):
        return []
    alphabetic = ((prob, word) for word, prob in probs.items() if word.isalpha())
    return [word for _, word in heapq.nlargest(limit, alphabetic)]


def _stop_words(code: str) -> list[str]:
    import importlib

    try:
        module = importlib.import_module(f"spacy.lang.{code}.stop_words")
    except ImportError:
        return []
    return sorted(module.STOP_WORDS)


def package_vocabulary(wordfreq_limit: int = 0) -> dict[str, list[str]]:
    """General words per language from spaCy and spacy-lookups-data (no download).

    The chat data and TICO-19 cover our domain; these lists cover everyday words outside it
    (frequency lists for de/en, inflected forms of the lemma tables for fr/ru/tr/fa, spaCy's
    stop words for all languages spaCy has) and wordfreq's lists for ar de en fa fr ru tr uk.
    Somali, Kurmanji and Pashto have none here.
    """
    vocabulary: dict[str, list[str]] = {code: _stop_words(code) for code in LANGUAGES}
    vocabulary["de"] += _frequent("de_lexeme_prob", 60_000)
    vocabulary["en"] += _frequent("en_lexeme_prob", 60_000)
    for code in ("fr", "ru", "tr"):
        table = _lookups(f"{code}_lemma_lookup")
        vocabulary[code] += list(table) if isinstance(table, dict) else []
    for name in ("fa_lemma_exc", "fa_lemma_index"):
        table = _lookups(name)
        for items in (table.values() if isinstance(table, dict) else []):
            vocabulary["fa"] += list(items)
    for code, words in (wordfreq_words(wordfreq_limit) if wordfreq_limit else {}).items():
        vocabulary[code] += words
    return vocabulary


WORDFREQ_LIMIT = 150_000  # how deep bench/lid_dev.py looks for rarer words

# wordfreq has lists for these; for so, ku, ps and ti it silently answers with another
# language's list ("nearest match"), so only these are asked for.
WORDFREQ_CODES: dict[str, str] = {
    "ar": "arabic", "de": "latin", "en": "latin", "fa": "arabic", "fr": "latin", "ru": "cyrillic",
    "tr": "latin", "uk": "cyrillic",
}


def dev_reserved(word: str) -> bool:
    """One word in five of the wordfreq lists is never trained on: ``bench/lid_dev.py``
    measures the detector on them (stable across runs: by CRC32, not by random draw)."""
    return zlib.crc32(word.encode("utf-8")) % 5 == 0


@functools.lru_cache(maxsize=2)
def wordfreq_words(limit: int = 30_000, reserved: bool = False) -> dict[str, list[str]]:
    """The ``limit`` most frequent words of wordfreq's lists (Wikipedia, subtitles, news, web
    text; CC BY-SA 4.0), in the language's own script, at least two letters long, without the
    words ``dev_reserved`` keeps for measuring (with ``reserved``: only those).

    Why: spaCy ships frequency lists only for de and en; without these, Ukrainian had only its
    stop words and the detector leaned to Russian on any Cyrillic word it did not know.
    """
    try:
        import wordfreq
    except ImportError:
        return {}
    from bot.components.lid_sources import script_of

    out = {}
    for code, script in WORDFREQ_CODES.items():
        words = wordfreq.top_n_list(code, limit, wordlist="best")
        out[code] = [w for w in words if len(w) >= 2 and w.isalpha()
                     and dev_reserved(w) == reserved and all(script_of(c) == script for c in w)]
    return out


@functools.lru_cache(maxsize=2)
def generic_words(per_language: int, seed: int = 11,
                  wordfreq_limit: int = 0) -> tuple[tuple[str, str], ...]:
    """Up to ``per_language`` general words per language, deterministic, none that two
    languages' lists share ("hotel", "nach" in the English frequency list).

    Cached: reading the lists takes about ten seconds, and cross-validation trains the
    detector once per fold in the same process."""
    if per_language <= 0:
        return ()
    try:
        vocabulary = package_vocabulary(wordfreq_limit)
    except ImportError:
        return ()
    ordered = {code: list(dict.fromkeys(w.casefold() for w in words
                                        if any(c.isalpha() for c in w)
                                        and not dev_reserved(w.casefold())))
               for code, words in vocabulary.items()}
    sets = {code: set(words) for code, words in ordered.items()}
    rng = random.Random(seed)
    pairs = []
    for code in LANGUAGES:
        words = ordered.get(code, [])
        picks = rng.sample(range(len(words)), k=min(len(words), per_language * 3))
        chosen = []
        for index in picks:
            word = words[index]
            if not any(word in other for other_code, other in sets.items() if other_code != code):
                chosen.append(word)
                if len(chosen) == per_language:
                    break
        pairs += [(word, code) for word in chosen]
    return tuple(pairs)
