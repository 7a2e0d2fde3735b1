"""Rasa component: names the language of every message (entity ``language``, see CONTRACT.md).

The work is done by ``lid_model.LanguageIdentifier`` (script rules + our fastText model +
lid.176 + lingua, combined by a small learned stacker). This wrapper

* trains it from the texts Rasa passes to ``train()``, labelled by the ``data/nlu/<code>.yml``
  file each text comes from (texts not in the training data given to ``train()`` are never
  used, so cross-validation stays honest), plus the TICO-19 training file and general words
  shipped with spaCy / spacy-lookups-data (``lid_data.generic_words``);
* persists it through ``model_storage.write_to(resource)`` and loads it in ``load()``;
* adds exactly one entity ``language`` per message (start 0, end len(text), value = code,
  ``confidence_entity``, ``reliable``), using the browser/channel language from the message
  metadata (``metadata["language"]``) as a prior.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_TYPE,
    ENTITY_ATTRIBUTE_VALUE,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.components.lid_data import LANGUAGES, training_pairs
from bot.components.lid_model import LanguageIdentifier, LidConfig, generic_for

logger = logging.getLogger(__name__)

ENTITY = "language"
# The key the contract and DIET use for an entity's confidence (Rasa's constant of the same
# purpose is "confidence").
CONFIDENCE_KEY = "confidence_entity"
REPO_ROOT = Path(__file__).resolve().parents[2]


def resolve_path(value: str | None) -> Path | None:
    """A configured path: absolute, else relative to the working directory, else to the repo."""
    if not value:
        return None
    path = Path(value)
    if path.is_absolute() or path.exists():
        return path
    return REPO_ROOT / path


def channel_language(message: Message) -> str | None:
    """The browser/channel language from the message metadata, if it is a contract code."""
    metadata = message.get("metadata")
    if isinstance(metadata, dict):
        value = metadata.get("language")
        if isinstance(value, str) and value.lower() in LANGUAGES:
            return value.lower()
    return None


# Also a MESSAGE_FEATURIZER: Rasa then runs ``process_training_data`` on the training
# examples, so the components after it see each example's language in training as they will
# at run time (IntentLexiconFeaturizer's own-language columns).
@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR,
     DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=True
)
class LanguageDetector(GraphComponent, EntityExtractorMixin):
    """Adds the entity ``language`` (one of the 12 contract codes) to every message."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """``nlu_dir``: where ``<code>.yml`` files name each text's language; ``tico_path``:
        the TICO-19 training file (skipped if missing); ``use_metadata_prior``: trust the
        channel language a little; ``lid``: overrides of ``LidConfig`` hyper-parameters."""
        return {
            "nlu_dir": "data/nlu",
            "tico_path": "../shared/data/lid-train/tico19.tsv",
            "use_metadata_prior": True,
            "lid": {},
        }

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        identifier: LanguageIdentifier | None = None,
    ) -> None:
        self._config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self._identifier = identifier

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> LanguageDetector:
        """A new, untrained detector."""
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        """Train on the given examples (labelled via the NLU files) plus TICO-19; persist."""
        texts = [ex.get(TEXT) for ex in training_data.training_examples if ex.get(TEXT)]
        nlu_dir = resolve_path(self._config["nlu_dir"])
        tico = resolve_path(self._config["tico_path"])
        if tico is not None and not tico.exists():
            logger.warning("TICO-19 training file %s not found; training on NLU data only", tico)
        pairs = training_pairs(nlu_dir, tico, texts) if nlu_dir else []
        if not pairs:
            raise ValueError(
                "LanguageDetector found no labelled text: no training example matches a line of "
                f"{nlu_dir}/<code>.yml and no TICO-19 file at {tico}"
            )
        lid_config = LidConfig(**self._config.get("lid", {}))
        generic = generic_for(lid_config)
        self._identifier = LanguageIdentifier.train(pairs, lid_config, generic)
        with self._model_storage.write_to(self._resource) as directory:
            self._identifier.save(Path(directory))
        return self._resource

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> LanguageDetector:
        """Load the trained detector; an untrained one if nothing was persisted."""
        try:
            with model_storage.read_from(resource) as directory:
                identifier = LanguageIdentifier.load(Path(directory))
        except (ValueError, FileNotFoundError, OSError):
            logger.warning("LanguageDetector: no trained model found, detector is untrained")
            identifier = None
        return cls(config, model_storage, resource, identifier)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Name the language of every training example, as ``process`` does at run time."""
        self.process(training_data.training_examples)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        """Add the ``language`` entity to each message (replacing an earlier one)."""
        if self._identifier is None:
            return messages
        for message in messages:
            text = message.get(TEXT)
            if not isinstance(text, str):
                continue
            prior = channel_language(message) if self._config["use_metadata_prior"] else None
            detection = self._identifier.detect(text, prior=prior)
            entity = {
                ENTITY_ATTRIBUTE_TYPE: ENTITY,
                ENTITY_ATTRIBUTE_VALUE: detection.language,
                ENTITY_ATTRIBUTE_START: 0,
                ENTITY_ATTRIBUTE_END: len(text),
                CONFIDENCE_KEY: round(detection.confidence, 4),
                "reliable": detection.reliable,
            }
            others = [e for e in message.get(ENTITIES, []) or []
                      if e.get(ENTITY_ATTRIBUTE_TYPE) != ENTITY]
            entity = self.add_extractor_name([entity])[0]
            message.set(ENTITIES, others + [entity], add_to_output=True)
        return messages
