"""IntentLexiconFeaturizer and IntentClassifier, built the way Rasa's graph builds them.

The point of the lexicon: a word the examples never contain still moves a message towards its
intent. Here the classifier is trained on examples without "Hebamme", "ортопед" or "midwife"
and must still file them under health, which it cannot do without the lexicon features.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from rasa.shared.nlu.constants import TEXT

from bot.components.intent_classifier import IntentClassifier
from bot.components.intent_lexicon import (
    INTENT_LEXICON_DIR,
    INTENTS,
    IntentLexiconMatcher,
    check_file,
    compile_intent_lexicon,
)
from bot.components.intent_lexicon_featurizer import IntentLexiconFeaturizer
from tests.components.conftest import SMALL_NLU, tokenized, training_data

LEXICON = """\
health: [hebamme, arzt, midwife, ортопед, doktor, دكتور]
housing: [wohnung, flat, квартир]
greet: [hallo, hello, привет]
"""


@pytest.fixture()
def lexicon_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "intents"
    directory.mkdir()
    (directory / "xx.yml").write_text(LEXICON, encoding="utf-8")
    return directory


def test_matcher_finds_stems_phrases_and_clitics(lexicon_dir: Path) -> None:
    matcher = IntentLexiconMatcher(compile_intent_lexicon(lexicon_dir))
    health, housing = INTENTS.index("health"), INTENTS.index("housing")
    assert matcher.counts("Ich suche eine Hebammenpraxis")[health] == 1  # stem
    assert matcher.counts("нужна квартира")[housing] == 1  # Cyrillic stem
    assert matcher.counts("ابحث عن الدكتور")[health] == 1  # clitic "ال" taken off
    assert matcher.counts("ARZT!!")[health] == 1  # case and punctuation
    assert sum(matcher.counts("ich brauche arbeit")) == 0
    assert matcher.counts("hel")[INTENTS.index("greet")] == 0  # no match on a fragment


def test_featurizer_persists_and_adds_one_column_per_intent(build, lexicon_dir: Path) -> None:
    featurizer = build(IntentLexiconFeaturizer, {"lexicon_dir": str(lexicon_dir)},
                       training_data({}), "lexicon")
    [message] = featurizer.process(tokenized(["Hallo, ich brauche eine Hebamme und Wohnung"]))
    sequence, sentence = message.get_sparse_features(TEXT)
    assert sentence.features.shape == (1, len(INTENTS))
    row = sentence.features.toarray()[0]
    expected = np.zeros(len(INTENTS))
    for intent in ("health", "housing", "greet"):
        expected[INTENTS.index(intent)] = 1.0
    assert row.tolist() == expected.tolist()
    assert sequence.features.shape == (7, len(INTENTS))  # one row per token


def test_unseen_lexicon_words_reach_the_right_intent(build, lexicon_dir: Path) -> None:
    """Trained on SMALL_NLU (no "hebamme", "ортопед", "midwife"): with lexicon features the
    classifier files them under health; the same classifier without the featurizer cannot."""
    from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import (
        CountVectorsFeaturizer,
    )

    examples = [m for code in SMALL_NLU for intent, texts in SMALL_NLU[code].items()
                for m in tokenized(texts, intent)]
    data = training_data({})
    data.training_examples.extend(examples)
    unseen = ["hebamme", "ортопед", "midwife"]

    def predictions(with_lexicon: bool) -> list[str]:
        featurizers = [build(CountVectorsFeaturizer, {}, data, "words")]
        if with_lexicon:
            featurizers.append(build(IntentLexiconFeaturizer,
                                     {"lexicon_dir": str(lexicon_dir), "weight": 3.0},
                                     data, "lexicon"))
        for featurizer in featurizers:
            featurizer.process_training_data(data)
        classifier = build(IntentClassifier, {"C": 10.0}, data,
                           f"classifier-{with_lexicon}")
        messages = tokenized(unseen)
        for featurizer in featurizers:
            featurizer.process(messages)
        classifier.process(messages)
        return [m.get("intent")["name"] for m in messages]

    for message in data.training_examples:
        message.features = []
    assert predictions(with_lexicon=True) == ["health"] * 3
    for message in data.training_examples:
        message.features = []
    assert predictions(with_lexicon=False) != ["health"] * 3


def test_classifier_weights_are_column_major_after_load(build) -> None:
    from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import (
        CountVectorsFeaturizer,
    )

    data = training_data({})
    data.training_examples.extend(
        m for code in SMALL_NLU for intent, texts in SMALL_NLU[code].items()
        for m in tokenized(texts, intent))
    build(CountVectorsFeaturizer, {}, data, "words").process_training_data(data)
    classifier = build(IntentClassifier, {"C": 2.0}, data, "classifier")
    assert classifier.clf.C == 2.0
    assert classifier.clf.coef_.flags["F_CONTIGUOUS"]
    with pytest.raises(ValueError):
        IntentClassifier.validate_config({"C": 0})


def test_check_finds_unquoted_yes_and_entries_under_two_intents(tmp_path: Path) -> None:
    bad = tmp_path / "xx.yml"
    bad.write_text("affirm:\n  - yes\n  - ok\ndeny:\n  - OK\n", encoding="utf-8")
    problems = " ".join(check_file(bad))
    assert "True is not text" in problems
    assert "'OK' under both affirm and deny" in problems
    assert "intent health missing" in problems


def test_shipped_lexicon_files_pass_their_check() -> None:
    files = sorted(INTENT_LEXICON_DIR.glob("*.yml"))
    assert {f.stem for f in files} == {"de", "en", "ar", "tr", "ru", "uk", "fa", "ps", "ku",
                                       "ti", "so", "fr"}
    problems = [p for f in files for p in check_file(f)]
    assert problems == []


def test_tfidf_weights_survive_persist_and_load(build, model_storage, execution_context) -> None:
    """With tfidf the loaded classifier must score exactly like the trained one: the idf
    vector is part of the model (without it, load would silently use raw counts)."""
    from rasa.engine.storage.resource import Resource
    from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import (
        CountVectorsFeaturizer,
    )

    data = training_data({})
    data.training_examples.extend(
        m for code in SMALL_NLU for intent, texts in SMALL_NLU[code].items()
        for m in tokenized(texts, intent))
    build(CountVectorsFeaturizer, {"analyzer": "char_wb", "min_ngram": 2, "max_ngram": 4},
          data, "chars").process_training_data(data)
    config = {**IntentClassifier.get_default_config(), "tfidf": True, "C": 10.0}
    trained = IntentClassifier.create(config, model_storage, Resource("tfidf"),
                                      execution_context)
    trained.train(data)
    loaded = IntentClassifier.load(config, model_storage, Resource("tfidf"), execution_context)
    assert loaded._tfidf is not None
    matrix = trained._create_X(data.training_examples)
    assert abs(matrix.multiply(matrix).sum(axis=1) - 1).max() < 1e-9  # unit rows
    assert (trained.clf.predict_proba(matrix)
            == loaded.clf.predict_proba(loaded._create_X(data.training_examples))).all()


def test_a_longer_match_hides_the_shorter_ones_inside_it() -> None:
    matcher = IntentLexiconMatcher(compile_intent_lexicon(INTENT_LEXICON_DIR))
    names = matcher.intents
    counts = matcher.counts("of course")
    assert counts[names.index("affirm")] == 1
    assert counts[names.index("language_course")] == 0
    counts = matcher.counts("german course please, of course")
    assert counts[names.index("language_course")] >= 1
    assert counts[names.index("affirm")] == 1
    assert matcher.matches_words(["a", "b"]) == []


def test_longest_first_keeps_disjoint_and_identical_spans() -> None:
    from bot.components.intent_lexicon import longest_first

    found = [(0, 1, 5), (0, 2, 3), (1, 2, 4), (2, 3, 1), (2, 3, 2)]
    assert longest_first(found) == [(0, 2, 3), (2, 3, 1), (2, 3, 2)]


def test_own_language_columns_count_only_entries_of_the_message_language(
        build, tmp_path: Path) -> None:
    """English "ye" (yes) must not pass for an answer in a Kurmanji message, where "ye" is
    the verb "is"; "doktor" is written in both files and counts for both."""
    directory = tmp_path / "intents"
    directory.mkdir()
    (directory / "en.yml").write_text("affirm: [ye]\nhealth: [doktor]\n", encoding="utf-8")
    (directory / "ku.yml").write_text("health: [doktor]\n", encoding="utf-8")
    compiled = compile_intent_lexicon(directory)
    assert compiled["languages"] == ["en", "ku"]
    featurizer = build(IntentLexiconFeaturizer,
                       {"lexicon_dir": str(directory), "own_language": True},
                       training_data({}), "lexicon-own")
    affirm, health, width = INTENTS.index("affirm"), INTENTS.index("health"), len(INTENTS)

    def row(text: str, language: str | None) -> np.ndarray:
        [message] = tokenized([text])
        if language:
            message.set("entities", [{"entity": "language", "value": language,
                                      "start": 0, "end": len(text)}])
        featurizer.process([message])
        return message.get_sparse_features(TEXT)[1].features.toarray()[0]

    kurmanji = row("doktor li ku ye", "ku")
    assert kurmanji.shape == (2 * width,)
    assert kurmanji[affirm] == 1 and kurmanji[width + affirm] == 0
    assert kurmanji[health] == 1 and kurmanji[width + health] == 1
    english = row("ye doktor", "en")
    assert english[width + affirm] == 1 and english[width + health] == 1
    assert row("ye", None)[width:].sum() == 0  # no language known: no own-language counts
