"""Search rules: typo correction choice and relevance re-ranking. Pure; no I/O."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from rapidfuzz.distance import OSA

from omnishop.search.analysis import max_typo_distance

# Weight of query coverage in the final score: a document with every query term beats one
# that repeats a single term, which plain BM25 (a sum over terms) does not guarantee.
COVERAGE_BONUS = 1.0
# A term in more than this share of documents (and more than this many) is "common": it
# counts when re-ranking but does not select candidates on its own.
COMMON_SHARE = 0.15
COMMON_MIN_DOCS = 500
# BM25 as SQLite's FTS5 computes it (k1, b, and its column weights: a word in the name counts
# five times one in the description), so both engines rank alike.
BM25_K1 = 1.2
BM25_B = 0.75
TITLE_WEIGHT = 10.0
BODY_WEIGHT = 2.0


@dataclass(frozen=True, slots=True)
class Candidate:
    """A vocabulary entry offered for a misspelt term."""

    term: str
    word: str
    doc_freq: int


def typo_distance(a: str, b: str) -> int:
    """Edit distance where swapping two neighbouring letters counts as one edit."""
    return int(OSA.distance(a, b))


def best_corrections(term: str, candidates: Iterable[Candidate], limit: int = 3) -> list[Candidate]:
    """Vocabulary terms within the allowed distance of ``term``: nearest first, then the most
    common; only those at the nearest distance are kept (farther ones add noise)."""
    allowed = max_typo_distance(term)
    if allowed == 0:
        return []
    scored = [
        (d, -c.doc_freq, c.term, c)
        for c in candidates
        if c.term != term and (d := typo_distance(term, c.term)) <= allowed
    ]
    if not scored:
        return []
    scored.sort()
    nearest = scored[0][0]
    return [c for d, _, _, c in scored if d == nearest][:limit]


def rerank(
    hits: Sequence[tuple[str, float, str]], query_terms: Sequence[set[str]]
) -> list[tuple[str, float]]:
    """Order engine hits ``(key, engine score, indexed text)`` by the engine score scaled up by
    the share of query terms (each a set of acceptable alternatives) the document contains."""
    if not query_terms:
        return [(key, score) for key, score, _ in hits]
    ranked = []
    for position, (key, score, text) in enumerate(hits):
        present = set(text.split())
        covered = sum(1 for alternatives in query_terms if alternatives & present)
        coverage = covered / len(query_terms)
        ranked.append((score * (1.0 + COVERAGE_BONUS * coverage), -position, key))
    ranked.sort(reverse=True)
    return [(key, score) for score, _, key in ranked]


@dataclass(frozen=True, slots=True)
class Corpus:
    """What BM25 needs to know about the whole index: its size, the mean document length in
    terms, and the document frequency of each stem the query may use."""

    documents: int
    average_length: float
    doc_freqs: Mapping[str, int]


def idf(doc_freq: int, documents: int) -> float:
    """FTS5's inverse document frequency: rarer terms weigh more; a term in more than half of
    the documents still counts a little (never zero or negative)."""
    value = math.log((documents - doc_freq + 0.5) / (doc_freq + 0.5))
    return value if value > 0 else 1e-6


def bm25(
    query_terms: Sequence[set[str]],
    title_tf: Mapping[str, int],
    body_tf: Mapping[str, int],
    length: int,
    corpus: Corpus,
) -> float:
    """Okapi BM25 of one document: for each query term (a set of acceptable alternatives, e.g.
    a word and its typo corrections) its weighted frequency in title and body, saturated and
    normalised by document length, times the term's idf. Zero when nothing matches."""
    documents = max(corpus.documents, 1)
    norm = 1.0 - BM25_B + BM25_B * length / max(corpus.average_length, 1.0)
    score = 0.0
    for alternatives in query_terms:
        tf = sum(
            TITLE_WEIGHT * title_tf.get(t, 0) + BODY_WEIGHT * body_tf.get(t, 0)
            for t in alternatives
        )
        if tf <= 0:
            continue
        doc_freq = min(sum(corpus.doc_freqs.get(t, 0) for t in alternatives), documents)
        score += idf(doc_freq, documents) * tf * (BM25_K1 + 1) / (tf + BM25_K1 * norm)
    return score
