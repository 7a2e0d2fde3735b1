"""QuestionFeaturizer, built the way Rasa's graph builds it: the question mark of every script
reaches the classifier, which can then tell a bare status from a question about it."""
from __future__ import annotations

import pytest
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import (
    CountVectorsFeaturizer,
)
from rasa.shared.nlu.constants import TEXT

from bot.components.intent_classifier import IntentClassifier
from bot.components.question_featurizer import QuestionFeaturizer
from tests.components.conftest import tokenized, training_data


def test_question_marks_of_every_script_give_the_feature(build) -> None:
    featurizer = build(QuestionFeaturizer, {"weight": 2.0}, training_data({}), "question")
    texts = ["wo ist der arzt?", "ich habe eine duldung", "عندي دولدونغ، شو بعمل؟",
             "ዱልዱንግ ኣለኒ፧", "у меня дулдунг", "kita？"]
    messages = featurizer.process(tokenized(texts))
    values = [m.get_sparse_features(TEXT)[1].features.toarray()[0, 0] for m in messages]
    assert values == [2.0, 0.0, 2.0, 2.0, 0.0, 2.0]
    sequence = messages[0].get_sparse_features(TEXT)[0].features.toarray()
    assert sequence.shape == (4, 1) and sequence[-1, 0] == 2.0 and sequence[:-1].sum() == 0
    with pytest.raises(ValueError):
        QuestionFeaturizer.validate_config({"weight": 0})


def test_the_classifier_tells_a_status_from_a_question_about_it(build) -> None:
    """Same words, with and without "?": only the question feature can separate them."""
    examples = {"inform": ["ich habe eine duldung", "ich habe einen aufenthaltstitel",
                           "ich habe eine gestattung", "wir haben eine duldung"],
                "legal_advice": ["ich habe eine duldung?", "ich habe einen aufenthaltstitel?",
                                 "ich habe eine gestattung?", "wir haben eine duldung?"]}
    data = training_data({})
    data.training_examples.extend(
        m for intent, texts in examples.items() for m in tokenized(texts, intent))

    def predictions(with_question: bool) -> list[str]:
        for message in data.training_examples:
            message.features = []
        featurizers = [build(CountVectorsFeaturizer, {}, data, f"words-{with_question}")]
        if with_question:
            featurizers.append(build(QuestionFeaturizer, {}, data, "question"))
        for featurizer in featurizers:
            featurizer.process_training_data(data)
        classifier = build(IntentClassifier, {"C": 10.0}, data, f"clf-{with_question}")
        messages = tokenized(["wir haben einen aufenthaltstitel?",
                              "wir haben einen aufenthaltstitel"])
        for featurizer in featurizers:
            featurizer.process(messages)
        classifier.process(messages)
        return [m.get("intent")["name"] for m in messages]

    assert predictions(with_question=True) == ["legal_advice", "inform"]
    first, second = predictions(with_question=False)
    assert first == second  # without the feature both texts look the same
