"""Münster's Stadtteile and Stadtbezirke from ``districts.json`` and a tolerant name resolver.

People write "Muenster-Coerde", "coerde", "Cörde", "St. Mauritz" or "Rumphorstviertel"; the
resolver folds case and umlauts, drops a "Münster-" prefix and accepts small typos, so the bot
and the API can pass user text straight in.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from services_catalog.ids import slugify
from services_catalog.textnorm import allowed_typos, edit_distance, normalize

DATA_DIR = Path("/work/shared/data/muenster")
DISTRICTS_JSON = DATA_DIR / "districts.json"

#: Names used in source texts and everyday speech that districts.json does not list itself.
EXTRA_ALIASES: dict[str, tuple[str, ...]] = {
    "mauritz-ost-und-mondstrasse": ("St. Mauritz", "Sankt Mauritz", "Mauritz-Ost", "Mondstraße"),
    "rumphorst": ("Rumphorstviertel",),
    "gremmendorf": ("Gremmendorf-West", "Gremmendorf-Ost"),
    "kernbereich": ("Innenstadt", "Zentrum"),
}


@dataclass(frozen=True)
class DistrictRecord:
    """A Stadtteil (``kind='stadtteil'``) or a whole Stadtbezirk (``kind='stadtbezirk'``)."""

    id: str
    name: str
    kind: str
    stadtbezirk: str
    teilbereich: str | None = None
    source_url: str | None = None
    aliases: tuple[str, ...] = field(default_factory=tuple)

    def as_dict(self) -> dict:
        return {"id": self.id, "name": self.name, "kind": self.kind,
                "stadtbezirk": self.stadtbezirk, "teilbereich": self.teilbereich,
                "aliases": list(self.aliases)}


def stadtbezirk_id(name: str) -> str:
    return "stadtbezirk-" + slugify(name)


def load_districts(path: Path = DISTRICTS_JSON) -> list[DistrictRecord]:
    """Stadtteile of districts.json (``weitere_wohnplaetze`` become aliases) plus the Bezirke."""
    data = json.loads(path.read_text(encoding="utf-8"))
    records: list[DistrictRecord] = []
    for entry in data["eintraege"]:
        name = entry["name"]
        short = re.sub(r"\s*\(.*\)\s*$", "", name).strip()
        district_id = slugify(short)
        aliases = [*entry.get("weitere_wohnplaetze", []), *EXTRA_ALIASES.get(district_id, ())]
        if short != name:
            aliases.insert(0, short)
        records.append(DistrictRecord(
            id=district_id, name=name, kind="stadtteil", stadtbezirk=entry["stadtbezirk"],
            teilbereich=entry.get("teilbereich"), source_url=entry.get("source_url"),
            aliases=tuple(aliases)))
    for bezirk in data["stadtbezirke"]:
        records.append(DistrictRecord(
            id=stadtbezirk_id(bezirk), name=bezirk, kind="stadtbezirk", stadtbezirk=bezirk,
            source_url=data.get("stadtbezirke_source_url"),
            aliases=(f"Stadtbezirk {bezirk}", f"Münster-{bezirk}")))
    return records


def _key(text: str) -> str:
    text = normalize(text)
    text = re.sub(r"^(stadt(teil|bezirk)\s+)", "", text)
    text = re.sub(r"^(muenster|munster|muster|ms)[\s\-]+", "", text)
    text = re.sub(r"^(stadt(teil|bezirk)\s+)", "", text)
    text = re.sub(r"^(st|sankt)[.\s]+", "sankt ", text)
    return re.sub(r"[^\w]+", "", text)


@lru_cache(maxsize=1)
def _index() -> tuple[dict[str, DistrictRecord], tuple[DistrictRecord, ...]]:
    records = load_districts()
    index: dict[str, DistrictRecord] = {}
    # Stadtteile first so that "Hiltrup" means the Stadtteil, not the Bezirk of the same name.
    for record in sorted(records, key=lambda r: r.kind != "stadtteil"):
        for name in (record.name, record.id, *record.aliases):
            index.setdefault(_key(name), record)
    return index, tuple(records)


def all_districts() -> tuple[DistrictRecord, ...]:
    return _index()[1]


def resolve_district(name: str | None) -> DistrictRecord | None:
    """The district ``name`` most likely means, or ``None`` if nothing is close enough."""
    if not name or not name.strip():
        return None
    index, _ = _index()
    key = _key(name)
    if not key:
        return None
    if key in index:
        return index[key]
    best: tuple[int, DistrictRecord] | None = None
    for candidate, record in index.items():
        limit = allowed_typos(candidate)
        distance = edit_distance(key, candidate, limit)
        if distance <= limit and (best is None or distance < best[0]):
            best = (distance, record)
    return best[1] if best else None


def districts_in_text(text: str | None) -> list[DistrictRecord]:
    """Every Stadtteil named in a source's free-text district column, in order, no repeats.

    "Roxel, Nienberge (Stadtbezirk West); Rumphorstviertel (Stadtteil Rumphorst, ...)" gives
    Roxel, Nienberge and Rumphorst; the parenthesised Bezirk names only confirm the Stadtteil.
    """
    if not text:
        return []
    outer = re.sub(r"\([^)]*\)", "", text)
    found: list[DistrictRecord] = []
    for part in re.split(r"[,;/]|\bund\b", outer):
        record = resolve_district(part)
        if record is not None and record.kind == "stadtteil" and record not in found:
            found.append(record)
    return found
