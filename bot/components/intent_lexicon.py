"""Intent lexicon: the bot's domain vocabulary per intent, and the matcher (no Rasa imports).

Why: with 30-40 examples per intent and language the classifier only knows the words it has
seen. ``lexicon/intents/<code>.yml`` (written from the domain, docs/intent-lexicon-spec.md)
lists words and short phrases that point to one intent; ``IntentLexiconMatcher`` counts, per
intent, the entries found in a message, and ``IntentLexiconFeaturizer`` (in
``intent_lexicon_featurizer``) hands those counts to the classifier as features.

Matching compares ``rule_lexicon.match_key`` forms (case, marks, Arabic-script variants and
German umlaut digraphs folded). A one-word entry of ``MIN_PREFIX`` or more letters (three
Ge'ez syllables) also matches words that start with it (stems: "врач" finds "врача",
"wohnung" finds "wohnungssuche"); in a phrase, the last word matches by prefix as well.
Arabic-script words are tried without a leading clitic too ("بالدكتور" -> "دكتور").

Run ``python -m bot.components.intent_lexicon check FILE...`` to validate lexicon files.
"""
from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from bot.components.rule_lexicon import LEXICON_DIR, match_key, strip_clitic
from bot.components.tokenizer import tokenize_text

INTENT_LEXICON_DIR = LEXICON_DIR / "intents"
MIN_PREFIX = 4
# A Ge'ez (Ethiopic) character is a whole syllable: three of them carry a stem ("ሕክም", "ስራሕ").
MIN_PREFIX_ETHIOPIC = 3


def min_prefix(key: str) -> int:
    """How long a one-word entry must be to match words that start with it."""
    return MIN_PREFIX_ETHIOPIC if key and "\u1200" <= key[0] <= "\u139f" else MIN_PREFIX
MAX_PHRASE_WORDS = 4
TOPIC_INTENTS = ("legal_advice", "language_course", "education", "health", "housing", "work",
                 "family_youth", "discrimination", "participation", "emergency")
CONVERSATION_INTENTS = ("greet", "goodbye", "thank", "affirm", "deny", "help", "request_human",
                        "bot_challenge", "choose_language", "inform", "out_of_scope",
                        "delete_my_data")
INTENTS = TOPIC_INTENTS + CONVERSATION_INTENTS
SIZE_RANGE = {**{i: (80, 450) for i in TOPIC_INTENTS},
              **{i: (15, 100) for i in CONVERSATION_INTENTS}}


def entry_keys(entry: str) -> tuple[str, ...]:
    """The match keys of a lexicon entry's words (tokenised like messages are)."""
    return tuple(match_key(token.text) for token in tokenize_text(entry))


def load_file(path: Path) -> dict[str, list[str]]:
    """One language file: intent -> entries (strings), as written."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: top level must be a mapping of intent -> list")
    return {str(intent): [str(e) for e in entries or []] for intent, entries in data.items()}


def compile_intent_lexicon(directory: Path = INTENT_LEXICON_DIR) -> dict[str, Any]:
    """All language files as one JSON-serialisable dict: ``{"intents": [...], "languages":
    [...], "entries": [[intent_index, [key, ...], [language_index, ...]], ...]}``.

    An entry found under several intents (in different languages) keeps each of them: the
    classifier weighs them. Each entry remembers the files it is written in, so a match can
    be told apart as a word of the message's own language ("ye" is English for yes, but in a
    Kurmanji message it is the verb "is")."""
    languages = sorted(path.stem for path in Path(directory).glob("*.yml"))
    entries: dict[tuple[int, tuple[str, ...]], set[int]] = {}
    for code in languages:
        for intent, words in load_file(Path(directory) / f"{code}.yml").items():
            if intent not in INTENTS:
                continue
            for word in words:
                keys = entry_keys(word)
                if keys and len(keys) <= MAX_PHRASE_WORDS:
                    entries.setdefault((INTENTS.index(intent), keys), set()).add(
                        languages.index(code))
    return {"intents": list(INTENTS), "languages": languages,
            "entries": [[i, list(keys), sorted(codes)]
                        for (i, keys), codes in sorted(entries.items())]}


Match = tuple[int, int, int, frozenset]  # first token, end token, intent index, languages


def longest_first(found: list[Match]) -> list[Match]:
    """Keep a match only if no longer match covers any of its words.

    Why: inside "of course" (affirm) the word "course" is no language course, and inside
    "language course" the word "language" is no request to change the bot's language. Matches
    of the same words under two intents are both kept (the lexicon check reports them).
    """
    kept: list[Match] = []
    for match in sorted(found, key=lambda m: (m[0] - m[1], m[0], m[2])):
        start, end = match[0], match[1]
        if all((start, end) == (k[0], k[1]) or end <= k[0] or start >= k[1] for k in kept):
            kept.append(match)
    return sorted(kept, key=lambda m: (m[0], m[1], m[2]))


class IntentLexiconMatcher:
    """Counts lexicon matches per intent in a text."""

    def __init__(self, compiled: dict[str, Any]) -> None:
        self.intents: list[str] = list(compiled["intents"])
        self.languages: list[str] = list(compiled.get("languages", []))
        # first key -> [(keys, intent index, languages)]; exact and prefix tables for the
        # first word.
        self._exact: dict[str, list[tuple[tuple[str, ...], int, frozenset]]] = {}
        self._prefix: dict[str, list[tuple[tuple[str, ...], int, frozenset]]] = {}
        for index, keys, *rest in compiled["entries"]:
            keys = tuple(keys)
            codes = frozenset(self.languages[i] for i in (rest[0] if rest else []))
            self._exact.setdefault(keys[0], []).append((keys, index, codes))
            if len(keys) == 1 and len(keys[0]) >= min_prefix(keys[0]):
                self._prefix.setdefault(keys[0], []).append((keys, index, codes))

    @staticmethod
    def _word_matches(entry_key: str, forms: tuple[str, ...], prefix: bool) -> bool:
        for form in forms:
            if form == entry_key:
                return True
            if prefix and len(entry_key) >= min_prefix(entry_key) and form.startswith(entry_key):
                return True
        return False

    def _candidates(self, forms: tuple[str, ...],
                    ) -> Iterable[tuple[tuple[str, ...], int, frozenset]]:
        seen: set[tuple[tuple[str, ...], int, frozenset]] = set()
        for form in forms:
            for item in self._exact.get(form, ()):
                if item not in seen:
                    seen.add(item)
                    yield item
            for n in range(min_prefix(form), len(form)):
                for item in self._prefix.get(form[:n], ()):
                    if item not in seen:
                        seen.add(item)
                        yield item

    @staticmethod
    def token_forms(words: Iterable[str]) -> list[tuple[str, ...]]:
        """Per word: its match key and, for Arabic script, the key without a clitic."""
        forms = []
        for word in words:
            key = match_key(word)
            bare = strip_clitic(key)
            forms.append((key,) if bare == key else (key, bare))
        return forms

    def matches(self, text: str) -> list[Match]:
        """``(first_token, end_token, intent_index, languages)`` for every entry found in
        ``text``; ``languages``: the codes of the files that list the entry."""
        return self.matches_words([token.text for token in tokenize_text(text)])

    def matches_words(self, words: list[str]) -> list[Match]:
        """Like ``matches`` for a text already split into words (the pipeline's tokens)."""
        forms = self.token_forms(words)
        found = []
        for start, first in enumerate(forms):
            for keys, index, codes in self._candidates(first):
                end = start + len(keys)
                if end > len(forms):
                    continue
                if len(keys) > 1 and not all(
                        self._word_matches(k, forms[start + j], prefix=(j == len(keys) - 1))
                        for j, k in enumerate(keys) if j > 0):
                    continue
                found.append((start, end, index, codes))
        return longest_first(found)

    def counts(self, text: str) -> list[int]:
        """Number of entries found per intent (index order of ``self.intents``)."""
        counts = [0] * len(self.intents)
        for _, _, index, _ in self.matches(text):
            counts[index] += 1
        return counts


def check_file(path: Path) -> list[str]:
    """Problems of one language file (empty list = fine)."""
    problems = []
    try:
        data = load_file(path)
    except (yaml.YAMLError, ValueError) as error:
        return [f"{path}: not valid YAML: {error}"]
    for intent in INTENTS:
        if intent not in data:
            problems.append(f"{path.name}: intent {intent} missing")
    owner: dict[tuple[str, ...], str] = {}
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    for intent, entries in raw.items():
        for entry in entries or []:
            if isinstance(entry, bool):  # YAML 1.1 reads yes/no/on/off as true/false
                problems.append(f"{path.name}: {intent}: {entry!r} is not text; quote it "
                                '("yes", "no")')
    for intent, entries in data.items():
        if intent not in INTENTS:
            problems.append(f"{path.name}: unknown intent {intent}")
            continue
        low, high = SIZE_RANGE[intent]
        unique = {entry_keys(e) for e in entries if entry_keys(e)}
        if not low <= len(unique) <= high:
            problems.append(f"{path.name}: {intent} has {len(unique)} distinct entries, "
                            f"expected {low}-{high}")
        for entry in entries:
            keys = entry_keys(entry)
            if not keys:
                problems.append(f"{path.name}: {intent}: empty entry {entry!r}")
            elif len(keys) > MAX_PHRASE_WORDS:
                problems.append(f"{path.name}: {intent}: more than {MAX_PHRASE_WORDS} words: "
                                f"{entry!r}")
            elif owner.get(keys, intent) != intent:
                problems.append(f"{path.name}: {entry!r} under both {owner[keys]} and {intent}")
            else:
                owner[keys] = intent
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Intent lexicon tools")
    sub = parser.add_subparsers(dest="command", required=True)
    check = sub.add_parser("check", help="validate lexicon files")
    check.add_argument("files", nargs="*", type=Path)
    match = sub.add_parser("match", help="show the matches in a text")
    match.add_argument("text")
    args = parser.parse_args(argv)
    if args.command == "check":
        files = args.files or sorted(INTENT_LEXICON_DIR.glob("*.yml"))
        problems = [p for f in files for p in check_file(f)]
        print("\n".join(problems) if problems else f"ok: {len(files)} file(s)")
        return 1 if problems else 0
    matcher = IntentLexiconMatcher(compile_intent_lexicon())
    for start, end, index, codes in matcher.matches(args.text):
        print(start, end, matcher.intents[index], " ".join(sorted(codes)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
