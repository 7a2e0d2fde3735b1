"""Rasa component: one feature that says whether the message asks a question.

Why: the tokenizer keeps words only, so "?" never reaches the count featurizers, yet it is what
tells a bare detail from a question about it: "ich habe eine Duldung" gives the search a status
(``inform``), "ich habe eine Duldung?" asks about it (``legal_advice``). inform -> legal_advice
was the classifier's most frequent confusion (87 in the 5-fold run after round 7), while blind
annotators, who read the question mark, made it 6 times (``bench/results/label_check.json``).
On an sklearn replica of the pipeline the column raised 5-fold macro F1 from 0.916 to 0.919
(10 of 12 languages up, inform F1 0.842 -> 0.852); in the real pipeline, same data and folds,
0.9110 -> 0.9126 (9 languages up, ar +0.006, ku +0.003; en -0.002), and the Integreat questions
level or better except en -0.003 (``bench/results/*question_without.json`` hold the before).

Question marks of the contract's scripts: Latin/Cyrillic "?", Arabic "؟" (ar fa ps),
Ethiopic "፧" (ti; most users type "?"), fullwidth "？" from some phone keyboards.
"""
from __future__ import annotations

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

QUESTION_MARKS = frozenset("?\u061f\u1367\uff1f\u00bf")


def asks(text: str) -> bool:
    """True if ``text`` holds a question mark of any of the contract's scripts."""
    return any(char in QUESTION_MARKS for char in text or "")


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False
)
class QuestionFeaturizer(SparseFeaturizer, GraphComponent):
    """A sentence feature of ``weight`` when the message holds a question mark, else 0."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """``weight``: the feature's value for a question (1.0 counts like one seen word)."""
        return {**SparseFeaturizer.get_default_config(), "weight": 1.0}

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        """The weight must be a positive number."""
        weight = config.get("weight", 1.0)
        if not isinstance(weight, (int, float)) or weight <= 0:
            raise ValueError(f"QuestionFeaturizer: weight must be > 0, not {weight!r}")

    def __init__(self, config: dict[str, Any], execution_context: ExecutionContext) -> None:
        config = {**self.get_default_config(), **config}
        SparseFeaturizer.__init__(self, execution_context.node_name, config)
        self._weight = float(config["weight"])

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> QuestionFeaturizer:
        """Nothing to train or store: the feature is a fixed rule."""
        return cls(config, execution_context)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Featurize the training examples like messages at run time."""
        self.process(training_data.training_examples)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        """Sentence feature: the weight for a question; sequence: the same on the last token
        (Rasa wants one sequence row per token)."""
        for message in messages:
            text, tokens = message.get(TEXT), message.get(TOKENS_NAMES[TEXT]) or []
            if not text or not tokens:
                continue
            value = self._weight if asks(text) else 0.0
            sequence = np.zeros((len(tokens), 1))
            sequence[-1, 0] = value
            self.add_features_to_message(scipy.sparse.coo_matrix(sequence),
                                         scipy.sparse.coo_matrix([[value]]), TEXT, message)
        return messages
