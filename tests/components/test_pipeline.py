"""The pipeline of config.yml end to end: trained on small data, loaded as an Agent, parsing."""
from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import yaml

from tests.components.conftest import (
    ROOT,
    SMALL_NLU,
    TICO_TRAIN,
    training_data,
    write_nlu_dir,
    write_tico_sample,
)

pytestmark = pytest.mark.skipif(not TICO_TRAIN.exists(), reason="TICO-19 training file missing")


@pytest.fixture(scope="module")
def agent(tmp_path_factory: pytest.TempPathFactory):
    from rasa.core.agent import Agent
    from rasa.model_training import train_nlu

    from bot.training import use_code_keyed_cache

    use_code_keyed_cache()  # never a component trained by older code
    tmp = tmp_path_factory.mktemp("pipeline")
    config = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
    for component in config["pipeline"]:
        if component["name"].endswith("LanguageDetector"):
            component.update({
                "nlu_dir": str(write_nlu_dir(tmp / "nlu", SMALL_NLU)),
                "tico_path": str(write_tico_sample(tmp / "tico.tsv", 100)),
                "lid": {"generic_per_language": 0},  # keeps this test fast
            })
    config_path = tmp / "config.yml"
    config_path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    data_path = tmp / "data.yml"
    data_path.write_text(training_data(SMALL_NLU).nlu_as_yaml(), encoding="utf-8")
    model = train_nlu(str(config_path), str(data_path), str(tmp), fixed_model_name="small")
    assert model
    return Agent.load(model)


@pytest.mark.parametrize("text", ["i need a doctor", "👍", "?", "ሓኪም ይደሊ",
                                  "Ich wohne in Kinderhause und bin 19"])
def test_parse_has_intent_and_one_language(agent, text: str) -> None:
    result = asyncio.run(agent.parse_message(text))
    assert result["text"] == text
    assert result["intent"]["name"]
    languages = [e for e in result["entities"] if e["entity"] == "language"]
    assert len(languages) == 1 and languages[0]["extractor"] == "LanguageDetector"


def test_rule_entities_reach_the_parse_output(agent) -> None:
    text = "Ich wohne in Kinderhause und bin 19"
    entities = asyncio.run(agent.parse_message(text))["entities"]
    found = {(e["entity"], e["value"]) for e in entities}
    assert ("district", "Kinderhaus") in found and ("age", "19") in found
    district = next(e for e in entities if e["entity"] == "district")
    assert text[district["start"]:district["end"]] == "Kinderhause"


def test_config_keeps_one_pipeline_for_all_languages() -> None:
    config = yaml.safe_load(Path(ROOT / "config.yml").read_text(encoding="utf-8"))
    names = [c["name"] for c in config["pipeline"]]
    assert names[:3] == [
        "bot.components.language_detector.LanguageDetector",
        "bot.components.tokenizer.MultilingualTokenizer",
        "bot.components.entity_rules.RuleEntityExtractor",
    ]
    assert config["language"] == "xx"
