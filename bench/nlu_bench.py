"""Intent classification of the whole NLU pipeline: k-fold cross-validation and parse latency.

Run: ``.venv/bin/python -m bench.nlu_bench --folds 5``. Writes ``bench/results/nlu.json`` and
prints a table.

* Cross-validation: all ``data/nlu/<code>.yml`` examples, folds stratified by language and
  intent; each fold trains the pipeline of ``config.yml`` (``rasa.model_training.train_nlu``,
  so every custom component is trained on the training fold only) and parses the test fold.
  Reported per language: macro F1 of the classifier's top intent (``nlu_fallback`` skipped:
  that is a threshold, reported separately as the fallback rate), and the most confused pairs.
* Latency: a model trained on all data (the current one in ``models/``, which ``make train``
  builds for the current data, config and code, else one trained here) is loaded with
  ``Agent.load``; ``agent.parse_message`` is timed.
* Data rounds: ``--held-out-from REV --skip-latency --out FILE`` scores only the examples of git
  revision REV while the examples added since always train; compare it with
  ``--data-at REV`` (same folds, without them) to see what new examples do for the old ones.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from bench import write_result

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "nlu.json"
NLU_DIR = ROOT / "data" / "nlu"
CONFIG = ROOT / "config.yml"
GOAL_F1 = 0.93
FALLBACK = "nlu_fallback"


def load_examples(revision: str | None = None) -> list[tuple[str, str, str]]:
    """(text, intent, language) for every example of ``data/nlu/<code>.yml``; with
    ``revision``, of those files as they were at that git revision."""
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

    rows = []
    for path in sorted(NLU_DIR.glob("*.yml")):
        if revision is None:
            text = path.read_text(encoding="utf-8")
        else:
            text = subprocess.run(
                ["git", "show", f"{revision}:{path.relative_to(ROOT).as_posix()}"],
                cwd=ROOT, capture_output=True, text=True, check=True).stdout
        for example in RasaYAMLReader().reads(text).intent_examples:
            rows.append((example.get("text"), example.get("intent"), path.stem))
    return rows


def added_since(rows: list[tuple[str, str, str]],
                old: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    """The examples of ``rows`` whose (text, language) is not among ``old``."""
    known = {(text, language) for text, _, language in old}
    return [row for row in rows if (row[0], row[2]) not in known]


def _write_yaml(rows: list[tuple[str, str, str]], path: Path) -> None:
    from rasa.shared.nlu.training_data.message import Message
    from rasa.shared.nlu.training_data.training_data import TrainingData

    data = TrainingData([Message.build(text=text, intent=intent) for text, intent, _ in rows])
    path.write_text(data.nlu_as_yaml(), encoding="utf-8")


def train_model(rows: list[tuple[str, str, str]], out_dir: Path, name: str) -> str:
    """Train the config.yml pipeline on ``rows``; returns the model archive path."""
    from rasa.model_training import train_nlu

    from bot.training import use_code_keyed_cache

    use_code_keyed_cache()
    data_file = out_dir / f"{name}.yml"
    _write_yaml(rows, data_file)
    model = train_nlu(str(CONFIG), str(data_file), str(out_dir), fixed_model_name=name)
    if model is None:
        raise RuntimeError("training failed")
    return model


async def _parse_all(model: str, texts: list[str]) -> tuple[list[dict], list[float]]:
    from rasa.core.agent import Agent

    agent = Agent.load(model)
    for text in texts[:20]:  # warm-up
        await agent.parse_message(text)
    results, times = [], []
    for text in texts:
        start = time.perf_counter()
        results.append(await agent.parse_message(text))
        times.append((time.perf_counter() - start) * 1000)
    return results, times


def top_intent(parse: dict) -> str:
    """The classifier's best intent, skipping the FallbackClassifier's ``nlu_fallback``."""
    for item in parse.get("intent_ranking") or []:
        if item.get("name") != FALLBACK:
            return item["name"]
    return (parse.get("intent") or {}).get("name") or FALLBACK


def fold_splits(rows: list[tuple[str, str, str]],
                folds: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """(train indices, test indices) per fold, stratified by language and intent (fixed seed,
    so ``tests/test_intent_quality.py`` uses this benchmark's first fold)."""
    from sklearn.model_selection import StratifiedKFold

    strata = [f"{language}|{intent}" for _, intent, language in rows]
    return StratifiedKFold(n_splits=folds, shuffle=True, random_state=42).split(rows, strata)


def cross_validate(rows: list[tuple[str, str, str]], folds: int, work: Path,
                   always_train: list[tuple[str, str, str]] | None = None) -> dict:
    """k-fold cross-validation over ``rows``; ``always_train`` rows join every training fold
    and are never scored."""
    from sklearn.metrics import f1_score

    predicted: list[str | None] = [None] * len(rows)
    fallback: list[bool] = [False] * len(rows)
    fold_seconds = []
    for fold, (train_idx, test_idx) in enumerate(fold_splits(rows, folds)):
        start = time.perf_counter()
        model = train_model([rows[i] for i in train_idx] + list(always_train or []), work,
                            f"fold{fold}")
        parses, _ = asyncio.run(_parse_all(model, [rows[i][0] for i in test_idx]))
        for i, parse in zip(test_idx, parses, strict=True):
            predicted[i] = top_intent(parse)
            fallback[i] = (parse.get("intent") or {}).get("name") == FALLBACK
        fold_seconds.append(round(time.perf_counter() - start, 1))
        print(f"fold {fold + 1}/{folds} done in {fold_seconds[-1]} s", flush=True)
        Path(model).unlink(missing_ok=True)

    per_language: dict[str, dict] = {}
    by_language: dict[str, list[int]] = defaultdict(list)
    for i, (_, _, language) in enumerate(rows):
        by_language[language].append(i)
    for language, idx in sorted(by_language.items()):
        gold = [rows[i][1] for i in idx]
        pred = [predicted[i] for i in idx]
        confused = Counter((g, p) for g, p in zip(gold, pred, strict=True) if g != p)
        per_language[language] = {
            "n": len(idx),
            "f1_macro": round(f1_score(gold, pred, average="macro", zero_division=0), 4),
            "accuracy": round(sum(g == p for g, p in zip(gold, pred, strict=True)) / len(idx),
                              4),
            "fallback_rate": round(sum(fallback[i] for i in idx) / len(idx), 4),
            "confused": [[g, p, n] for (g, p), n in confused.most_common(5)],
        }
    gold_all = [r[1] for r in rows]
    confused_all = Counter((g, p) for g, p in zip(gold_all, predicted, strict=True) if g != p)
    return {
        "folds": folds,
        "fold_seconds": fold_seconds,
        "f1_macro_all": round(f1_score(gold_all, predicted, average="macro", zero_division=0),
                              4),
        "per_language": per_language,
        "most_confused": [[g, p, n] for (g, p), n in confused_all.most_common(15)],
        "errors": [{"language": language, "text": text, "intent": gold, "predicted": pred}
                   for (text, gold, language), pred in zip(rows, predicted, strict=True)
                   if gold != pred],
    }


def current_model() -> Path | None:
    """The model ``make train`` builds for the current data, config and component code
    (``bot.training.model_path``), if it exists.

    Why not simply the newest file in ``models/``: after a change to ``config.yml`` the newest
    file is the old pipeline's model, and its parse time and answers would be reported as the
    new pipeline's (it happened once, caught because the questions came out identical).
    """
    from bot.training import model_path

    path = model_path()
    return path if path.exists() else None


def model_for(rows: list[tuple[str, str, str]], work: Path) -> tuple[Path, str]:
    """The current model (``current_model``), else one trained now on ``rows`` (into
    ``work``); with a line saying which, for the results."""
    model = current_model()
    if model is not None:
        return model, f"models/{model.name}"
    start = time.perf_counter()
    model = Path(train_model(rows, work, "all"))
    return model, f"trained now on all data in {time.perf_counter() - start:.0f} s"


def parse_latency(rows: list[tuple[str, str, str]], work: Path) -> dict:
    """p50/p95 of ``agent.parse_message`` on a trained model (all data)."""
    model, origin = model_for(rows, work)
    texts = [text for text, _, _ in rows[::3]][:600]
    _, times = asyncio.run(_parse_all(str(model), texts))
    times.sort()
    return {"model": origin, "n": len(times), "p50_ms": round(statistics.median(times), 2),
            "p95_ms": round(times[int(0.95 * (len(times) - 1))], 2)}


def print_table(results: dict) -> None:
    cv = results["cross_validation"]
    print(f"{cv['folds']}-fold cross-validation, intent macro F1 per language "
          f"(goal >= {GOAL_F1}); fold times {cv['fold_seconds']} s")
    print(f"{'lang':5s} {'n':>5s} {'F1':>7s} {'acc':>7s} {'fallbk':>7s}  most confused")
    for language, info in cv["per_language"].items():
        confused = ", ".join(f"{g}->{p} {n}" for g, p, n in info["confused"][:3])
        mark = "" if info["f1_macro"] >= GOAL_F1 else "  (below goal)"
        print(f"{language:5s} {info['n']:5d} {info['f1_macro']:7.3f} {info['accuracy']:7.3f} "
              f"{info['fallback_rate']:7.3f}  {confused}{mark}")
    print(f"all languages: macro F1 {cv['f1_macro_all']}")
    print("most confused overall: " + ", ".join(f"{g}->{p} {n}" for g, p, n in
                                                cv["most_confused"][:8]))
    latency = results["parse_latency"]
    print(f"/model/parse (agent.parse_message) p50 {latency['p50_ms']} ms, p95 "
          f"{latency['p95_ms']} ms over {latency['n']} messages ({latency['model']})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--skip-latency", action="store_true")
    parser.add_argument("--errors", type=Path,
                        help="also write the misclassified held-out examples to this JSON file "
                             "(for reviewing the training data; not kept in bench/results)")
    revision = parser.add_mutually_exclusive_group()
    revision.add_argument("--data-at", metavar="REV",
                          help="use the examples as they were at git revision REV")
    revision.add_argument("--held-out-from", metavar="REV",
                          help="score only the examples of revision REV (the same folds as "
                               "--data-at REV); the examples added since always train. Shows "
                               "whether new data helps on the old examples, which plain "
                               "cross-validation cannot: there the new examples are new tests "
                               "too")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where to write the results")
    args = parser.parse_args(argv)
    os.environ.setdefault("RASA_MAX_CACHE_SIZE", "0")  # no training cache between folds
    os.chdir(ROOT)
    rows = load_examples(args.data_at or args.held_out_from)
    extra = added_since(load_examples(), rows) if args.held_out_from else []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="nlu-bench-") as tmp:
        results = {"examples": len(rows),
                   "data": {"at": args.data_at or args.held_out_from or "working tree",
                            "always_in_training": len(extra)},
                   "cross_validation": cross_validate(rows, args.folds, Path(tmp), extra)}
        results["parse_latency"] = (
            {"model": "skipped", "n": 0, "p50_ms": None, "p95_ms": None}
            if args.skip_latency else parse_latency(rows, Path(tmp)))
    errors = results["cross_validation"].pop("errors")
    if args.errors:
        args.errors.write_text(json.dumps(errors, ensure_ascii=False, indent=1), encoding="utf-8")
    results["seconds"] = round(time.perf_counter() - started, 1)
    results["goal_f1_per_language"] = {
        "goal": GOAL_F1,
        "met": all(i["f1_macro"] >= GOAL_F1
                   for i in results["cross_validation"]["per_language"].values()),
    }
    write_result(args.out, results)
    print_table(results)
    print(f"written to {args.out} in {results['seconds']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
