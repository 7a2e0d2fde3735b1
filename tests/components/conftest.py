"""Helpers to build custom components the way Rasa's graph does (PITFALLS: LocalModelStorage,
Resource, ExecutionContext), train them on a small TrainingData, persist and load them."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.constants import TOKENS_NAMES
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.components.tokenizer import MultilingualTokenizer

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared"
TICO_TRAIN = SHARED / "data" / "lid-train" / "tico19.tsv"
DISTRICTS_JSON = SHARED / "data" / "muenster" / "districts.json"

# A few invented chat messages per language (not from data/ or the evaluation sets).
SMALL_NLU: dict[str, dict[str, list[str]]] = {
    "de": {"health": ["ich brauche einen arzt", "wo finde ich einen zahnarzt",
                      "meine krankenkasse zahlt nicht", "ich habe starke schmerzen"],
           "greet": ["hallo zusammen", "guten morgen", "guten tag"]},
    "en": {"health": ["i need a doctor", "where can i find a dentist",
                      "my health insurance does not pay", "i have strong pain"],
           "greet": ["hello there", "good morning", "hi how are you"]},
    "tr": {"health": ["doktora ihtiyacım var", "diş doktoru nerede bulurum",
                      "sigortam ödemiyor", "çok ağrım var"],
           "greet": ["merhaba nasılsın", "günaydın", "iyi günler"]},
    "fr": {"health": ["j'ai besoin d'un médecin", "où trouver un dentiste",
                      "ma mutuelle ne paie pas", "j'ai très mal"],
           "greet": ["bonjour à tous", "salut ça va", "bonsoir"]},
    "ru": {"health": ["мне нужен врач", "где найти зубного врача",
                      "страховка не платит", "у меня сильная боль"],
           "greet": ["привет всем", "доброе утро", "здравствуйте"]},
    "uk": {"health": ["мені потрібен лікар", "де знайти стоматолога",
                      "страховка не платить", "у мене сильний біль"],
           "greet": ["привіт усім", "доброго ранку", "вітаю"]},
}


@pytest.fixture()
def model_storage(tmp_path: Path) -> LocalModelStorage:
    return LocalModelStorage(tmp_path)


@pytest.fixture()
def execution_context() -> ExecutionContext:
    return ExecutionContext(GraphSchema({}), model_id="component-test")


def write_nlu_dir(directory: Path, data: dict[str, dict[str, list[str]]]) -> Path:
    """``<code>.yml`` files in the project's NLU format."""
    directory.mkdir(parents=True, exist_ok=True)
    for code, intents in data.items():
        lines = ['version: "3.1"', "nlu:"]
        for intent, examples in intents.items():
            lines += [f"- intent: {intent}", "  examples: |"]
            lines += [f"    - {example}" for example in examples]
        (directory / f"{code}.yml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return directory


def write_tico_sample(path: Path, per_language: int = 300) -> Path:
    """The first rows per language of the TICO-19 *training* file (keeps tests fast)."""
    counts: dict[str, int] = {}
    lines = TICO_TRAIN.read_text(encoding="utf-8").splitlines()
    out = [lines[0]]
    for line in lines[1:]:
        code = line.split("\t", 1)[0]
        if counts.get(code, 0) < per_language:
            counts[code] = counts.get(code, 0) + 1
            out.append(line)
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    return path


def tokenized(texts: list[str], intent: str | None = None) -> list[Message]:
    """Messages with the project tokenizer's tokens set, as the graph hands them on."""
    tokenizer = MultilingualTokenizer(MultilingualTokenizer.get_default_config())
    messages = [Message.build(text=t, intent=intent) if intent else Message.build(text=t)
                for t in texts]
    for message in messages:
        message.set(TOKENS_NAMES[TEXT], tokenizer.tokenize(message, TEXT))
    return messages


def training_data(data: dict[str, dict[str, list[str]]]) -> TrainingData:
    examples = [
        Message.build(text=text, intent=intent)
        for intents in data.values() for intent, texts in intents.items() for text in texts
    ]
    return TrainingData(training_examples=examples)


@pytest.fixture()
def build(model_storage: LocalModelStorage, execution_context: ExecutionContext
          ) -> Callable[..., Any]:
    """Create, train (if trainable), persist and load a component; returns the loaded one."""

    def _build(component_class: type, config: dict[str, Any], data: TrainingData,
               name: str) -> Any:
        resource = Resource(name)
        config = {**component_class.get_default_config(), **config}
        component = component_class.create(config, model_storage, resource, execution_context)
        if hasattr(component, "train"):
            component.train(data)
            return component_class.load(config, model_storage, resource, execution_context)
        return component

    return _build
