"""The blind-relabelling tool (``bench/label_check.py``): export hides the labels, compare finds
every disagreement, whatever order the export shuffled the texts into."""
from __future__ import annotations

from pathlib import Path

from bench.label_check import compare, export

ROWS = [
    ("ich habe eine duldung", "inform", "de"),
    ("wo ist ein arzt", "health", "de"),
    ("kita platz gesucht", "family_youth", "de"),
    ("hallo", "greet", "de"),
    ("i need a flat", "housing", "en"),
]


def _labels_by_text(directory: Path, code: str) -> dict[str, int]:
    lines = (directory / f"{code}.tsv").read_text(encoding="utf-8").splitlines()
    return {line.split("\t", 1)[1]: int(line.split("\t", 1)[0]) for line in lines}


def test_export_writes_texts_without_labels_and_the_guide(tmp_path: Path) -> None:
    counts = export(tmp_path, ["de"], ROWS)
    assert counts == {"de": 4}
    exported = (tmp_path / "de.tsv").read_text(encoding="utf-8")
    assert sorted(_labels_by_text(tmp_path, "de")) == sorted(t for t, _, c in ROWS if c == "de")
    assert "inform" not in exported and "health" not in exported
    assert "legal_advice" in (tmp_path / "GUIDE.md").read_text(encoding="utf-8")
    assert not (tmp_path / "en.tsv").exists()


def test_compare_counts_agreement_and_lists_each_disagreement(tmp_path: Path) -> None:
    export(tmp_path, ["de"], ROWS)
    ids = _labels_by_text(tmp_path, "de")
    given = {"ich habe eine duldung": "legal_advice", "wo ist ein arzt": "health",
             "kita platz gesucht": "family_youth"}  # "hallo" left unlabelled
    (tmp_path / "de.labels.tsv").write_text(
        "".join(f"{ids[text]}\t{intent}\n" for text, intent in given.items()), encoding="utf-8")
    result = compare(tmp_path, ROWS)
    assert result["languages"]["de"] == {"n": 3, "agree": 2, "not_judged": 1,
                                         "agreement": 0.6667}
    assert result["disagreements"] == [{"language": "de", "text": "ich habe eine duldung",
                                        "file": "inform", "annotator": "legal_advice"}]
    assert result["pairs"] == [("inform->legal_advice", 1)]


def test_a_text_removed_from_the_files_is_not_judged(tmp_path: Path) -> None:
    export(tmp_path, ["de"], ROWS)
    ids = _labels_by_text(tmp_path, "de")
    (tmp_path / "de.labels.tsv").write_text(
        "".join(f"{n}\tgreet\n" for n in ids.values()), encoding="utf-8")
    result = compare(tmp_path, [row for row in ROWS if row[0] != "wo ist ein arzt"])
    assert result["languages"]["de"]["not_judged"] == 1
    assert result["languages"]["de"]["agree"] == 1  # only "hallo" is greet
