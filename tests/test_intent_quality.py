"""Intent recognition quality: the quick version of ``bench/nlu_bench.py`` (5-fold CV).

One fold of the benchmark's split (stratified by language and intent, same seed): the whole
``config.yml`` pipeline is trained on the other four fifths through Rasa and parses the
held-out fifth. Chance is 1/22 (or 1/8 by always answering the biggest intent); the floors
are far above it and a little below what the full benchmark measures (0.88-0.95 per
language), so a language file that lost its labels, a component that stopped contributing or
a broken lexicon fails here.
"""
from __future__ import annotations

import asyncio
from collections import defaultdict
from pathlib import Path

import pytest

from bench.nlu_bench import _parse_all, fold_splits, load_examples, top_intent, train_model

FLOOR_ALL = 0.86  # macro F1 over all held-out examples
FLOOR_LANGUAGE = 0.82  # macro F1 in every language
FLOOR_TOPIC_RECALL = 0.75  # share of each topic intent's held-out examples found


@pytest.fixture(scope="module")
def held_out(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, str, str, str]]:
    """(text, gold intent, language, predicted intent) for the first fold's test part."""
    rows = load_examples()
    train_idx, test_idx = next(iter(fold_splits(rows, 5)))
    work: Path = tmp_path_factory.mktemp("intent-quality")
    model = train_model([rows[i] for i in train_idx], work, "fold0")
    parses, _ = asyncio.run(_parse_all(model, [rows[i][0] for i in test_idx]))
    return [(*rows[i], top_intent(parse)) for i, parse in zip(test_idx, parses, strict=True)]


def test_macro_f1_overall_and_in_every_language(held_out) -> None:
    from sklearn.metrics import f1_score

    gold = [row[1] for row in held_out]
    predicted = [row[3] for row in held_out]
    overall = f1_score(gold, predicted, average="macro", zero_division=0)
    assert overall >= FLOOR_ALL, overall
    by_language: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for _, intent, language, guess in held_out:
        by_language[language].append((intent, guess))
    assert len(by_language) == 12, sorted(by_language)
    scores = {language: f1_score(*zip(*pairs, strict=True), average="macro", zero_division=0)
              for language, pairs in by_language.items()}
    low = {language: round(score, 3) for language, score in scores.items()
           if score < FLOOR_LANGUAGE}
    assert not low, f"macro F1 below {FLOOR_LANGUAGE}: {low} (all: {scores})"


def test_every_topic_is_recognised(held_out) -> None:
    """No topic intent is swallowed by a neighbour (e.g. discrimination by housing)."""
    from services_catalog.taxonomy import TOPICS

    found: dict[str, list[bool]] = defaultdict(list)
    for _, intent, _, guess in held_out:
        if intent in TOPICS:
            found[intent].append(guess == intent)
    assert set(found) == set(TOPICS), set(TOPICS) - set(found)
    recall = {intent: sum(hits) / len(hits) for intent, hits in found.items()}
    low = {intent: round(value, 3) for intent, value in recall.items()
           if value < FLOOR_TOPIC_RECALL}
    assert not low, f"recall below {FLOOR_TOPIC_RECALL}: {low}"


def test_data_round_comparison_reads_an_old_revision_and_finds_what_was_added() -> None:
    """``nlu_bench --held-out-from REV`` relies on these two: the examples of a revision are
    read from git (the first commit with 12 language files has fewer examples than today),
    and ``added_since`` returns exactly the rows that an older list lacks."""
    import subprocess

    from bench.nlu_bench import ROOT, added_since

    current = load_examples()
    data_edited = subprocess.run(["git", "status", "--porcelain", "data/nlu"], cwd=ROOT,
                                 capture_output=True, text=True, check=True).stdout.strip()
    if not data_edited:  # always so in CI's clean clone
        assert load_examples("HEAD") == current
    older = current[::2]
    added = added_since(current, older)
    assert added == current[1::2]
    assert added_since(current, current) == []
    round4 = load_examples("1aa8f81")  # before the audit and round 5 of the NLU data
    assert 16_000 < len(round4) < len(current)
    assert {language for *_, language in round4} == {language for *_, language in current}
