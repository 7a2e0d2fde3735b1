"""The word-frequency source of the language detector (``bot.components.lid_words``)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bot.components.lid_data import LANGUAGES
from bot.components.lid_words import FLOOR, WordFrequencies, word_hash, words_of

CODE = {code: i for i, code in enumerate(LANGUAGES)}
# Our own counts (languages wordfreq lacks): invented lines, not training or evaluation text.
OWN = [("waxaan rabaa guri cusub", "so"), ("guri yar iyo shaqo", "so"),
       ("ez xaniyekî dixwazim", "ku"), ("ez kar dixwazim", "ku")]


@pytest.fixture(scope="module")
def table() -> WordFrequencies:
    return WordFrequencies.build(OWN, limit=20_000)


def test_words_are_looked_up_without_arabic_marks_zwnj_or_case() -> None:
    assert words_of("مَرْحَبًا") == words_of("مرحبا")
    assert words_of("می‌خواهم") == words_of("میخواهم")
    assert words_of("Aujourd'hui, 3 Ärzte!") == ["aujourd'hui", "ärzte"]
    assert word_hash("haus") == word_hash("haus") != word_hash("maus")


def test_a_word_counts_for_the_languages_that_write_it(table: WordFrequencies) -> None:
    probs = table.probabilities("fermer")
    assert probs.argmax() == CODE["fr"] and probs[CODE["fr"]] > 0.9
    assert table.probabilities("пальцем").argmax() in (CODE["ru"], CODE["uk"])
    assert table.probabilities("dixwazim").argmax() == CODE["ku"]  # our own counts
    assert table.probabilities("waxaan guri").argmax() == CODE["so"]


def test_a_shared_word_goes_to_the_language_that_writes_it_more() -> None:
    import wordfreq

    table = WordFrequencies.build([], limit=20_000)
    probs = table.probabilities("internet")
    frequencies = {code: wordfreq.word_frequency("internet", code) for code in ("de", "tr")}
    assert probs[CODE["de"]] > 0.05 and probs[CODE["tr"]] > 0.05  # both write it
    best = max(frequencies, key=frequencies.get)
    assert probs[CODE[best]] == max(probs[CODE["de"]], probs[CODE["tr"]])


def test_unknown_words_say_nothing(table: WordFrequencies) -> None:
    assert np.allclose(table.probabilities("qqzxjvwk"), 1 / len(LANGUAGES))
    assert np.allclose(table.probabilities(""), 1 / len(LANGUAGES))
    known, n_known, n_words = table.lookup("fermer qqzxjvwk")
    assert (n_known, n_words) == (1, 2)
    assert known.min() >= FLOOR  # a missing language counts the floor, nothing lower


def test_own_counts_only_for_languages_without_a_list() -> None:
    table = WordFrequencies.build([("zzyzx blorf", "de"), ("zzyzx", "so")], limit=1_000)
    total, known, _ = table.lookup("zzyzx")
    assert known == 1
    assert total[CODE["so"]] > FLOOR and total[CODE["de"]] == FLOOR  # de comes from wordfreq only
    assert table.lookup("blorf")[1] == 0


def test_holdout_leaves_out_the_words_kept_for_measuring() -> None:
    import wordfreq

    from bot.components.lid_data import dev_reserved

    reserved = [w for w in wordfreq.top_n_list("de", 2000) if w.isalpha() and dev_reserved(w)]
    kept = WordFrequencies.build([], limit=5_000, holdout=True)
    full = WordFrequencies.build([], limit=5_000)
    assert all(kept.lookup(w)[1] == 0 for w in reserved[:50])
    assert sum(full.lookup(w)[1] for w in reserved[:50]) >= 45


def test_save_and_load_keep_the_table(table: WordFrequencies, tmp_path: Path) -> None:
    table.save(tmp_path)
    loaded = WordFrequencies.load(tmp_path)
    assert len(loaded) == len(table) > 20_000
    for text in ("fermer", "dixwazim", "attention please"):
        assert np.array_equal(loaded.probabilities(text), table.probabilities(text))


def test_own_floor_only_for_words_our_own_text_lacks() -> None:
    """A word missing from a few thousand sentences of Somali is weaker evidence against
    Somali than a word missing from 150,000 words of an English list."""
    own = [("guri cusub", "so")]
    strict = WordFrequencies.build(own, limit=2_000)
    lenient = WordFrequencies.build(own, limit=2_000, own_floor=-6.5)
    english = lenient.lookup("would")[0]
    assert strict.lookup("would")[0][CODE["so"]] == FLOOR
    assert english[CODE["so"]] == -6.5 and english[CODE["ku"]] == -6.5
    assert english[CODE["fr"]] == FLOOR  # wordfreq's languages keep the strict floor
    # a word of our own text keeps its counted frequency
    assert lenient.lookup("guri")[0][CODE["so"]] == strict.lookup("guri")[0][CODE["so"]] > -6.5


def test_own_counts_keep_only_words_in_the_languages_script() -> None:
    """Tigrinya and Pashto messages hold German words ("Notunterkunft", "Termin"): they are
    no evidence for Tigrinya or Pashto."""
    from bot.components.lid_data import WORDFREQ_CODES
    from bot.components.lid_words import OWN_SCRIPTS

    assert set(OWN_SCRIPTS) == set(LANGUAGES) - set(WORDFREQ_CODES)
    table = WordFrequencies.build([("ናይ notunterkunft ሓገዝ", "ti"), ("د termin لپاره", "ps")],
                                  limit=1_000)
    assert table.lookup("ሓገዝ")[1] == 1 and table.lookup("لپاره")[1] == 1
    assert table.lookup("notunterkunft")[1] == 0 and table.lookup("termin")[1] == 0
