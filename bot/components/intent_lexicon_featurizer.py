"""Rasa component: intent-lexicon features (see ``intent_lexicon`` for the lexicon and matching).

Why a featurizer and not a rule: a lexicon word is evidence, not a verdict ("Arzt" in "mein Kind
braucht einen Kinderarzt und einen Kita-Platz" points two ways). Each intent of the lexicon is a
feature column; the classifier learns from the examples how much each column counts, and a
word it never saw in an example still moves the message towards the lexicon's intent.

With ``own_language`` a second block of columns counts only the matches of entries written in
the message's own language (the ``language`` entity of the LanguageDetector, which runs before
this component on training examples too). All twelve files are matched against every message,
so a short entry of one language hits a common word of another (English "ye" for yes is the
Kurmanji verb "is"; Arabizi "nade" is Kurmanji "does not give"); the classifier learns to trust
the own-language matches more.

``train()`` compiles ``lexicon/intents/*.yml`` and persists it in the model, so a trained model
keeps the lexicon it was trained with.
"""
from __future__ import annotations

import logging
from typing import Any

import numpy as np
import scipy.sparse
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.featurizers.sparse_featurizer.sparse_featurizer import SparseFeaturizer
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_TYPE,
    ENTITY_ATTRIBUTE_VALUE,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.components.intent_lexicon import (
    INTENT_LEXICON_DIR,
    IntentLexiconMatcher,
    compile_intent_lexicon,
)
from bot.components.language_detector import resolve_path
from bot.components.storage import load_json, persist_json

logger = logging.getLogger(__name__)
_LEXICON_FILE = "intent_lexicon.json"


def message_language(message: Message) -> str | None:
    """The code of the ``language`` entity the LanguageDetector set, if any."""
    for entity in message.get(ENTITIES) or []:
        if entity.get(ENTITY_ATTRIBUTE_TYPE) == "language":
            return entity.get(ENTITY_ATTRIBUTE_VALUE)
    return None


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True
)
class IntentLexiconFeaturizer(SparseFeaturizer, GraphComponent):
    """One sparse feature per intent: how many lexicon entries of that intent the text holds."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """``lexicon_dir``: the YAML files; ``weight``: the value of one match (the count
        featurizers give 1 per word, so 1.0 makes a lexicon match count like a seen word)."""
        return {**SparseFeaturizer.get_default_config(),
                "lexicon_dir": str(INTENT_LEXICON_DIR), "weight": 1.0, "own_language": False}

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        """The weight must be a positive number."""
        weight = config.get("weight", 1.0)
        if not isinstance(weight, (int, float)) or weight <= 0:
            raise ValueError(f"IntentLexiconFeaturizer: weight must be > 0, not {weight!r}")

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        lexicon: dict[str, Any] | None = None,
    ) -> None:
        config = {**self.get_default_config(), **config}
        SparseFeaturizer.__init__(self, execution_context.node_name, config)
        self._model_storage = model_storage
        self._resource = resource
        self._matcher = IntentLexiconMatcher(lexicon) if lexicon else None

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> IntentLexiconFeaturizer:
        """A new featurizer; it has its lexicon after ``train()``."""
        return cls(config, model_storage, resource, execution_context)

    def train(self, training_data: TrainingData) -> Resource:
        """Compile the lexicon (independent of the examples) and persist it."""
        lexicon = compile_intent_lexicon(resolve_path(self._config["lexicon_dir"]))
        if not lexicon["entries"]:
            logger.warning("IntentLexiconFeaturizer: the lexicon is empty")
        self._matcher = IntentLexiconMatcher(lexicon)
        persist_json(self._model_storage, self._resource, _LEXICON_FILE, lexicon)
        return self._resource

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> IntentLexiconFeaturizer:
        """Load the persisted lexicon."""
        lexicon = load_json(model_storage, resource, _LEXICON_FILE)
        if lexicon is None:
            logger.warning("IntentLexiconFeaturizer: no persisted lexicon; no features")
        return cls(config, model_storage, resource, execution_context, lexicon)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Featurize the training examples like messages at run time."""
        self.process(training_data.training_examples)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        """Add sequence (per token) and sentence (sum) features to each message's text."""
        if self._matcher is None:
            return messages
        intents = len(self._matcher.intents)
        own_language = bool(self._config["own_language"])
        width = 2 * intents if own_language else intents
        weight = float(self._config["weight"])
        for message in messages:
            tokens = message.get(TOKENS_NAMES[TEXT]) or []
            if not message.get(TEXT) or not tokens:
                continue
            language = message_language(message) if own_language else None
            sequence = np.zeros((len(tokens), width))
            for start, _end, index, codes in self._matcher.matches_words(
                    [t.text for t in tokens]):
                sequence[start, index] += weight
                if language in codes:
                    sequence[start, intents + index] += weight
            sentence = sequence.sum(axis=0, keepdims=True)
            self.add_features_to_message(scipy.sparse.coo_matrix(sequence),
                                         scipy.sparse.coo_matrix(sentence), TEXT, message)
        return messages
