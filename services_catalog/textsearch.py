"""Free-text matching on the database's own full-text index, tolerant of typos and compounds.

A query word is expanded against the index vocabulary (``search_vocab``) before it reaches the
full-text index: the word itself, longer words that contain it (German compounds: "behörde" →
"ausländerbehörde"; or, for short words, begin with it), and when none exist, the vocabulary
words within one or two edits ("Auslanderbehörde"). The expansion uses the trigram index on the
vocabulary (SQLite FTS5 ``trigram`` tokenizer, PostgreSQL ``pg_trgm``) where present.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, text
from sqlalchemy.orm import Session

from services_catalog.search_index import has_trigram_vocab
from services_catalog.textnorm import allowed_typos, edit_distance, tokens

#: Index terms per query word and per query: each one is a posting list the full-text index
#: merges, so a common stem with dozens of compounds would otherwise dominate the query time.
MAX_EXPANSIONS = 8
MAX_TERMS = 20
MAX_WORDS = 8


@dataclass(frozen=True)
class QueryWord:
    """A query word as the user typed it (lower-cased) and the index terms it stands for."""

    original: str
    terms: tuple[str, ...]


def _like_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _containing(session: Session, word: str, trigram: bool) -> list[str]:
    """Vocabulary terms containing ``word`` (or starting with it when it is short)."""
    dialect = session.get_bind().dialect.name
    if len(word) < 5:
        return list(session.execute(text(
            "SELECT term FROM search_vocab WHERE term >= :lo AND term < :hi "
            "ORDER BY doc_count DESC LIMIT :n"),
            {"lo": word, "hi": word + "\U0010ffff", "n": MAX_EXPANSIONS}).scalars())
    if dialect == "sqlite" and trigram:
        phrase = '"' + word.replace('"', '""') + '"'
        return list(session.execute(text(
            "SELECT v.term FROM search_vocab_fts f JOIN search_vocab v ON v.id = f.rowid "
            "WHERE search_vocab_fts MATCH :phrase ORDER BY v.doc_count DESC LIMIT :n"),
            {"phrase": phrase, "n": MAX_EXPANSIONS}).scalars())
    return list(session.execute(text(
        "SELECT term FROM search_vocab WHERE term LIKE :pattern ESCAPE '\\' "
        "ORDER BY doc_count DESC LIMIT :n"),
        {"pattern": f"%{_like_escape(word)}%", "n": MAX_EXPANSIONS}).scalars())


def _similar(session: Session, word: str, trigram: bool) -> list[str]:
    """Vocabulary terms within the allowed number of edits of ``word``, closest first."""
    limit = allowed_typos(word)
    if limit == 0:
        return []
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite" and trigram:
        grams = {word[i:i + 3] for i in range(len(word) - 2)}
        match = " OR ".join('"' + g.replace('"', '""') + '"' for g in sorted(grams))
        candidates = session.execute(text(
            "SELECT v.term FROM search_vocab_fts f JOIN search_vocab v ON v.id = f.rowid "
            "WHERE search_vocab_fts MATCH :m ORDER BY rank LIMIT 60"), {"m": match}).scalars()
    elif dialect == "postgresql" and trigram:
        candidates = session.execute(text(
            "SELECT term FROM search_vocab WHERE term % :w ORDER BY similarity(term, :w) DESC "
            "LIMIT 60"), {"w": word}).scalars()
    else:
        candidates = session.execute(text(
            "SELECT term FROM search_vocab WHERE length(term) BETWEEN :lo AND :hi"),
            {"lo": len(word) - limit, "hi": len(word) + limit}).scalars()
    scored = sorted((edit_distance(word, c, limit), c) for c in candidates)
    best = [c for d, c in scored if d <= limit]
    return best[:3]


def expand_query(session: Session, q: str) -> list[QueryWord]:
    """Query words with their index terms; words that match nothing are left out."""
    trigram = has_trigram_vocab(session)
    words: list[QueryWord] = []
    originals = q.lower().split()
    normalised = tokens(q)
    for word in dict.fromkeys(normalised):
        if len(words) >= MAX_WORDS:
            break
        terms = _containing(session, word, trigram)
        exact = word in terms or session.execute(
            text("SELECT 1 FROM search_vocab WHERE term = :w"), {"w": word}).scalar()
        if exact:  # the word itself first, so the caps below never drop it
            terms = [word, *(t for t in terms if t != word)]
        if not terms:
            terms = _similar(session, word, trigram)
        room = MAX_TERMS - sum(len(w.terms) for w in words)
        terms = terms[:max(1, min(MAX_EXPANSIONS, room))]
        if terms:
            original = next((o.strip(".,;:!?¿¡()\"'") for o in originals
                             if word in tokens(o)), word)
            words.append(QueryWord(original, tuple(dict.fromkeys(terms))))
    return _drop_common(session, words)


def _drop_common(session: Session, words: list[QueryWord]) -> list[QueryWord]:
    """Drop words found in most documents ("die", "in", "beratung") when rarer words exist.

    Works for every language without stop-word lists: document frequency decides.
    """
    if len(words) < 2:
        return words
    total = session.execute(text("SELECT doc_count FROM search_vocab WHERE term = ''")
                            ).scalar() or 1
    kept = []
    for word in words:
        count = session.execute(text("SELECT MAX(doc_count) FROM search_vocab WHERE term = :t"),
                                {"t": word.terms[0]}).scalar() or 0
        if count <= total * 0.4:
            kept.append(word)
    return kept or words


def estimate_matches(session: Session, words: list[QueryWord]) -> int:
    """Upper bound of matching documents from the vocabulary (no full-text query needed)."""
    terms = sorted({t for w in words for t in w.terms})
    statement = text("SELECT COALESCE(SUM(doc_count), 0) FROM search_vocab WHERE term IN :terms"
                     ).bindparams(bindparam("terms", expanding=True))
    return session.execute(statement, {"terms": terms}).scalar_one()


def sqlite_match(words: list[QueryWord], all_words: bool = True) -> str:
    """FTS5 MATCH expression: every word (or, with ``all_words=False``, any word), each as any
    of its index terms."""
    groups = ["(" + " OR ".join('"' + t.replace('"', '""') + '"' for t in w.terms) + ")"
              for w in words]
    return (" AND " if all_words else " OR ").join(groups)


def pg_tsquery(words: list[QueryWord], all_words: bool = True) -> str:
    """``to_tsquery('simple', ...)`` input; terms are single normalised tokens (no operators)."""
    groups = ["(" + " | ".join("'" + t.replace("'", "''") + "'" for t in w.terms) + ")"
              for w in words]
    return (" & " if all_words else " | ").join(groups)
