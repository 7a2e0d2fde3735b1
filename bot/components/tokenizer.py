"""Rasa tokenizer for all 12 languages: spaCy's multilingual rules plus our normalisation.

Why not ``WhitespaceTokenizer``: it keeps punctuation glued to Arabic-script words in some
cases and keeps harakat, tatweel and ZWNJ inside tokens, so "مَرْحَبًا"/"مرحبا" and
"می‌خواهم"/"میخواهم" become different features. Here tokens come from a blank spaCy ``xx``
pipeline (rule-based, created in code, nothing downloaded); each token keeps the user's text
and offsets (so ``/model/parse`` and entity spans refer to the original message) and carries
the normalised form (``bot.normalize``) as its lemma, which ``CountVectorsFeaturizer`` uses
(``use_lemma`` is on by default). Punctuation-only tokens are dropped, unless the message has
nothing else ("👍", "?"): then they are its tokens.
"""
from __future__ import annotations

import functools
import re
from typing import Any

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.tokenizers.tokenizer import Token, Tokenizer
from rasa.shared.nlu.training_data.message import Message

from bot.normalize import normalize


@functools.lru_cache(maxsize=1)
def _blank_pipeline():  # noqa: ANN202 - spaCy Language
    import spacy

    return spacy.blank("xx")


# Separators spaCy's rules do not know: Ethiopic word space and punctuation (፡ ። ፣ ፤ ፥ ፦ ፧ ፨).
_EXTRA_SEPARATORS = re.compile(r"[\u1360-\u1368]+")


def _pieces(word: str, start: int) -> list[tuple[str, int]]:
    """Split ``word`` (at offset ``start``) on the extra separators."""
    out = []
    position = 0
    for match in _EXTRA_SEPARATORS.finditer(word):
        if match.start() > position:
            out.append((word[position:match.start()], start + position))
        position = match.end()
    if position < len(word):
        out.append((word[position:], start + position))
    return out


def _is_word(text: str) -> bool:
    """True for tokens with at least one letter or digit (not pure punctuation/emoji)."""
    return any(char.isalnum() for char in text)


def tokenize_text(text: str, fold_latin: bool = True) -> list[Token]:
    """Tokens of ``text`` with original offsets; ``lemma`` is the normalised form.

    ZWNJ is a format character: spaCy keeps it inside the word ("می‌خواهم" is one token),
    and the normalisation removes it, so with and without ZWNJ give the same lemma.
    """
    tokens = []
    symbols = []
    for spacy_token in _blank_pipeline().make_doc(text):
        for word, start in _pieces(spacy_token.text, spacy_token.idx):
            if _is_word(word):
                lemma = normalize(word, fold_latin=fold_latin) or word
                tokens.append(Token(word, start, lemma=lemma))
            elif word.strip():
                symbols.append(Token(word, start, lemma=word))
    # A message of only emoji or punctuation ("👍", "?") keeps its symbols as tokens: with no
    # token at all the featurizers produce no features and the classifier fails.
    if not tokens:
        tokens = symbols or ([Token(text, 0, lemma=text)] if text else [])
    return tokens


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False
)
class MultilingualTokenizer(Tokenizer):
    """Blank spaCy ``xx`` tokenisation with normalised lemmas, for every language."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """``fold_latin``: also strip Latin marks in the lemma ("Ausländerbehörde" and
        "Auslanderbehorde" become one feature; Kurdish typed with or without ê î û too)."""
        return {
            "intent_tokenization_flag": False,
            "intent_split_symbol": "_",
            "fold_latin": True,
        }

    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__({**self.get_default_config(), **config})
        self.fold_latin = bool(self._config.get("fold_latin", True))

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> MultilingualTokenizer:
        """A new tokenizer (nothing to train)."""
        return cls(config)

    def tokenize(self, message: Message, attribute: str) -> list[Token]:
        """Tokenise ``attribute`` of the message, keeping original text and offsets."""
        text = message.get(attribute)
        if not text:
            return []
        return self._apply_token_pattern(tokenize_text(text, self.fold_latin))
