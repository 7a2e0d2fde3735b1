"""Phrase tables for the rule entities, and the matcher that applies them (no Rasa imports).

``compile_lexicon`` turns the YAML files under ``lexicon/`` plus ``districts.json`` into one
JSON-serialisable dict (persisted in the trained model, so a model keeps the lexicon it was
trained with). ``RuleMatcher`` finds, in a message:

* ``district``, ``spoken_language``, ``residence_status``, ``subtopic``: with a spaCy
  ``PhraseMatcher`` on a blank pipeline, comparing "match keys" (normalised, Latin marks and
  umlaut digraphs folded: "Münster", "Muenster", "Munster" meet; Arabic clitics "ب/ال/و" tried
  off); districts also within one typo for long names ("Kinderhause", "Gievenbek");
* ``age``: a number 0-120 next to an age word or after an "I am"-like phrase (regular
  expressions on the normalised text, mapped back to the original offsets).
"""
from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from typing import Any

import yaml

from bot.components.tokenizer import tokenize_text
from bot.normalize import normalize, normalize_with_map

LEXICON_DIR = Path(__file__).resolve().parent / "lexicon"
_ARABIC_LETTER = re.compile(r"[\u0600-\u06FF]")
_ARABIC_CLITICS = ("وبال", "بال", "وال", "فال", "لل", "ال", "و", "ب", "ل", "ف")
_DIGRAPHS = (("ae", "a"), ("oe", "o"), ("ue", "u"))


def match_key(word: str) -> str:
    """Comparison form of one word: normalised, Latin marks removed, ae/oe/ue -> a/o/u."""
    key = normalize(word, fold_latin=True)
    if key.isascii():
        for digraph, single in _DIGRAPHS:
            key = key.replace(digraph, single)
    return key


def strip_clitic(key: str) -> str:
    """An Arabic-script word without a leading clitic (و ب ل ف ال), else the word itself."""
    if _ARABIC_LETTER.match(key):
        for clitic in _ARABIC_CLITICS:
            if key.startswith(clitic) and len(key) - len(clitic) >= 3:
                return key[len(clitic):]
    return key


def phrase_keys(phrase: str) -> list[str]:
    """Match keys of the words of a lexicon phrase (tokenised like messages)."""
    return [match_key(token.text) for token in tokenize_text(phrase)]


def _load_yaml(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def compile_lexicon(lexicon_dir: Path, districts_json: Path | None) -> dict[str, Any]:
    """All phrases as [label, value, keys] plus the extra rules, ready to persist as JSON."""
    lexicon_dir = Path(lexicon_dir)
    phrases: list[list[Any]] = []

    def add(label: str, value: str, phrase: str) -> None:
        keys = phrase_keys(str(phrase))
        if keys:
            phrases.append([label, value, keys])
            if len(keys) == 1 and _ARABIC_LETTER.match(keys[0]) and strip_clitic(keys[0]) != \
                    keys[0]:
                phrases.append([label, value, [strip_clitic(keys[0])]])

    districts = _load_yaml(lexicon_dir / "districts.yml")
    needs_context = {match_key(n) for n in districts.get("requires_context", [])}
    context_required: list[list[Any]] = []
    if districts_json is not None and Path(districts_json).exists():
        data = json.loads(Path(districts_json).read_text(encoding="utf-8"))
        for entry in data.get("eintraege", []):
            name = entry["name"]
            short = re.sub(r"\s*\(.*\)\s*$", "", name).strip()
            for alias in {name, short, *entry.get("weitere_wohnplaetze", [])}:
                target = context_required if match_key(alias) in needs_context or \
                    " ".join(phrase_keys(alias)) in needs_context else None
                if target is not None:
                    context_required.append([name, phrase_keys(alias)])
                else:
                    add("district", name, alias)
        for bezirk in data.get("stadtbezirke", []):
            if " ".join(phrase_keys(bezirk)) in needs_context:
                context_required.append([bezirk, phrase_keys(bezirk)])
            else:
                add("district", bezirk, bezirk)
    for value, aliases in (districts.get("aliases") or {}).items():
        for alias in aliases:
            add("district", value, alias)

    languages = _load_yaml(lexicon_dir / "spoken_languages.yml")
    for code, names in (languages.get("names") or {}).items():
        for name in names:
            add("spoken_language", code, name)
    for value, items in (_load_yaml(lexicon_dir / "residence_status.yml").get("statuses")
                         or {}).items():
        for item in items:
            add("residence_status", value, item)
    for value, items in (_load_yaml(lexicon_dir / "subtopics.yml").get("subtopics")
                         or {}).items():
        for item in items:
            add("subtopic", value, item)
    age = _load_yaml(lexicon_dir / "age.yml")
    return {
        "phrases": phrases,
        "district_context": context_required,
        "context_prefixes": [match_key(w) for w in districts.get("context_prefixes", [])],
        "context_suffixes": [match_key(w) for w in districts.get("context_suffixes", [])],
        "fuzzy_min_length": int(districts.get("fuzzy_min_length", 7)),
        "learning_words": sorted({k for w in languages.get("learning_words", [])
                                  for k in phrase_keys(str(w))}),
        "age_after": [str(p) for p in age.get("after_number", [])],
        "age_before": [str(p) for p in age.get("before_number", [])],
    }


@functools.lru_cache(maxsize=1)
def _vocab():  # noqa: ANN202 - spaCy Vocab
    import spacy

    return spacy.blank("xx").vocab


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1:] for i in range(len(word))} | {word}


class RuleMatcher:
    """Finds the rule entities of a text (see module docstring)."""

    def __init__(self, lexicon: dict[str, Any]) -> None:
        from spacy.matcher import PhraseMatcher
        from spacy.tokens import Doc

        self.lexicon = lexicon
        self._doc_class = Doc
        vocab = _vocab()
        self._matcher = PhraseMatcher(vocab, attr="NORM")
        seen: set[tuple[str, str, tuple[str, ...]]] = set()
        for label, value, keys in lexicon["phrases"]:
            item = (label, value, tuple(keys))
            if item in seen:
                continue
            seen.add(item)
            self._matcher.add(f"{label}\t{value}", [self._doc(keys)])
        self._context = [(value, tuple(keys)) for value, keys in lexicon["district_context"]]
        self._prefixes = set(lexicon["context_prefixes"])
        self._suffixes = set(lexicon["context_suffixes"])
        self._learning = set(lexicon["learning_words"])
        self._fuzzy: dict[str, set[str]] = {}
        self._fuzzy_min = lexicon["fuzzy_min_length"]
        for label, value, keys in lexicon["phrases"]:
            if label == "district" and len(keys) == 1 and len(keys[0]) >= self._fuzzy_min:
                for deletion in _deletions(keys[0]):
                    self._fuzzy.setdefault(deletion, set()).add(value)
        after = "|".join(f"(?:{p})" for p in lexicon["age_after"])
        before = "|".join(f"(?:{p})" for p in sorted(lexicon["age_before"], key=len,
                                                     reverse=True))
        unit = r"(?!\s*(?:uhr|h\b|min|euro|eur\b|€|%|kg|km|cm|tage|days|stunden|hours))"
        self._age_after = re.compile(rf"(?<![\w.,/§])(\d{{1,3}})\s*-?\s*(?:{after})(?!\w)")
        self._age_before = re.compile(
            rf"(?<!\w)(?:{before})\s*[:=]?\s*(\d{{1,3}})(?![\d.,:/]){unit}")

    def _doc(self, keys: list[str]):  # noqa: ANN202 - spaCy Doc
        doc = self._doc_class(_vocab(), words=list(keys))
        for token, key in zip(doc, keys, strict=True):
            token.norm_ = key
        return doc

    def extract(self, text: str) -> list[dict[str, Any]]:
        """Entities found in ``text`` with offsets into ``text`` itself."""
        tokens = tokenize_text(text)
        if not tokens:
            return []
        keys = [match_key(t.text) for t in tokens]
        found: list[tuple[str, str, int, int]] = []  # label, value, first token, last+1
        for variant in (keys, [strip_clitic(k) for k in keys]):
            for match_id, start, end in self._matcher(self._doc(variant)):
                label, value = _vocab().strings[match_id].split("\t", 1)
                found.append((label, value, start, end))
        found += self._context_districts(keys)
        found += self._fuzzy_districts(keys, found)
        found = [f for f in found if f[0] != "spoken_language" or not self._is_learning(keys, f)]
        entities = []
        seen: set[tuple[str, str]] = set()
        for label, value, start, end in _longest_per_label(found):
            if (label, value) in seen:  # "Nienberge-Häger": one district, named twice
                continue
            seen.add((label, value))
            begin = tokens[start].start
            if begin > 0 and text[begin - 1] == "§":  # "§24": keep the sign in the span
                begin -= 1
            entities.append({"entity": label, "value": value, "start": begin,
                             "end": tokens[end - 1].end})
        return sorted(entities + self._ages(text), key=lambda e: (e["start"], e["entity"]))

    def _context_districts(self, keys: list[str]) -> list[tuple[str, str, int, int]]:
        out = []
        for value, name in self._context:
            size = len(name)
            for i in range(len(keys) - size + 1):
                if tuple(keys[i:i + size]) != name:
                    continue
                before = keys[i - 1] if i > 0 else ""
                after = keys[i + size] if i + size < len(keys) else ""
                if before in self._prefixes or after in self._suffixes:
                    out.append(("district", value, i, i + size))
        return out

    def _fuzzy_districts(self, keys: list[str], found: list[tuple[str, str, int, int]]
                         ) -> list[tuple[str, str, int, int]]:
        covered = {i for label, _, s, e in found if label == "district" for i in range(s, e)}
        out = []
        for i, key in enumerate(keys):
            if i in covered or len(key) < self._fuzzy_min - 1:
                continue
            values = set().union(*(self._fuzzy.get(d, set()) for d in _deletions(key)))
            if len(values) == 1:
                out.append(("district", values.pop(), i, i + 1))
        return out

    def _is_learning(self, keys: list[str], match: tuple[str, str, int, int]) -> bool:
        _, _, start, end = match
        window = keys[max(0, start - 2):start] + keys[end:end + 2]
        return any(word in self._learning for word in window)

    def _ages(self, text: str) -> list[dict[str, Any]]:
        normalized, index = normalize_with_map(text, fold_latin=True)
        ages = []
        for pattern in (self._age_after, self._age_before):
            for match in pattern.finditer(normalized):
                number = int(match.group(1))
                if 0 <= number <= 120:
                    start = index[match.start()]
                    end = index[match.end() - 1] + 1
                    ages.append({"entity": "age", "value": str(number), "start": start,
                                 "end": end})
        ages.sort(key=lambda e: (e["start"], -(e["end"] - e["start"])))
        kept: list[dict[str, Any]] = []
        for age in ages:
            if not any(age["start"] < k["end"] and k["start"] < age["end"] for k in kept):
                kept.append(age)
        return kept


def _longest_per_label(found: list[tuple[str, str, int, int]]
                       ) -> list[tuple[str, str, int, int]]:
    """Per label, drop matches overlapping a longer (or earlier equal) one; dedupe."""
    kept: list[tuple[str, str, int, int]] = []
    for item in sorted(set(found), key=lambda f: (-(f[3] - f[2]), f[2], f[1])):
        label, _, start, end = item
        if not any(k[0] == label and start < k[3] and k[2] < end for k in kept):
            kept.append(item)
    return sorted(kept, key=lambda f: (f[2], f[0]))
