"""The engine-specific SQL behind one search interface: full-text match with a rank, the
indexed-text column, and typo candidates. SQLite uses FTS5 + bm25() and rapidfuzz over a
cached vocabulary; PostgreSQL picks candidates from a tsvector match with an idf-weighted score
(re-scored with BM25 in the service) and uses pg_trgm on the vocabulary."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rapidfuzz import process
from rapidfuzz.distance import OSA
from sqlalchemy import (
    ColumnElement,
    Float,
    Integer,
    Select,
    TextClause,
    case,
    cast,
    func,
    literal,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import TSQUERY
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.search.analysis import max_typo_distance
from omnishop.search.models import SearchDocument, SearchTerm
from omnishop.search.rules import (
    BM25_B,
    BM25_K1,
    BODY_WEIGHT,
    TITLE_WEIGHT,
    Candidate,
    Corpus,
    idf,
)

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
_stats: dict[str, tuple[float, int, float]] = {}


def _word_count(column: Any) -> ColumnElement[int]:
    # Analysed text is stems joined by single spaces, so words = spaces + 1 (0 when empty).
    return case(
        (column == "", 0),
        else_=func.length(column) - func.length(func.replace(column, " ", "")) + 1,
    )


def _document_length() -> ColumnElement[int]:
    return _word_count(SearchDocument.fts_title) + _word_count(SearchDocument.fts_body)


async def collection_stats(session: AsyncSession) -> tuple[int, float]:
    """How many documents the index holds and their mean length in terms (title + body), for
    BM25; cached for a minute, since a few documents more or less barely move either."""
    key = str(session.get_bind().engine.url)
    cached = _stats.get(key)
    if cached is None or cached[0] < time.monotonic() - _COUNT_TTL:
        count, mean = (
            await session.execute(select(func.count(), func.avg(_document_length())))
        ).one()
        cached = (time.monotonic(), int(count or 0), float(mean or 0.0))
        _stats[key] = cached
    return cached[1], cached[2]


async def document_count(session: AsyncSession) -> int:
    """How many documents the index holds (cached for a minute: only thresholds use it)."""
    return (await collection_stats(session))[0]


def _group_tsquery(group: frozenset[str], weight: str) -> ColumnElement[Any]:
    expression = " | ".join(_tsquery_quote(t) + ":" + weight for t in sorted(group))
    return cast(literal(expression), TSQUERY)


def _pg_bm25(query: TermQuery, corpus: Corpus) -> ColumnElement[float]:
    """BM25 in SQL with term presence standing in for term frequency (a tsvector @@ is cheap,
    counting occurrences is not): it only has to pick candidates for the exact Python score."""
    documents = max(corpus.documents, 1)
    norm = 1.0 - BM25_B + BM25_B * _document_length() / max(corpus.average_length, 1.0)
    score: ColumnElement[float] = literal(0.0)
    for group in query.groups:
        if not group:
            continue
        doc_freq = min(sum(corpus.doc_freqs.get(t, 0) for t in group), documents)
        weight = case(
            (SearchDocument.tsv.bool_op("@@")(_group_tsquery(group, "A")), TITLE_WEIGHT),
            (SearchDocument.tsv.bool_op("@@")(_group_tsquery(group, "B")), BODY_WEIGHT),
            else_=0.0,
        )
        score = score + idf(doc_freq, documents) * weight * (BM25_K1 + 1) / (
            weight + BM25_K1 * norm
        )
    return score


async def ranked_candidates(
    session: AsyncSession,
    query: TermQuery,
    where: Sequence[ColumnElement[bool]],
    depth: int,
    corpus: Corpus,
) -> list[tuple[int, float, str, str]]:
    """The engine's best ``depth`` matches as ``(doc_id, engine score, title, body)`` in one
    query, the analysed text included so the caller can re-score them."""
    D = SearchDocument
    if dialect(session) == "postgresql":
        score = _pg_bm25(query, corpus).label("score")
        tsq = cast(literal(tsquery_expression(query)), TSQUERY)
        statement = (
            select(D.id, score, D.fts_title, D.fts_body)
            .where(D.tsv.bool_op("@@")(tsq), *where)
            .order_by(score.desc(), D.id)
            .limit(depth)
        )
    else:
        matched = match_subquery(session, query).subquery()
        statement = (
            select(D.id, matched.c.score, D.fts_title, D.fts_body)
            .join(matched, matched.c.doc_id == D.id)
            .where(*where)
            .order_by(matched.c.score.desc(), D.id)
            .limit(depth)
        )
    rows = await session.execute(statement)
    return [(int(i), float(s), t, b) for i, s, t, b in rows.all()]


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
