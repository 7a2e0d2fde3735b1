"""``POST /model/parse`` of the running Rasa server on short messages in all 12 languages.

The contract: the parse names the intent and carries exactly one ``language`` entity, set by the
language detector for that message alone. The messages are two to five words, the way newcomers
type a first question, written for this test (none is a line of ``data/nlu`` or of the
evaluation sets, which ``test_messages_are_not_training_lines`` checks).
"""
from __future__ import annotations

from collections import defaultdict

import pytest
import requests

from bot.components.lid_data import nlu_language_map, text_key
from tests.conftest import ROOT
from tests.reliability import rasa_token

pytestmark = pytest.mark.stack

# (text, language, intent): four topics per language.
MESSAGES: list[tuple[str, str, str]] = [
    ("brauche dringend einen Hausarzt", "de", "health"),
    ("suche eine bezahlbare Wohnung", "de", "housing"),
    ("wo gibt es Deutschkurse abends", "de", "language_course"),
    ("meine Duldung läuft bald ab", "de", "legal_advice"),
    ("looking for a family doctor", "en", "health"),
    ("need a cheap flat", "en", "housing"),
    ("evening german classes", "en", "language_course"),
    ("help finding a job", "en", "work"),
    ("أحتاج طبيب أسنان بسرعة", "ar", "health"),
    ("أبحث عن شقة صغيرة", "ar", "housing"),
    ("أريد دورة لغة ألمانية", "ar", "language_course"),
    ("إقامتي تنتهي الشهر القادم", "ar", "legal_advice"),
    ("diş doktoruna gitmem lazım", "tr", "health"),
    ("münsterde kiralık daire arıyorum", "tr", "housing"),
    ("almanca kursuna kayıt olmak istiyorum", "tr", "language_course"),
    ("bana bir iş lazım", "tr", "work"),
    ("мне нужен детский врач", "ru", "health"),
    ("ищу квартиру недорого", "ru", "housing"),
    ("курсы немецкого языка вечером", "ru", "language_course"),
    ("ищу работу водителем", "ru", "work"),
    ("потрібен лікар для дитини", "uk", "health"),
    ("шукаю квартиру в оренду", "uk", "housing"),
    ("хочу на курси німецької", "uk", "language_course"),
    ("шукаю роботу в Мюнстері", "uk", "work"),
    ("به دکتر دندان نیاز دارم", "fa", "health"),
    ("دنبال یک آپارتمان هستم", "fa", "housing"),
    ("کلاس زبان آلمانی میخواهم", "fa", "language_course"),
    ("اقامتم تمام میشود چه کنم", "fa", "legal_advice"),
    ("ډاکټر ته ضرورت لرم", "ps", "health"),
    ("د اوسیدو لپاره کور غواړم", "ps", "housing"),
    ("د الماني ژبې ټولګي", "ps", "language_course"),
    ("زه کار لټوم", "ps", "work"),
    ("ez nexweş im doktor divê", "ku", "health"),
    ("li xaniyekî digerim", "ku", "housing"),
    ("ez dixwazim zimanê almanî fêr bibim", "ku", "language_course"),
    ("ez li karekî digerim li münsterê", "ku", "work"),
    ("ሓኪም ክረክብ ደልየ", "ti", "health"),
    ("ገዛ ክረክብ እደሊ", "ti", "housing"),
    ("ናይ ጀርመን ቋንቋ ክምሃር እደሊ", "ti", "language_course"),
    ("ስራሕ እናደለኹ እየ", "ti", "work"),
    ("waxaan u baahanahay dhakhtar", "so", "health"),
    ("guri kiro ah ayaan raadinayaa", "so", "housing"),
    ("waxaan rabaa inaan barto jarmalka", "so", "language_course"),
    ("shaqo ayaan u baahanahay", "so", "work"),
    ("je cherche un médecin généraliste", "fr", "health"),
    ("je cherche un logement pas cher", "fr", "housing"),
    ("cours d'allemand le soir", "fr", "language_course"),
    ("je veux trouver du travail", "fr", "work"),
    # the issue's own cases: Arabic in Latin letters, two words of Tigrinya, a Dari sentence
    ("ana bdi doktor asnan", "ar", "health"),
    ("ሓኪም የድልየኒ", "ti", "health"),
    ("من به یک داکتر ضرورت دارم", "fa", "health"),
]
LANGUAGE_FLOOR = 1.0  # every message's language
INTENT_FLOOR = 0.9  # of all messages; and at least 3 of 4 topics in every language


def parse(stack, text: str) -> dict:
    resp = requests.post(f"{stack.rasa}/model/parse", params={"token": rasa_token(stack)},
                         json={"text": text}, timeout=60)
    assert resp.status_code == 200, resp.text
    return resp.json()


def test_messages_are_not_training_lines() -> None:
    trained = nlu_language_map(ROOT / "data" / "nlu")
    assert not [text for text, _, _ in MESSAGES if text_key(text) in trained]


def test_short_messages_get_language_and_intent(stack) -> None:
    wrong_language, wrong_intent = [], []
    right_by_language: dict[str, int] = defaultdict(int)
    for text, language, intent in MESSAGES:
        result = parse(stack, text)
        assert result["text"] == text
        found = [e for e in result["entities"] if e["entity"] == "language"]
        assert len(found) == 1, result["entities"]
        assert 0.0 < found[0]["confidence_entity"] <= 1.0
        if found[0]["value"] != language:
            wrong_language.append((text, found[0]["value"]))
        ranking = [i["name"] for i in result["intent_ranking"] if i["name"] != "nlu_fallback"]
        if ranking[0] == intent:
            right_by_language[language] += 1
        else:
            wrong_intent.append((text, intent, ranking[0]))
    assert 1 - len(wrong_language) / len(MESSAGES) >= LANGUAGE_FLOOR, wrong_language
    assert 1 - len(wrong_intent) / len(MESSAGES) >= INTENT_FLOOR, wrong_intent
    weak = {code: n for code, n in right_by_language.items() if n < 3}
    missing = {language for _, language, _ in MESSAGES} - set(right_by_language)
    assert not weak and not missing, (weak, missing, wrong_intent)


def test_parse_refuses_a_wrong_token(stack) -> None:
    resp = requests.post(f"{stack.rasa}/model/parse", params={"token": "wrong"},
                         json={"text": "hallo"}, timeout=30)
    assert resp.status_code == 401
