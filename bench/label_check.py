"""Blind relabelling of the NLU examples: how consistent are the labels of ``data/nlu``?

Run: ``.venv/bin/python -m bench.label_check export DIR [--languages ar fa ...]`` writes, per
language, ``DIR/<code>.tsv`` (``id<TAB>text``, shuffled, no intent) and ``DIR/GUIDE.md``
(``docs/label-guide.md``). An annotator who has never seen the data files writes
``DIR/<code>.labels.tsv`` (``id<TAB>intent``); then ``... compare DIR`` writes
``bench/results/label_check.json``: agreement with the files' labels per language, the most
frequent disagreeing pairs and every disagreeing line, for review.

Why: cross-validation cannot tell a classifier's error from a wrong or inconsistent label.
Where annotators agree with the files almost everywhere, the gap to the F1 goal lies in the
classifier and the data's coverage, not in the labels. It is also the workflow for native
speakers' review: no key file is needed, because a text is unique within its language's file
(``docs/nlu-data-spec.md``), so ``compare`` looks every text up in the files as they are.
"""
from __future__ import annotations

import argparse
import random
import shutil
from collections import Counter
from pathlib import Path

from bench import finish
from bench.nlu_bench import load_examples

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "label_check.json"
GUIDE = ROOT / "docs" / "label-guide.md"
SEED = 2026


def _flat(text: str) -> str:
    """One line, single spaces: the form a text has in the exported file and in the look-up."""
    return " ".join(text.split())


def _share(agree: int, judged: int) -> float | None:
    return round(agree / judged, 4) if judged else None


def export(out: Path, languages: list[str], rows: list[tuple[str, str, str]] | None = None,
           seed: int = SEED) -> dict[str, int]:
    """Write the shuffled, unlabelled texts of ``languages`` and the guide; {code: count}."""
    rows = load_examples() if rows is None else rows
    out.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(GUIDE, out / "GUIDE.md")
    counts = {}
    for code in languages:
        texts = [text for text, _, language in rows if language == code]
        random.Random(f"{seed}:{code}").shuffle(texts)
        lines = "".join(f"{n}\t{_flat(text)}\n" for n, text in enumerate(texts))
        (out / f"{code}.tsv").write_text(lines, encoding="utf-8")
        counts[code] = len(texts)
    return counts


def _read_tsv(path: Path) -> dict[int, str]:
    table = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        key, _, value = line.partition("\t")
        if key.strip().isdigit() and value.strip():
            table[int(key)] = value.strip()
    return table


def compare(directory: Path, rows: list[tuple[str, str, str]] | None = None) -> dict:
    """Agreement of every ``<code>.labels.tsv`` in ``directory`` with the files' labels."""
    rows = load_examples() if rows is None else rows
    label_of = {(_flat(text), language): intent for text, intent, language in rows}
    languages, disagreements = {}, []
    for labels_path in sorted(directory.glob("*.labels.tsv")):
        code = labels_path.name.removesuffix(".labels.tsv")
        texts = _read_tsv(directory / f"{code}.tsv")
        labels = _read_tsv(labels_path)
        agree = unknown = 0
        for n, text in texts.items():
            given = labels.get(n)
            expected = label_of.get((text, code))
            if given is None or expected is None:  # not labelled, or no longer in the files
                unknown += 1
            elif given == expected:
                agree += 1
            else:
                disagreements.append({"language": code, "text": text, "file": expected,
                                      "annotator": given})
        judged = len(texts) - unknown
        languages[code] = {"n": judged, "agree": agree, "not_judged": unknown,
                           "agreement": _share(agree, judged)}
    judged = sum(item["n"] for item in languages.values())
    agree = sum(item["agree"] for item in languages.values())
    pairs = Counter(f"{d['file']}->{d['annotator']}" for d in disagreements)
    return {"languages": languages,
            "all": {"n": judged, "agree": agree, "agreement": _share(agree, judged)},
            "pairs": pairs.most_common(), "disagreements": disagreements}


def _print_table(results: dict) -> None:
    for code, item in results["languages"].items():
        print(f"{code}: {item['agree']}/{item['n']} agree ({item['agreement']})")
    print(f"all: {results['all']['agreement']}; most frequent: {results['pairs'][:6]}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    out = sub.add_parser("export", help="write the unlabelled texts and the guide")
    out.add_argument("directory", type=Path)
    out.add_argument("--languages", nargs="+",
                     default=sorted(p.stem for p in (ROOT / "data" / "nlu").glob("*.yml")))
    back = sub.add_parser("compare", help="compare <code>.labels.tsv with data/nlu")
    back.add_argument("directory", type=Path)
    back.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    if args.command == "export":
        for code, count in export(args.directory, args.languages).items():
            print(f"{code}: {count} texts")
        return 0
    return finish(args.out, compare(args.directory), _print_table)


if __name__ == "__main__":
    raise SystemExit(main())
