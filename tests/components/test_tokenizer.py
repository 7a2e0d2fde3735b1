"""MultilingualTokenizer: normalised lemmas, original text and offsets kept."""
from __future__ import annotations

import pytest
from rasa.shared.nlu.training_data.message import Message

from bot.components.tokenizer import MultilingualTokenizer
from tests.components.conftest import training_data


@pytest.fixture()
def tokenizer(build) -> MultilingualTokenizer:
    return build(MultilingualTokenizer, {}, training_data({}), "tokenizer")


def _tokens(tokenizer: MultilingualTokenizer, text: str) -> list:
    message = Message.build(text=text)
    tokenizer.process([message])
    return message.get("text_tokens")


def test_zwnj_forms_give_the_same_token(tokenizer: MultilingualTokenizer) -> None:
    with_zwnj = _tokens(tokenizer, "می‌خواهم")
    without = _tokens(tokenizer, "میخواهم")
    assert len(with_zwnj) == len(without) == 1
    assert with_zwnj[0].lemma == without[0].lemma
    assert with_zwnj[0].text == "می‌خواهم"  # the user's text is kept


def test_harakat_tatweel_yeh_kaf_alef(tokenizer: MultilingualTokenizer) -> None:
    assert _tokens(tokenizer, "مَرْحَبًا")[0].lemma == _tokens(tokenizer, "مرحبا")[0].lemma
    assert _tokens(tokenizer, "مـــرحبا")[0].lemma == _tokens(tokenizer, "مرحبا")[0].lemma
    assert _tokens(tokenizer, "كيف")[0].lemma == _tokens(tokenizer, "کیف")[0].lemma
    assert _tokens(tokenizer, "أريد")[0].lemma == _tokens(tokenizer, "اريد")[0].lemma


def test_offsets_point_into_the_original_text(tokenizer: MultilingualTokenizer) -> None:
    text = "Hallo! Ich brauche einen Termin bei der Ausländerbehörde, bitte."
    for token in _tokens(tokenizer, text):
        assert text[token.start:token.end] == token.text
    words = [t.text for t in _tokens(tokenizer, text)]
    assert "!" not in words and "," not in words and "Ausländerbehörde" in words


def test_latin_marks_and_case_folded(tokenizer: MultilingualTokenizer) -> None:
    lemmas = [t.lemma for t in _tokens(tokenizer, "Ausländerbehörde AUSLANDERBEHORDE kurdî")]
    assert lemmas == ["auslanderbehorde", "auslanderbehorde", "kurdi"]


def test_ethiopic_punctuation_splits(tokenizer: MultilingualTokenizer) -> None:
    assert [t.text for t in _tokens(tokenizer, "ሰላም፡ ሓኪም ይደሊ።")] == ["ሰላም", "ሓኪም", "ይደሊ"]


def test_training_data_is_tokenized(tokenizer: MultilingualTokenizer) -> None:
    data = training_data({"fa": {"health": ["می‌خواهم دکتر"]}})
    tokenizer.process_training_data(data)
    tokens = data.training_examples[0].get("text_tokens")
    assert [t.lemma for t in tokens] == ["ميخواهم", "دکتر"]


@pytest.mark.parametrize("text", ["👍", "?", "!!", " 🙏 "])
def test_symbol_only_messages_keep_a_token(tokenizer: MultilingualTokenizer, text: str) -> None:
    tokens = _tokens(tokenizer, text)
    assert tokens and all(text[t.start:t.end] == t.text for t in tokens)
