"""Rasa component: features of the consonant skeletons (``skeleton``) of a message's words.

Why: in Arabic, Persian and Pashto many newcomers write in Latin letters ("ana bdi mo7ami",
"mikham vakil"), and those messages were misread twice as often as the same languages in their
own script (5-fold run at stop 15: Arabic 19.3% of the Latin-letter examples wrong against
10.2%, Persian 15.1% against 9.6%, Pashto 14.2% against 10.2%), because a word and its
transcription share no feature. Their skeletons do ("محامي" and "mo7ami" are both "mhm"), so
what the classifier learns from one script now carries to the other, and to the loanwords both
borrow ("دكتور", "doctor").

Per word: the skeleton itself and its character 2-4-grams (within the word, as
``CountVectorsFeaturizer``'s ``char_wb``; the n-grams meet a skeleton misspelt by one letter).
Only for messages whose ``language`` entity (the LanguageDetector, which runs before, on
training examples too) is one of ``languages``; other messages get zero columns, because in
German, French or Turkish a vowel-less key merges words the ordinary features keep apart (all
twelve languages: 5-fold macro F1 de -0.007 and tr -0.009 on the replica; only ar fa ps: level).

The vocabularies (skeletons and n-grams seen in training) are kept in the model.
"""
from __future__ import annotations

import functools
from typing import Any

import numpy as np
import scipy.sparse
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.featurizers.sparse_featurizer.sparse_featurizer import SparseFeaturizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from sklearn.feature_extraction.text import CountVectorizer

from bot.components.intent_lexicon_featurizer import message_language
from bot.components.skeleton import skeletons
from bot.components.storage import load_json, persist_json

_VOCABULARY_FILE = "skeleton_vocabulary.json"


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True
)
class SkeletonFeaturizer(SparseFeaturizer, GraphComponent):
    """Counts of each word's skeleton and its character n-grams (see module docstring)."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """``languages``: whose messages get the features; ``min_ngram``/``max_ngram``: the
        character n-grams of a skeleton (2-4 scored 0.9155 on the replica, 2-5 no better)."""
        return {**SparseFeaturizer.get_default_config(),
                "languages": ["ar", "fa", "ps", "ku"], "min_ngram": 2, "max_ngram": 4}

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        """n-gram sizes must be 1 <= min <= max; languages a list of codes."""
        low, high = config.get("min_ngram", 2), config.get("max_ngram", 4)
        if not (isinstance(low, int) and isinstance(high, int) and 1 <= low <= high):
            raise ValueError(f"SkeletonFeaturizer: bad n-gram range {low!r}..{high!r}")
        if not isinstance(config.get("languages", []), list):
            raise ValueError("SkeletonFeaturizer: languages must be a list of codes")

    def __init__(self, config: dict[str, Any], model_storage: ModelStorage,
                 resource: Resource, execution_context: ExecutionContext,
                 vocabulary: dict[str, list[str]] | None = None) -> None:
        config = {**self.get_default_config(), **config}
        SparseFeaturizer.__init__(self, execution_context.node_name, config)
        self._model_storage = model_storage
        self._resource = resource
        self._languages = frozenset(config["languages"])
        self._ngrams = CountVectorizer(
            analyzer="char_wb", ngram_range=(config["min_ngram"], config["max_ngram"]),
            lowercase=False).build_analyzer()
        self._set_vocabulary(vocabulary or {"words": [], "ngrams": []})

    def _set_vocabulary(self, vocabulary: dict[str, list[str]]) -> None:
        # skeletons and n-grams get separate key spaces: "mhm" the word vs "mhm" the 3-gram
        keys = [f"w:{key}" for key in vocabulary["words"]] + [
            f"n:{key}" for key in vocabulary["ngrams"]]
        columns = {key: index for index, key in enumerate(keys)}
        self._width = max(1, len(columns))

        # A message's words repeat across messages, so each skeleton's columns are computed
        # once (bounded: users can type any number of different words).
        @functools.lru_cache(maxsize=50_000)
        def columns_of(word_skeleton: str) -> tuple[int, ...]:
            if not word_skeleton:
                return ()
            names = [f"w:{word_skeleton}"] + [f"n:{g}" for g in self._ngrams(word_skeleton)]
            return tuple(columns[name] for name in names if name in columns)

        self._columns_of = columns_of

    def _token_skeletons(self, message: Message) -> list[str] | None:
        """One skeleton per token ("" for none), or None when the message's language is not
        one of ``languages``."""
        if message_language(message) not in self._languages:
            return None
        tokens = message.get(TOKENS_NAMES[TEXT]) or []
        return skeletons([token.lemma or token.text.casefold() for token in tokens])

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> SkeletonFeaturizer:
        """A new featurizer; it has its vocabulary after ``train()``."""
        return cls(config, model_storage, resource, execution_context)

    def train(self, training_data: TrainingData) -> Resource:
        """Collect the skeletons and n-grams of the training examples in ``languages``."""
        words: set[str] = set()
        ngrams: set[str] = set()
        for message in training_data.training_examples:
            for key in self._token_skeletons(message) or []:
                if key:
                    words.add(key)
                    ngrams.update(self._ngrams(key))
        vocabulary = {"words": sorted(words), "ngrams": sorted(ngrams)}
        self._set_vocabulary(vocabulary)
        persist_json(self._model_storage, self._resource, _VOCABULARY_FILE, vocabulary)
        return self._resource

    @classmethod
    def load(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> SkeletonFeaturizer:
        """Load the persisted vocabulary (none: the features stay empty)."""
        vocabulary = load_json(model_storage, resource, _VOCABULARY_FILE)
        return cls(config, model_storage, resource, execution_context, vocabulary)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Featurize the training examples like messages at run time."""
        self.process(training_data.training_examples)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        """Sequence features (one row per token) and their sum as the sentence feature; zero
        rows for a message in another language, so every message has the same width."""
        width = self._width
        for message in messages:
            tokens = message.get(TOKENS_NAMES[TEXT]) or []
            if not message.get(TEXT) or not tokens:
                continue
            rows, columns = [], []
            for row, key in enumerate(self._token_skeletons(message) or []):
                found = self._columns_of(key)
                rows.extend([row] * len(found))
                columns.extend(found)
            ones = np.ones(len(columns))
            sequence = scipy.sparse.coo_matrix((ones, (rows, columns)),
                                               shape=(len(tokens), width))
            sentence = scipy.sparse.coo_matrix((ones, ([0] * len(columns), columns)),
                                               shape=(1, width))
            sequence.sum_duplicates()
            sentence.sum_duplicates()
            self.add_features_to_message(sequence, sentence, TEXT, message)
        return messages
