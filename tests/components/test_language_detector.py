"""LanguageDetector: trained on a small TrainingData, persisted, loaded, and processing."""
from __future__ import annotations

from pathlib import Path

import pytest
from rasa.shared.nlu.training_data.message import Message

from bot.components.language_detector import LanguageDetector
from bot.components.lid_data import training_pairs
from tests.components.conftest import (
    SMALL_NLU,
    TICO_TRAIN,
    training_data,
    write_nlu_dir,
    write_tico_sample,
)

pytestmark = pytest.mark.skipif(not TICO_TRAIN.exists(), reason="TICO-19 training file missing")


@pytest.fixture(scope="module")
def detector(tmp_path_factory: pytest.TempPathFactory) -> LanguageDetector:
    from rasa.engine.graph import ExecutionContext, GraphSchema
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource

    tmp = tmp_path_factory.mktemp("lid")
    config = {
        **LanguageDetector.get_default_config(),
        "nlu_dir": str(write_nlu_dir(tmp / "nlu", SMALL_NLU)),
        "tico_path": str(write_tico_sample(tmp / "tico.tsv")),
        "lid": {"words_limit": 20_000},  # a smaller word table keeps this test fast
    }
    storage = LocalModelStorage(tmp)
    context = ExecutionContext(GraphSchema({}), model_id="lid-test")
    resource = Resource("language_detector")
    trained = LanguageDetector.create(config, storage, resource, context)
    trained.train(training_data(SMALL_NLU))
    return LanguageDetector.load(config, storage, resource, context)


def _language(detector: LanguageDetector, text: str, metadata: dict | None = None) -> dict:
    message = Message.build(text=text)
    if metadata is not None:
        message.set("metadata", metadata)
    detector.process([message])
    found = [e for e in message.get("entities") if e["entity"] == "language"]
    assert len(found) == 1, found
    return found[0]


def test_entity_shape(detector: LanguageDetector) -> None:
    text = "ich brauche einen arzt in der nähe"
    entity = _language(detector, text)
    assert entity["value"] == "de"
    assert entity["start"] == 0 and entity["end"] == len(text)
    assert 0.0 < entity["confidence_entity"] <= 1.0
    assert entity["extractor"] == "LanguageDetector"
    assert isinstance(entity["reliable"], bool)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("ሓኪም ክረክብ እደሊ", "ti"),  # Ethiopic script
        ("زه ډاکټر ته اړتیا لرم", "ps"),  # Pashto-only letters ډ ټ ړ
        ("ښه ورځ", "ps"),
        ("Мені потрібна допомога з документами", "uk"),
        ("Мне нужна помощь с документами", "ru"),
        ("i need help with my documents please", "en"),
        ("j'ai besoin d'aide avec mes papiers", "fr"),
        ("belgelerimle ilgili yardıma ihtiyacım var", "tr"),
    ],
)
def test_detects_languages(detector: LanguageDetector, text: str, code: str) -> None:
    assert _language(detector, text)["value"] == code


def test_script_decisions_are_reliable(detector: LanguageDetector) -> None:
    assert _language(detector, "ሰላም")["reliable"] is True
    assert _language(detector, "ښه")["reliable"] is True


def test_newlines_do_not_break_fasttext(detector: LanguageDetector) -> None:
    assert _language(detector, "hello\nI need a doctor\r\nplease")["value"] == "en"


def test_no_letters_uses_channel_language(detector: LanguageDetector) -> None:
    entity = _language(detector, "👍 123", {"language": "so"})
    assert entity["value"] == "so" and entity["reliable"] is False


def test_channel_language_is_a_prior(detector: LanguageDetector) -> None:
    plain = _language(detector, "ok")
    with_prior = _language(detector, "ok", {"language": "tr"})
    assert with_prior["value"] == "tr" or with_prior["confidence_entity"] > 0
    assert plain["value"] in {"de", "en", "ar", "tr", "ru", "uk", "fa", "ps", "ku", "ti",
                              "so", "fr"}


def test_replaces_an_earlier_language_entity(detector: LanguageDetector) -> None:
    message = Message.build(text="i need a doctor")
    detector.process([message])
    detector.process([message])
    assert [e["entity"] for e in message.get("entities")].count("language") == 1


def test_only_texts_given_to_train_are_labelled(tmp_path: Path) -> None:
    nlu = write_nlu_dir(tmp_path / "nlu", SMALL_NLU)
    pairs = training_pairs(nlu, None, ["i need a doctor", "hallo zusammen", "not in any file"])
    assert sorted(pairs) == [("hallo zusammen", "de"), ("i need a doctor", "en")]


def test_word_pairs_join_two_words_of_one_language_each_used_once() -> None:
    from bot.components.lid_model import word_pairs

    words = [(w, "de") for w in ("haus", "baum", "weg", "tür", "ende")] + [
        (w, "tr") for w in ("ev", "yol", "kapı")]
    pairs = word_pairs(words, seed=3)
    assert sorted(code for _, code in pairs) == ["de", "de", "tr"]
    used = [w for text, _ in pairs for w in text.split()]
    assert len(used) == len(set(used)) == 6
    language_of = dict(words)
    assert all(language_of[a] == language_of[b] == code
               for text, code in pairs for a, b in [text.split()])
    assert pairs == word_pairs(words, seed=3)  # deterministic


def test_trust_weights_are_never_negative(detector: LanguageDetector) -> None:
    """A source's confident answer must never count against that answer: lowering one
    source's probability of a language never raises that language's score (for every
    length bucket, with the per-language trust factors)."""
    import numpy as np

    stacker = detector._identifier.stacker
    assert (stacker.weights >= 0).all()
    evidence = detector._identifier.evidence("ich brauche hilfe")
    for bucket in range(stacker.weights.shape[1]):
        evidence.bucket = bucket
        before = stacker.logits(evidence)
        for source in range(evidence.log_probs.shape[0]):
            lowered = evidence.log_probs.copy()
            lowered[source] -= 1.0
            after = stacker.logits(type(evidence)(lowered, evidence.side, bucket))
            assert (after <= before + 1e-9).all(), (bucket, source)
        assert np.isfinite(before).all()


def test_texts_with_unseen_words_get_their_own_trust(detector: LanguageDetector) -> None:
    from bot.components.lid_model import N_BUCKETS, bucket_of

    identifier = detector._identifier
    assert identifier.stacker.weights.shape[1] == 2 * N_BUCKETS  # kept through save/load
    vocabulary = identifier.vocabulary
    known = sorted(w for w in vocabulary.words if w.isalpha())[:2]
    assert bucket_of(known[0], vocabulary) == 0
    assert bucket_of(" ".join(known), vocabulary) == 1
    assert bucket_of("qqzxjvwk", vocabulary) == N_BUCKETS
    assert bucket_of(f"{known[0]} qqzxjvwk", vocabulary) == N_BUCKETS + 1


def test_words_kept_for_measuring_are_never_trained_on() -> None:
    import wordfreq

    from bot.components.lid_data import dev_reserved, generic_words, wordfreq_words

    lists = wordfreq_words()
    assert len(lists["uk"]) > 20_000  # Ukrainian now has a real word list, not stop words
    assert not any(dev_reserved(w) for words in lists.values() for w in words)
    assert not any(dev_reserved(w) for w, _ in generic_words(500, wordfreq_limit=30_000))
    frequent = wordfreq.top_n_list("de", 5000)
    assert 0.15 < sum(map(dev_reserved, frequent)) / len(frequent) < 0.25


def test_four_sources_and_a_model_of_three_is_refused(detector: LanguageDetector,
                                                      tmp_path: Path) -> None:
    import numpy as np

    from bot.components.lid_model import N_SOURCES, LanguageIdentifier

    identifier = detector._identifier
    assert identifier.stacker.weights.shape[0] == N_SOURCES == 4
    assert identifier.evidence("ich brauche hilfe").log_probs.shape == (N_SOURCES, 12)
    identifier.save(tmp_path)
    stored = dict(np.load(tmp_path / "lid_stacker.npz"))
    stored["weights"] = stored["weights"][:3]  # as written before the word source existed
    np.savez(tmp_path / "lid_stacker.npz", **stored)
    with pytest.raises(ValueError):
        LanguageIdentifier.load(tmp_path)


def test_the_word_source_knows_words_the_chat_data_lacks(detector: LanguageDetector) -> None:
    """French words the small chat data never had: the word table names them, and the stacker
    listens to it on single words."""
    from bot.components.lid_model import INDEX, N_BUCKETS

    identifier = detector._identifier
    for word in ("fermer", "humide", "arriver"):
        assert identifier.evidence(word).log_probs[3].argmax() == INDEX["fr"], word
    assert identifier.stacker.weights[3, [0, N_BUCKETS]].max() > 0


def test_word_sentences_are_long_runs_of_one_language() -> None:
    from bot.components.lid_data import WORDFREQ_CODES
    from bot.components.lid_model import word_sentences

    sentences = word_sentences(3, seed=5)
    assert sorted({code for _, code in sentences}) == sorted(WORDFREQ_CODES)
    assert all(6 <= len(text.split()) <= 14 for text, _ in sentences)
    assert sentences == word_sentences(3, seed=5)


def test_mixed_sentences_keep_most_words_of_their_language() -> None:
    """The stacker's mixed sentences: 4-14 words of one language's list with about 30% of
    them taken from another language of the same script, labelled with the sentence's own
    language; the same draw twice."""
    from bot.components.lid_data import wordfreq_words
    from bot.components.lid_model import mixed_sentences
    from bot.components.lid_sources import script_of

    lists = {code: set(words) for code, words in wordfreq_words().items()}
    sentences = mixed_sentences(20, seed=5, vocabulary=5000)
    assert sorted({code for _, code in sentences}) == sorted(lists)
    foreign_total = 0
    for text, code in sentences:
        words = text.split()
        assert 4 <= len(words) <= 14
        assert {script_of(word[0]) for word in words} == {script_of(text[0])}
        foreign = [w for w in words if w not in lists[code]]
        assert len(foreign) <= int(len(words) * 0.3), (text, code)
        assert all(any(w in lists[other] for other in lists if other != code) for w in foreign)
        foreign_total += len(foreign)
    assert foreign_total > len(sentences)  # most sentences hold foreign words
    assert sentences == mixed_sentences(20, seed=5, vocabulary=5000)


@pytest.mark.parametrize("length", [1, 2])
def test_running_words_and_pairs_keep_the_words_languages_share(length: int) -> None:
    """The stacker's running words and pairs are one or two words each and, unlike the
    package words, hold frequent words that two languages' lists share (what makes real
    short messages hard)."""
    from bot.components.lid_model import word_sentences

    pairs = word_sentences(200, seed=5, lengths=(length, length))
    assert all(len(text.split()) == length for text, _ in pairs)
    languages_of: dict[str, set[str]] = {}
    for text, code in pairs:
        for word in text.split():
            languages_of.setdefault(word, set()).add(code)
    assert any(len(codes) > 1 for codes in languages_of.values())


def test_training_examples_get_their_language(detector: LanguageDetector) -> None:
    """Rasa runs ``process_training_data`` in training (the detector is also registered as a
    featurizer), so later components see each example's language as they will at run time."""
    data = detector.process_training_data(training_data(SMALL_NLU))
    languages = {example.get("text"): [e["value"] for e in example.get("entities")
                                       if e["entity"] == "language"]
                 for example in data.training_examples}
    assert all(len(found) == 1 for found in languages.values())
    assert languages["i need a doctor"] == ["en"]
    assert languages["мне нужен врач"] == ["ru"]


def test_language_trust_corrects_a_source_that_underrates_one_language() -> None:
    """A source that always puts Russian second behind Ukrainian on Russian text: one shared
    trust weight cannot repair that; a per-language trust (``language_trust``) can."""
    import numpy as np

    from bot.components.lid_model import INDEX, N_SOURCES, Evidence, LidConfig, Stacker

    def evidence(first: str, second: str, p_first: float) -> Evidence:
        probs = np.full((N_SOURCES, 12), 1e-3)
        probs[:, INDEX[first]], probs[:, INDEX[second]] = p_first, 0.95 - p_first
        return Evidence(np.log(probs), np.zeros(3), 0)

    rows = ([(evidence("uk", "ru", 0.6), INDEX["ru"])] * 50     # Russian text, uk said first
            + [(evidence("uk", "ru", 0.9), INDEX["uk"])] * 50   # Ukrainian text
            + [(evidence("de", "en", 0.8), INDEX["de"])] * 50
            + [(evidence("en", "de", 0.8), INDEX["en"])] * 50)
    labels = np.asarray([label for _, label in rows])
    shared = Stacker.fit([e for e, _ in rows], labels, LidConfig(language_trust=False))
    per_language = Stacker.fit([e for e, _ in rows], labels, LidConfig(language_trust=True))
    assert not shared.language_trust.any()
    russian = rows[0][0]
    assert shared.probabilities(russian).argmax() == INDEX["uk"]
    assert per_language.probabilities(russian).argmax() == INDEX["ru"]
    assert per_language.probabilities(rows[50][0]).argmax() == INDEX["uk"]
    assert per_language.probabilities(rows[100][0]).argmax() == INDEX["de"]


def test_trust_cap_keeps_one_source_from_outvoting_the_other_three() -> None:
    """Held-out text from fastText's own domain (where it is right 19 times in 20 and the
    other sources say nothing) drives its fitted trust far above 1; a text from elsewhere,
    where it leans Ukrainian and lid.176, lingua and the word table all say Russian, then
    follows fastText alone. ``max_trust`` (1: no source counts more than its own
    probabilities) lets the three outvote it."""
    import numpy as np

    from bot.components.lid_model import INDEX, N_SOURCES, Evidence, LidConfig, Stacker

    def evidence(said: dict[int, tuple[str, str]]) -> Evidence:
        probs = np.full((N_SOURCES, 12), 1.0 / 12)
        for source, (first, second) in said.items():
            probs[source] = 0.005
            probs[source, INDEX[first]], probs[source, INDEX[second]] = 0.7, 0.25
        return Evidence(np.log(probs), np.zeros(3), 3)

    rows = []
    for i in range(200):
        right = i % 20 != 0  # fastText alone speaks, right 19 times in 20
        rows += [(evidence({0: ("ru", "uk") if right else ("uk", "ru")}), INDEX["ru"]),
                 (evidence({0: ("uk", "ru") if right else ("ru", "uk")}), INDEX["uk"])]
        right = i % 5 != 0  # the other three speak, right 4 times in 5
        others = ("de", "en") if right else ("en", "de")
        rows += [(evidence(dict.fromkeys((1, 2, 3), others)), INDEX["de"]),
                 (evidence(dict.fromkeys((1, 2, 3), others[::-1])), INDEX["en"])]
    labels = np.asarray([label for _, label in rows])
    elsewhere = evidence({0: ("uk", "ru"), 1: ("ru", "uk"), 2: ("ru", "uk"), 3: ("ru", "uk")})
    uncapped = Stacker.fit([e for e, _ in rows], labels, LidConfig(max_trust=None))
    capped = Stacker.fit([e for e, _ in rows], labels, LidConfig(max_trust=1.0))
    assert uncapped.weights[0, 3] > 2.0
    assert uncapped.probabilities(elsewhere).argmax() == INDEX["uk"]
    assert capped.weights.max() <= 1.0 + 1e-9
    assert capped.probabilities(elsewhere).argmax() == INDEX["ru"]
    assert capped.probabilities(rows[4][0]).argmax() == INDEX["ru"]  # its own domain still


def test_fasttext_training_gives_the_same_model_twice(tmp_path: Path) -> None:
    """The detector is trained on one thread so that the same data gives the same model: with
    two, fastText's lock-free updates race and every training run scores differently."""
    from bot.components.lid_model import LidConfig, _ft_probs, _train_fasttext

    pairs = training_pairs(write_nlu_dir(tmp_path / "nlu", SMALL_NLU),
                           write_tico_sample(tmp_path / "tico.tsv"))
    config = LidConfig(ft_epoch=5, ft_bucket=20_000)
    assert config.ft_threads == 1
    first, second = _train_fasttext(pairs, config), _train_fasttext(pairs, config)
    texts = ["ich brauche einen arzt", "سلام", "ana bdi doctor", "ሰላም", "waan u baahanahay"]
    for text in texts:
        assert _ft_probs(first, text).tolist() == _ft_probs(second, text).tolist()
