"""RuleEntityExtractor: lexicon compiled in train(), persisted, loaded, extracting."""
from __future__ import annotations

import pytest
from rasa.shared.nlu.training_data.message import Message

from bot.components.entity_rules import RuleEntityExtractor
from tests.components.conftest import DISTRICTS_JSON, training_data


@pytest.fixture(scope="module")
def extractor(tmp_path_factory: pytest.TempPathFactory) -> RuleEntityExtractor:
    from rasa.engine.graph import ExecutionContext, GraphSchema
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource

    storage = LocalModelStorage(tmp_path_factory.mktemp("rules"))
    context = ExecutionContext(GraphSchema({}), model_id="rules-test")
    resource = Resource("rule_entities")
    config = {**RuleEntityExtractor.get_default_config(), "districts_json": str(DISTRICTS_JSON)}
    RuleEntityExtractor.create(config, storage, resource, context).train(training_data({}))
    return RuleEntityExtractor.load(config, storage, resource, context)


def _entities(extractor: RuleEntityExtractor, text: str) -> list[tuple[str, str, str]]:
    message = Message.build(text=text)
    extractor.process([message])
    return [(e["entity"], e["value"], text[e["start"]:e["end"]])
            for e in message.get("entities", [])]


def _values(extractor: RuleEntityExtractor, text: str, label: str) -> list[str]:
    return [value for entity, value, _ in _entities(extractor, text) if entity == label]


@pytest.mark.parametrize(
    ("text", "district"),
    [
        ("I live in Koerde", "Coerde"),
        ("ich wohne in coerde", "Coerde"),
        ("wohne in Kinderhause", "Kinderhaus"),
        ("Muenster Hiltrup", "Hiltrup"),
        ("Münster-Hiltrup bitte", "Hiltrup"),
        ("ana sakin fi Gievenbek", "Gievenbeck"),
        ("انا ساكن في كوردي", "Coerde"),
        ("من در کوئرده زندگی می‌کنم", "Coerde"),
        ("Я живу в Кіндерхаус", "Kinderhaus"),
        ("Amelsbueren", "Amelsbüren"),
        ("berg fidel", "Berg Fidel"),
        ("ich wohne in St. Mauritz",
         "Mauritz-Ost und Mondstraße (zusammen bekannt als St. Mauritz)"),
        ("Sandrup", "Sprakel"),
        ("im Kreuzviertel", "Kreuz"),
    ],
)
def test_districts(extractor: RuleEntityExtractor, text: str, district: str) -> None:
    assert _values(extractor, text, "district") == [district]


@pytest.mark.parametrize("text", ["Rotes Kreuz", "am Bahnhof", "der Dom ist schön",
                                  "I live in the west", "Münster"])
def test_everyday_words_are_no_districts(extractor: RuleEntityExtractor, text: str) -> None:
    assert _values(extractor, text, "district") == []


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("a doctor who speaks Arabic", "ar"),
        ("арабский", "ar"),
        ("ich suche eine Beratung auf Arabisch", "ar"),
        ("دکتر که دری صحبت کند", "fa"),
        ("ez dixwazim bijîşkek bi kurdî", "ku"),
        ("is there a counsellor speaking Tigrinya", "ti"),
        ("ትግርኛ ዝዛረብ ሓኪም", "ti"),
        ("Paschtu sprechender Arzt", "ps"),
        ("dhakhtar ku hadla Soomaali", "so"),
        ("Türkçe konuşan avukat", "tr"),
        ("лікар, який говорить українською", "uk"),
        ("un médecin qui parle français", "fr"),
    ],
)
def test_spoken_language(extractor: RuleEntityExtractor, text: str, code: str) -> None:
    assert _values(extractor, text, "spoken_language") == [code]


def test_learning_a_language_is_not_a_spoken_language(extractor: RuleEntityExtractor) -> None:
    assert _values(extractor, "ich will Deutsch lernen", "spoken_language") == []
    assert _values(extractor, "German course for beginners", "spoken_language") == []


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("ich habe eine Duldung", "tolerated"),
        ("I came from Ukraine with §24", "temporary_protection"),
        ("temporary protection", "temporary_protection"),
        ("I am an asylum seeker", "asylum_seeker"),
        ("Aufenthaltsgestattung", "asylum_seeker"),
        ("meine Aufenthaltserlaubnis läuft ab", "residence_permit"),
        ("ich habe eine Niederlassungserlaubnis", "settlement_permit"),
        ("I'm an EU citizen", "eu_citizen"),
        ("I have no papers", "undocumented"),
        ("ما عندي اوراق", "undocumented"),
    ],
)
def test_residence_status(extractor: RuleEntityExtractor, text: str, status: str) -> None:
    assert _values(extractor, text, "residence_status") == [status]


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("Familiennachzug für meine Frau", "family_reunification"),
        ("كيف اعمل لم الشمل", "family_reunification"),
        ("Abschiebung droht", "deportation"),
        ("Einbürgerung beantragen", "naturalisation"),
        ("I need a work permit", "work_permission"),
        ("Asylantrag abgelehnt", "asylum"),
        ("تمدید اقامت", "residence_permit"),
        ("дульдунг", "toleration"),
    ],
)
def test_subtopics(extractor: RuleEntityExtractor, text: str, term: str) -> None:
    assert term in _values(extractor, text, "subtopic")


@pytest.mark.parametrize(
    ("text", "age"),
    [
        ("I am 19", "19"),
        ("ich bin 19 Jahre alt", "19"),
        ("عمري ١٩ سنة", "19"),
        ("من ۲۵ سالمه", "25"),
        ("ben 30 yaşındayım", "30"),
        ("мне 45 лет", "45"),
        ("j'ai 22 ans", "22"),
        ("ez 40 salî me", "40"),
    ],
)
def test_age(extractor: RuleEntityExtractor, text: str, age: str) -> None:
    assert _values(extractor, text, "age") == [age]


@pytest.mark.parametrize("text", ["termin um 19 uhr", "I am 150 years old", "ich bin 19:30 da",
                                  "§24"])
def test_no_age(extractor: RuleEntityExtractor, text: str) -> None:
    assert _values(extractor, text, "age") == []


def test_entities_carry_extractor_and_offsets(extractor: RuleEntityExtractor) -> None:
    text = "Ich wohne in Kinderhause und bin 19"
    message = Message.build(text=text)
    extractor.process([message])
    for entity in message.get("entities"):
        assert entity["extractor"] == "RuleEntityExtractor"
        assert entity["confidence_entity"] == 1.0
        assert 0 <= entity["start"] < entity["end"] <= len(text)
