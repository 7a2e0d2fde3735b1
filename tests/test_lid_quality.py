"""Language identification quality on a deterministic sample of the evaluation sets.

Measures only (the detector never trains on these files). Floors are far above chance (1/12)
and a little below what the full benchmark (bench/lid_bench.py) measures, so a broken
detector, a lost script rule or a mislabelled training file fails here within seconds.
"""
from __future__ import annotations

import pytest

from bench.lid_bench import EVAL_DIR, load_detector, read_set, score

pytestmark = pytest.mark.skipif(not EVAL_DIR.exists(), reason="evaluation sets not available")

SAMPLE = 100  # rows per language and file, the first ones (deterministic)
FLOORS = {  # set: (overall floor, floor for every language)
    "lingua_single_words": (0.80, 0.60),
    "lingua_word_pairs": (0.90, 0.75),
    "lingua_sentences": (0.97, 0.90),
    "tico19": (0.97, 0.93),
    "phrasebook": (0.80, 0.65),
}


@pytest.fixture(scope="module")
def detect():
    detector, _origin = load_detector()
    return lambda text: detector.detect(text).language


@pytest.mark.parametrize("name", list(FLOORS))
def test_accuracy_floors(detect, name: str) -> None:
    overall_floor, language_floor = FLOORS[name]
    result = score(read_set(name, SAMPLE), detect)
    assert result["all"] >= overall_floor, result
    low = {group: value for group, value in result.items()
           if group != "all" and value < language_floor}
    assert not low, f"{name}: below {language_floor}: {low}"


@pytest.mark.parametrize("group", ["ti", "ps", "ku", "Dari"])
def test_tico_languages_that_general_detectors_miss(detect, group: str) -> None:
    result = score(read_set("tico19", SAMPLE), detect)
    assert result[group] >= 0.95, result
