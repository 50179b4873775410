"""The engine-specific SQL behind one search interface: full-text match with a rank, the
indexed-text column, and typo candidates. SQLite uses FTS5 + bm25() and rapidfuzz over a
cached vocabulary; PostgreSQL uses a tsvector + ts_rank_cd and pg_trgm on the vocabulary."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import process
from rapidfuzz.distance import OSA
from sqlalchemy import Float, Integer, Select, TextClause, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.search.analysis import max_typo_distance
from omnishop.search.models import SearchDocument, SearchTerm
from omnishop.search.rules import Candidate

# Column weights: a word in the name counts far more than one in the description.
SQLITE_WEIGHTS = "10.0, 2.0, 0.0"
PG_WEIGHTS = "{0.05, 0.1, 0.4, 1.0}"  # D (raw words), C, B (body), A (title)


@dataclass(frozen=True)
class TermQuery:
    """Analysed query: groups of alternative stems (a term and its typo corrections) that are
    OR-ed, and optionally a prefix that must start a word of the name (autocomplete)."""

    groups: Sequence[frozenset[str]]
    prefix: str | None = None
    require_all: bool = False
    # Groups of very common terms ("in", "1"): they still count in re-ranking, but do not
    # drive the match when rarer terms exist (scoring 30,000 hits of "in" is all cost).
    common: frozenset[int] = frozenset()

    def matching_groups(self) -> list[frozenset[str]]:
        rare = [g for i, g in enumerate(self.groups) if g and i not in self.common]
        return rare or [g for g in self.groups if g]


def dialect(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


def _fts5_quote(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def _tsquery_quote(term: str) -> str:
    return "'" + term.replace("\\", "\\\\").replace("'", "''") + "'"


def fts5_expression(query: TermQuery) -> str:
    """The FTS5 MATCH string for a query (names and descriptions; prefixes on raw words)."""
    parts = []
    joiner = " AND " if query.require_all else " OR "
    groups = [" OR ".join(_fts5_quote(t) for t in sorted(g)) for g in query.matching_groups()]
    if groups:
        parts.append("{fts_title fts_body} : (" + joiner.join(f"({g})" for g in groups) + ")")
    if query.prefix:
        parts.append("fts_raw : " + _fts5_quote(query.prefix) + " *")
    return " AND ".join(parts)


def tsquery_expression(query: TermQuery) -> str:
    """The tsquery text for a query; cast, not parsed, so terms reach PostgreSQL unchanged."""
    parts = []
    joiner = " & " if query.require_all else " | "
    groups = [
        " | ".join(_tsquery_quote(t) + ":AB" for t in sorted(g)) for g in query.matching_groups()
    ]
    if groups:
        parts.append("(" + joiner.join(f"({g})" for g in groups) + ")")
    if query.prefix:
        parts.append(_tsquery_quote(query.prefix) + ":*D")
    return " & ".join(parts)


def matches(session: AsyncSession, query: TermQuery) -> TextClause:
    """``(doc_id, score)`` of the documents matching ``query``; higher score is better."""
    if dialect(session) == "postgresql":
        return text(
            "SELECT id AS doc_id, ts_rank_cd(CAST(:weights AS real[]), tsv, q) AS score "
            "FROM search_documents, CAST(:tsq AS tsquery) AS q WHERE tsv @@ q"
        ).bindparams(weights=PG_WEIGHTS, tsq=tsquery_expression(query))
    return text(
        f"SELECT rowid AS doc_id, -bm25(search_fts, {SQLITE_WEIGHTS}) AS score "  # noqa: S608
        "FROM search_fts WHERE search_fts MATCH :expr"
    ).bindparams(expr=fts5_expression(query))


def match_subquery(session: AsyncSession, query: TermQuery) -> Select[tuple[int, float]]:
    clause = matches(session, query).columns(doc_id=Integer, score=Float).subquery("m")
    return select(clause.c.doc_id, clause.c.score)


def tsvector_literal(title: str, body: str, raw: str) -> str:
    """A tsvector in its text form with positions and weights (A title, B body, D raw words),
    so PostgreSQL stores the already analysed terms without re-parsing them."""
    out: list[str] = []
    position = 0
    for text_, weight in ((title, "A"), (body, "B"), (raw, "D")):
        for term in text_.split():
            position = min(position + 1, 16383)
            out.append(f"{_tsquery_quote(term)}:{position}{weight}")
    return " ".join(out)


async def known_terms(session: AsyncSession, terms: Sequence[str]) -> dict[str, int]:
    """Which of these stems are in the vocabulary, with their document frequency."""
    if not terms:
        return {}
    rows = await session.execute(
        select(SearchTerm.term, SearchTerm.doc_freq).where(SearchTerm.term.in_(set(terms)))
    )
    return {t: int(f) for t, f in rows.all()}


_COUNT_TTL = 60.0
_doc_counts: dict[str, tuple[float, int]] = {}


async def document_count(session: AsyncSession) -> int:
    """How many documents the index holds (cached for a minute: only a threshold uses it)."""
    key = str(session.get_bind().engine.url)
    cached = _doc_counts.get(key)
    if cached is None or cached[0] < time.monotonic() - _COUNT_TTL:
        count = int(await session.scalar(select(func.count()).select_from(SearchDocument)) or 0)
        cached = (time.monotonic(), count)
        _doc_counts[key] = cached
    return cached[1]


async def typo_candidates(session: AsyncSession, term: str) -> list[Candidate]:
    """Vocabulary entries that may be what a misspelt ``term`` meant (unfiltered by distance)."""
    if max_typo_distance(term) == 0:
        return []
    if dialect(session) == "postgresql":
        rows = await session.execute(
            select(SearchTerm.term, SearchTerm.word, SearchTerm.doc_freq)
            .where(SearchTerm.term.op("%")(term))
            .order_by(func.similarity(SearchTerm.term, term).desc())
            .limit(30)
        )
        return [Candidate(t, w, f) for t, w, f in rows.all()]
    return await _vocabulary_candidates(session, term)


_CACHE_TTL = 30.0
_vocabulary: dict[str, tuple[float, tuple[int, int], list[str], dict[str, Candidate]]] = {}


async def _vocabulary_candidates(session: AsyncSession, term: str) -> list[Candidate]:
    # The whole vocabulary is held per database and reloaded when its size or total count
    # changes (cheap to check), so rapidfuzz can scan it in C without a query per word.
    key = str(session.get_bind().engine.url)
    count, total = (
        await session.execute(select(func.count(), func.coalesce(func.sum(SearchTerm.doc_freq), 0)))
    ).one()
    fingerprint = (int(count), int(total))
    cached = _vocabulary.get(key)
    if cached is None or cached[1] != fingerprint or cached[0] < time.monotonic() - _CACHE_TTL:
        rows = (
            await session.execute(select(SearchTerm.term, SearchTerm.word, SearchTerm.doc_freq))
        ).all()
        entries = {t: Candidate(t, w, f) for t, w, f in rows}
        cached = (time.monotonic(), fingerprint, list(entries), entries)
        _vocabulary[key] = cached
    _, _, terms, entries = cached
    found = process.extract(
        term, terms, scorer=OSA.distance, score_cutoff=max_typo_distance(term), limit=30
    )
    return [entries[match] for match, _, _ in found]
