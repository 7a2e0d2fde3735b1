"""Rasa component: rule entities ``district``, ``spoken_language``, ``residence_status``,
``subtopic`` and ``age`` (see ``rule_lexicon`` for how they are matched).

Why rules: the NLU data carries no entity annotations (docs/nlu-data-spec.md), the values are
closed vocabularies (districts.json, contract codes, taxonomy ids), and they must work in 12
languages and in the scripts newcomers type district names in. ``train()`` compiles the YAML
phrase lists of ``lexicon/`` and ``districts.json`` and persists them in the model, so a trained
model keeps the lexicon it was trained with.
"""
from __future__ import annotations

import logging
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.components.language_detector import CONFIDENCE_KEY, resolve_path
from bot.components.rule_lexicon import LEXICON_DIR, RuleMatcher, compile_lexicon
from bot.components.storage import load_json, persist_json

logger = logging.getLogger(__name__)
_LEXICON_FILE = "rule_lexicon.json"
LABELS = ("district", "spoken_language", "residence_status", "subtopic", "age")


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=True
)
class RuleEntityExtractor(GraphComponent, EntityExtractorMixin):
    """Adds district, spoken_language, residence_status, subtopic and age entities."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """``lexicon_dir``: the YAML phrase lists; ``districts_json``: Münster's districts."""
        return {
            "lexicon_dir": str(LEXICON_DIR),
            "districts_json": "../shared/data/muenster/districts.json",
        }

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        lexicon: dict[str, Any] | None = None,
    ) -> None:
        self._config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self._matcher = RuleMatcher(lexicon) if lexicon else None

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> RuleEntityExtractor:
        """A new extractor; it has its phrases after ``train()``."""
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        """Compile the lexicon (the training data is not needed) and persist it."""
        districts = resolve_path(self._config["districts_json"])
        if districts is None or not districts.exists():
            logger.warning("districts.json not found at %s: only lexicon aliases", districts)
        lexicon = compile_lexicon(resolve_path(self._config["lexicon_dir"]), districts)
        self._matcher = RuleMatcher(lexicon)
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
    ) -> RuleEntityExtractor:
        """Load the persisted lexicon."""
        lexicon = load_json(model_storage, resource, _LEXICON_FILE)
        if lexicon is None:
            logger.warning("RuleEntityExtractor: no persisted lexicon; extracting nothing")
        return cls(config, model_storage, resource, lexicon)

    def process(self, messages: list[Message]) -> list[Message]:
        """Append the rule entities of each message (earlier ones of ours are replaced)."""
        if self._matcher is None:
            return messages
        name = self.__class__.__name__
        for message in messages:
            text = message.get(TEXT)
            if not isinstance(text, str) or not text:
                continue
            found = self._matcher.extract(text)
            for entity in found:
                entity[CONFIDENCE_KEY] = 1.0
            kept = [e for e in message.get(ENTITIES, []) or [] if e.get("extractor") != name]
            message.set(ENTITIES, kept + self.add_extractor_name(found), add_to_output=True)
        return messages
