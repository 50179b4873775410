"""Search rules: typo correction choice and relevance re-ranking. Pure; no I/O."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
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
