"""Consonant skeletons and the SkeletonFeaturizer, built the way Rasa's graph builds it: a word
and its Latin-letter transcription meet, and an intent learnt in one script is recognised in
the other."""
from __future__ import annotations

import pytest
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_TYPE,
    ENTITY_ATTRIBUTE_VALUE,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.components.intent_classifier import IntentClassifier
from bot.components.skeleton import skeleton, skeletons
from bot.components.skeleton_featurizer import SkeletonFeaturizer
from bot.normalize import normalize
from tests.components.conftest import tokenized


@pytest.mark.parametrize(("arabic_script", "latin"), [
    ("محامي", "mo7ami"),  # Arabizi digit 7 = ح
    ("دكتور", "doctor"),  # a loanword in both scripts
    ("عايز", "3ayez"),  # 3 = ع
    ("خلص", "5ales"),  # 5 = خ
    ("شغل", "shoghl"),  # sh = ش, gh = غ
    ("وکیل", "vakil"),  # Persian: word-initial waw is a consonant
    ("جاب سنتر", "jobcenter"),  # soft c
])
def test_a_word_and_its_transcription_share_a_skeleton(arabic_script: str, latin: str) -> None:
    left = "".join(skeletons(normalize(arabic_script).split()))
    right = "".join(skeletons(normalize(latin, fold_latin=True).split()))
    assert left and left == right


def test_words_too_short_or_in_other_scripts_have_no_skeleton() -> None:
    assert skeletons(["ana", "wa", "мама", "ሰላም", "ok"]) == ["", "", "", "", ""]
    assert skeleton("kommen") == "kmn"  # doubled consonants count once
    assert skeleton("محامي") != skeleton("حمام")  # consonant order matters


def _with_language(messages: list[Message], code: str) -> list[Message]:
    for message in messages:
        message.set(ENTITIES, [{ENTITY_ATTRIBUTE_TYPE: "language",
                                ENTITY_ATTRIBUTE_VALUE: code, "start": 0,
                                "end": len(message.get(TEXT))}])
    return messages


def _sentence(message: Message) -> list[float]:
    return message.get_sparse_features(TEXT)[1].features.toarray()[0].tolist()


def test_features_only_for_the_configured_languages(build) -> None:
    data = TrainingData(training_examples=_with_language(tokenized(["بدي محامي"]), "ar"))
    featurizer = build(SkeletonFeaturizer, {}, data, "skeleton")
    arabizi = featurizer.process(_with_language(tokenized(["bdi mo7ami"]), "ar"))[0]
    script = featurizer.process(_with_language(tokenized(["بدي محامي"]), "ar"))[0]
    german = featurizer.process(_with_language(tokenized(["bodo mahami"]), "de"))[0]
    assert _sentence(arabizi) == _sentence(script) and sum(_sentence(script)) > 0
    assert sum(_sentence(german)) == 0 and len(_sentence(german)) == len(_sentence(script))
    sequence = script.get_sparse_features(TEXT)[0].features
    assert sequence.shape[0] == 2  # one row per token
    with pytest.raises(ValueError):
        SkeletonFeaturizer.validate_config({"min_ngram": 3, "max_ngram": 2})


def test_an_intent_learnt_in_arabic_script_is_found_in_arabizi(build) -> None:
    """Trained on Arabic script only: the Arabizi message shares no word or character
    feature with the examples, only the skeleton features can place it."""
    examples = {"legal_advice": ["بدي محامي", "وين في محامي", "محامي مجاني"],
                "health": ["بدي دكتور", "وين في دكتور", "دكتور اسنان"]}
    data = TrainingData(training_examples=[
        m for intent, texts in examples.items()
        for m in _with_language(tokenized(texts, intent), "ar")])
    featurizer = build(SkeletonFeaturizer, {}, data, "skeleton")
    featurizer.process_training_data(data)
    classifier = build(IntentClassifier, {"C": 10.0}, data, "classifier")
    messages = _with_language(tokenized(["mo7ami", "doktor"]), "ar")
    featurizer.process(messages)
    classifier.process(messages)
    assert [m.get("intent")["name"] for m in messages] == ["legal_advice", "health"]
