"""Compare language-detector settings on held-out *training* data (never the evaluation sets).

Run: ``.venv/bin/python -m bench.lid_dev [--set key=value ...]``.

Why: the evaluation files in ``../shared/eval/`` measure the detector; choosing its design on
them would tune it to them. Here the labelled chat and TICO-19 text and the package word lists
are split once (fixed seed): the detector trains on one part and is scored on the other, per
language, next to lingua and lid.176 on the same texts. The running-word sets draw reserved
words as running text does (by frequency), so they show what the package words hide: frequent
words that two languages share; the running sentences and the mixed sentences (30% of the
words from another language of the same script, as names and loanwords put them in real text)
are the long texts outside the detector's own domain. ``--set oov_trust=true`` and the like
override ``LidConfig`` fields, so two settings are compared on identical splits.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

from bench.lid_bench import TICO_TRAIN, _lid_closed, _lingua
from bot.components.lid_data import (
    short_spans,
    stratified_split,
    telling,
    training_pairs,
    word_languages,
)
from bot.components.lid_model import (
    LanguageIdentifier,
    LidConfig,
    generic_for,
    mixed_sentences,
    word_pairs,
    word_sentences,
)
from bot.components.lid_words import WordFrequencies

ROOT = Path(__file__).resolve().parent.parent
SEED = 99
RUNNING_SETS = ("zipf_words", "zipf_pairs", "zipf_sentences", "mixed_sentences")


def dev_sets(config: LidConfig) -> tuple[list, list, dict[str, list[tuple[str, str]]]]:
    """(training pairs, training package words, {set name: held-out (text, code)})."""
    pairs = training_pairs(ROOT / "data" / "nlu", TICO_TRAIN)
    train, held = stratified_split(pairs, 0.2, seed=SEED)
    generic = generic_for(config, config.generic_per_language * 2)
    generic_train, generic_held = stratified_split(generic, 0.5, seed=SEED)
    chat = [(t, c) for t, c in held if len(t.split()) <= 12]
    spans = short_spans(held, 1, SEED)
    owner = word_languages(pairs)
    rare = rare_words()
    return train, generic_train, {
        "chat": chat,
        "spans": telling(spans, owner),
        "package_words": generic_held,
        "package_pairs": word_pairs(generic_held, SEED),
        "rare_words": rare[::2],
        "rare_pairs": word_pairs(rare[1::2], SEED),
        "zipf_words": running_words(1, 1000),
        "zipf_pairs": running_words(2, 1000),
        "zipf_sentences": running_words(3, 300, longest=14),
        "mixed_sentences": mixed_sentences(300, SEED + 50, reserved=True),
    }


def rare_words(per_language: int = 1000) -> list[tuple[str, str]]:
    """Words the detector never trains on (``lid_data.dev_reserved``) beyond the 30,000 most
    frequent of their language: rarer words, names, compounds, closer to what a random word of
    running text is than the frequent words of the package lists."""
    import random

    import wordfreq

    from bot.components.lid_data import WORDFREQ_CODES, WORDFREQ_LIMIT, dev_reserved
    from bot.components.lid_sources import script_of

    rng = random.Random(SEED)
    out = []
    for code, script in WORDFREQ_CODES.items():
        ranked = wordfreq.top_n_list(code, WORDFREQ_LIMIT, wordlist="best")[30_000:]
        words = [w for w in ranked if len(w) >= 2 and w.isalpha() and dev_reserved(w)
                 and all(script_of(c) == script for c in w)]
        out += [(w, code) for w in rng.sample(words, min(per_language, len(words)))]
    return out


def running_words(length: int, per_language: int,
                  longest: int | None = None) -> list[tuple[str, str]]:
    """``length`` words drawn as in running text, by a Zipf law over the ranks of the words
    the detector never trains on (``lid_data.dev_reserved``; one in five, so 1,000 of them
    span about wordfreq's 5,000 most frequent). Unlike the package words, these keep the
    frequent words two languages share ("die", "in", "de"), which running text is full of."""
    return word_sentences(per_language, SEED + length, vocabulary=1000,
                          lengths=(length, longest or length), reserved=True)


def accuracy(rows: list[tuple[str, str]], predict) -> dict[str, float]:  # noqa: ANN001
    hits: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for text, code in rows:
        hits[code][0] += predict(text) == code
        hits[code][1] += 1
    out = {code: round(h / n, 4) for code, (h, n) in sorted(hits.items())}
    out["all"] = round(sum(h for h, _ in hits.values()) / max(1, len(rows)), 4)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", action="append", default=[], metavar="FIELD=JSON",
                        help="override a LidConfig field, e.g. oov_trust=true")
    parser.add_argument("--references", action="store_true",
                        help="also score lingua and lid.176 on the same texts")
    args = parser.parse_args(argv)
    overrides = {}
    for item in args.set:
        key, _, value = item.partition("=")
        overrides[key] = json.loads(value)
    # the word-frequency table must not hold the reserved words the rare-word sets are made of
    config = LidConfig(**{"words_holdout": True, **overrides})
    started = time.perf_counter()
    train, generic, sets = dev_sets(config)
    detector = LanguageIdentifier.train(train, config, generic)
    print(f"trained in {time.perf_counter() - started:.0f} s with {overrides}")
    # The running-text sets are frequent words, which the product's word table holds: they
    # are scored with that table (its words never train fastText or fit the stacker).
    full_table = LanguageIdentifier(
        detector.supervised, detector.stacker, detector.config,
        WordFrequencies.from_lists(config.words_limit).with_own_counts(train, config.own_floor))
    for name, rows in sets.items():
        scorer = full_table if name in RUNNING_SETS else detector
        scores = {"detector": accuracy(rows, lambda t, s=scorer: s.detect(t).language)}
        if args.references:
            scores["lingua"] = accuracy(rows, _lingua)
            scores["lid176"] = accuracy(rows, _lid_closed)
        for source, values in scores.items():
            cells = " ".join(f"{k}={v:.3f}" for k, v in values.items())
            print(f"{name:14} {source:9} n={len(rows):5} {cells}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
