"""Topic recognition on questions the bot was never trained on (Integreat, five languages).

Run: ``.venv/bin/python -m bench.questions_bench``. Writes ``bench/results/questions.json`` and
prints a table.

Why this exists beside ``nlu_bench``: cross-validation tests on held-out lines of our own
data, written to the same brief as the lines it trains on, so it cannot say how the bot fares
on questions that other people wrote. ``../shared/eval/questions/integreat_qa.tsv`` holds 413
such questions about life in Germany (asylum, Kita, health insurance, courses...), each in
German, English, French, Arabic and Ukrainian (the last three machine-translated). The file is
unlabelled; ``bench/questions_topics.tsv`` gives each question id the topic intent a counsellor
would refer it to, or ``unclear`` when no single topic fits. Two annotators labelled the ids
independently, from the German and English text, without seeing any prediction; ids where
they disagreed are ``unclear`` (see ``docs/questions-labels.md``). Only ids with a topic are
scored. The question texts are read from ``../shared`` and never copied into the project.

Reported per language, with the current model in ``models/`` (``nlu_bench.current_model``;
or one trained here on all data):

* ``accuracy``: the top intent (``nlu_fallback`` skipped, as in ``nlu_bench``) is the label;
  ``f1_macro`` over the topic intents;
* ``answered``: share the bot answers instead of asking again (not ``nlu_fallback``);
  ``wrong_when_answered``: of those, share with the wrong intent (the costly case: a wrong
  referral rather than a question back);
* ``language``: the LanguageDetector's accuracy on the same questions;
* a baseline measured in the same run: the intent lexicon alone (the topic with the most
  lexicon matches), so the figure reads against plain keyword matching;
* ``same_intent_all_languages``: share of ids whose five versions all get the same intent.
"""
from __future__ import annotations

import argparse
import asyncio
import csv
import sys
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

from bench import finish
from bench.nlu_bench import FALLBACK, _parse_all, load_examples, model_for, top_intent

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = ROOT.parent / "shared" / "eval" / "questions" / "integreat_qa.tsv"
LABELS = ROOT / "bench" / "questions_topics.tsv"
RESULTS = ROOT / "bench" / "results" / "questions.json"
UNCLEAR = "unclear"


def read_questions(path: Path = QUESTIONS) -> list[tuple[str, str, str]]:
    """(qid, language, text) rows of the evaluation file, in file order."""
    with path.open(encoding="utf-8", newline="") as handle:
        return [(row["qid"], row["lang"], row["text"])
                for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
                if row.get("text")]


def read_labels(path: Path = LABELS) -> dict[str, str]:
    """qid -> topic intent or ``unclear``."""
    with path.open(encoding="utf-8", newline="") as handle:
        return {row["qid"]: row["topic"]
                for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)}


def detected_language(parse: dict) -> str | None:
    """The ``language`` entity the LanguageDetector put into a parse result."""
    for entity in parse.get("entities") or []:
        if entity.get("entity") == "language":
            return entity.get("value")
    return None


def lexicon_guess(texts: list[str], topics: tuple[str, ...]) -> list[str | None]:
    """The baseline: per text, the topic intent with the most intent-lexicon matches (ties go
    to the topic listed first; no match gives None)."""
    from bot.components.intent_lexicon import IntentLexiconMatcher, compile_intent_lexicon

    matcher = IntentLexiconMatcher(compile_intent_lexicon())
    columns = [(matcher.intents.index(topic), topic) for topic in topics
               if topic in matcher.intents]
    guesses: list[str | None] = []
    for text in texts:
        counts = matcher.counts(text)
        best = max(columns, key=lambda column: counts[column[0]])
        guesses.append(best[1] if counts[best[0]] > 0 else None)
    return guesses


def score(gold: list[str], predicted: list[str | None], fallback: list[bool]) -> dict:
    """Accuracy, topic macro F1, answered share and wrong share among the answered."""
    from sklearn.metrics import f1_score

    n = len(gold)
    right = [g == p for g, p in zip(gold, predicted, strict=True)]
    answered = [not f for f in fallback]
    n_answered = sum(answered)
    labels = sorted(set(gold))
    return {
        "n": n,
        "accuracy": round(sum(right) / n, 4),
        "f1_macro": round(f1_score(gold, [p or "none" for p in predicted], labels=labels,
                                   average="macro", zero_division=0), 4),
        "answered": round(n_answered / n, 4),
        "wrong_when_answered": round(
            sum(a and not r for a, r in zip(answered, right, strict=True)) / max(1, n_answered),
            4),
    }


def evaluate(model: str) -> dict:
    """Parse every question with ``model`` and score it against the labels."""
    from services_catalog.taxonomy import TOPICS

    rows = read_questions()
    labels = read_labels()
    missing = sorted({qid for qid, _, _ in rows} - set(labels))
    if missing:
        raise SystemExit(f"{LABELS.name} has no label for {len(missing)} ids, e.g. {missing[0]}")
    parses, _ = asyncio.run(_parse_all(model, [text for _, _, text in rows]))
    baseline = lexicon_guess([text for _, _, text in rows], TOPICS)

    by_language: dict[str, list[int]] = defaultdict(list)
    for i, (_, language, _) in enumerate(rows):
        by_language[language].append(i)
    predicted = [top_intent(parse) for parse in parses]
    fallback = [(parse.get("intent") or {}).get("name") == FALLBACK for parse in parses]
    languages = [detected_language(parse) for parse in parses]

    per_language, per_language_baseline = {}, {}
    confused_all: Counter = Counter()
    for language, idx in sorted(by_language.items()):
        scored = [i for i in idx if labels[rows[i][0]] != UNCLEAR]
        gold = [labels[rows[i][0]] for i in scored]
        result = score(gold, [predicted[i] for i in scored], [fallback[i] for i in scored])
        result["language"] = round(sum(languages[i] == language for i in idx) / len(idx), 4)
        confused = Counter((g, predicted[i]) for g, i in zip(gold, scored, strict=True)
                           if g != predicted[i])
        confused_all.update(confused)
        result["confused"] = [[g, p, n] for (g, p), n in confused.most_common(5)]
        per_language[language] = result
        per_language_baseline[language] = score(
            gold, [baseline[i] for i in scored], [baseline[i] is None for i in scored])

    by_qid: dict[str, set[str]] = defaultdict(set)
    for i, (qid, _, _) in enumerate(rows):
        by_qid[qid].add(predicted[i])
    counts = Counter(labels[qid] for qid in by_qid)
    return {
        "questions": len(rows),
        "ids": len(by_qid),
        "labelled_ids": len(by_qid) - counts[UNCLEAR],
        "labels": dict(counts.most_common()),
        "per_language": per_language,
        "lexicon_baseline": per_language_baseline,
        "same_intent_all_languages": round(
            sum(len(intents) == 1 for intents in by_qid.values()) / len(by_qid), 4),
        "most_confused": [[g, p, n] for (g, p), n in confused_all.most_common(10)],
    }


def print_table(results: dict) -> None:
    print(f"Integreat questions: {results['labelled_ids']} of {results['ids']} ids labelled "
          f"with a topic, {results['questions']} questions")
    print(f"{'lang':5s} {'n':>4s} {'acc':>6s} {'F1':>6s} {'answd':>6s} {'wrong':>6s} "
          f"{'lexicon acc':>12s} {'language':>9s}  most confused")
    for language, info in results["per_language"].items():
        base = results["lexicon_baseline"][language]
        confused = ", ".join(f"{g}->{p} {n}" for g, p, n in info["confused"][:3])
        print(f"{language:5s} {info['n']:4d} {info['accuracy']:6.3f} {info['f1_macro']:6.3f} "
              f"{info['answered']:6.3f} {info['wrong_when_answered']:6.3f} "
              f"{base['accuracy']:12.3f} {info['language']:9.3f}  {confused}")
    print(f"same intent in all five languages: {results['same_intent_all_languages']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=RESULTS, help="where to write the results")
    args = parser.parse_args(argv)
    if not QUESTIONS.exists():
        print(f"{QUESTIONS} not found: the evaluation set lives beside the project in ../shared")
        return 1
    with tempfile.TemporaryDirectory(prefix="questions-bench-") as tmp:
        model, origin = model_for(load_examples(), Path(tmp))
        results = {"model": origin, **evaluate(str(model))}
    return finish(args.out, results, print_table)


if __name__ == "__main__":
    sys.exit(main())
