"""Search use cases: ranked, filtered, faceted product listings and autocomplete.

One interface for both engines; the engine-specific SQL lives in ``engines.py``. Indexing
(``reindex_products``, ``reindex_all``) lives in ``index.py`` and is re-exported here.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections import Counter
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Row, func, literal, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.catalog import service as catalog
from omnishop.catalog.rules import pick
from omnishop.channels.models import Channel
from omnishop.kernel import clock, i18n
from omnishop.kernel.errors import ValidationFailed
from omnishop.kernel.money import Money
from omnishop.search import analysis, rules
from omnishop.search.engines import (
    TermQuery,
    collection_stats,
    dialect,
    document_count,
    known_terms,
    match_subquery,
    ranked_candidates,
    typo_candidates,
)
from omnishop.search.facets import cached_facets
from omnishop.search.index import reindex_all, reindex_products
from omnishop.search.models import SearchDocument as D
from omnishop.search.models import SearchFacet as F
from omnishop.search.schemas import (
    CategorySummary,
    ImageSummary,
    PriceSummary,
    ProductSummary,
    SearchPage,
    SearchQuery,
    Suggestion,
    Suggestions,
)

__all__ = ["analyse_query", "reindex_all", "reindex_products", "search", "suggest"]

# Relevance is ranked in Python over the engine's best candidates (see rules.rerank); deeper
# pages than this are not offered for a relevance-sorted query.
CANDIDATES = 200
MAX_RELEVANCE_DEPTH = 1000
# Engines whose candidates are re-scored with BM25 in Python (rules.bm25). PostgreSQL's
# ts_rank_cd ignores how rare a term is; SQLite's FTS5 bm25() already is this formula.
RESCORED = frozenset({"postgresql"})
EMPTY_CORPUS = rules.Corpus(0, 0.0, {})
_NO_PRICE = 2**62
SUMMARY_COLUMNS = (
    D.id,
    D.product_id,
    D.slug,
    D.names,
    D.category_id,
    D.category,
    D.image,
    D.currency,
    D.price_min,
    D.compare_at,
    D.in_stock,
)


async def analyse_query(
    session: AsyncSession, q: str | None
) -> tuple[TermQuery | None, str | None]:
    """Terms of a query with typo corrections for words the index has never seen; returns the
    term query and, when something was corrected, the query as searched ("did you mean")."""
    toks = analysis.tokens(q or "")
    if not toks:
        return None, None
    unique: dict[str, analysis.Token] = {}
    for tok in toks:
        unique.setdefault(tok.term, tok)
    known = await known_terms(session, list(unique))
    groups: list[frozenset[str]] = []
    frequencies: list[int] = []
    shown: list[str] = []
    corrected = False
    for term, tok in unique.items():
        fixes = []
        if term not in known:
            fixes = rules.best_corrections(term, await typo_candidates(session, term))
        if fixes:
            groups.append(frozenset(c.term for c in fixes))
            frequencies.append(sum(c.doc_freq for c in fixes))
            shown.append(fixes[0].word)
            corrected = True
        else:
            groups.append(frozenset({term}))
            frequencies.append(known.get(term, 0))
            shown.append(tok.word)
    common: frozenset[int] = frozenset()
    if max(frequencies) > rules.COMMON_MIN_DOCS:
        limit = rules.COMMON_SHARE * await document_count(session)
        common = frozenset(
            i for i, f in enumerate(frequencies) if f > max(limit, rules.COMMON_MIN_DOCS)
        )
    return TermQuery(groups, common=common), " ".join(shown) if corrected else None


def _filters(channel: Channel, query: SearchQuery) -> list[ColumnElement[bool]]:
    now = clock.now()
    where: list[ColumnElement[bool]] = [
        D.channel_id == channel.id,
        or_(D.published_at.is_(None), D.published_at <= now),
    ]
    if query.category:
        try:
            facet, value = "category", str(uuid.UUID(query.category))
        except ValueError:
            facet, value = "category_slug", query.category
        where.append(D.id.in_(select(F.doc_id).where(F.facet == facet, F.value == value)))
    if query.price_min is not None:
        where.append(D.price_min >= query.price_min)
    if query.price_max is not None:
        where.append(D.price_min <= query.price_max)
    for code, values in sorted(query.attributes.items()):
        attr = select(F.doc_id).where(F.facet == f"attr:{code}", F.value.in_(values))
        where.append(D.id.in_(attr))
    if query.in_stock is not None:
        where.append(D.in_stock.is_(query.in_stock))
    return where


def _encode(values: dict[str, Any]) -> str:
    raw = json.dumps(values, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str | None, sort: str) -> dict[str, Any] | None:
    if cursor is None:
        return None
    try:
        value = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValidationFailed("malformed cursor", field="cursor") from exc
    if not isinstance(value, dict) or value.get("s") != sort:
        raise ValidationFailed("cursor does not belong to this listing", field="cursor")
    return value


def _sort_keys(sort: str, locale: str) -> tuple[list[Any], bool]:
    """Columns of a browse order and whether it descends; product ids (UUIDv7) break ties and
    stand for creation time."""
    if sort == "newest":
        return [D.product_id], True
    if sort == "price_asc":
        return [func.coalesce(D.price_min, _NO_PRICE), D.product_id], False
    if sort == "price_desc":
        return [func.coalesce(D.price_min, -1), D.product_id], True
    column = {"ru": D.sort_ru, "en": D.sort_en, "ka": D.sort_ka}[locale]
    return [column, D.product_id], False


async def search(
    *, session: AsyncSession, channel: Channel, query: SearchQuery, locale: str
) -> SearchPage:
    """A page of products shown in ``channel`` that match ``query``, with facet counts over
    the whole filtered result (first page only) and the corrected query if a typo was fixed."""
    if locale not in i18n.LOCALES:
        locale = channel.default_locale
    terms, corrected = await analyse_query(session, query.q)
    sort = query.sort or ("relevance" if terms else "name")
    if sort == "relevance" and terms is None:
        sort = "name"  # nothing to rank by: a browse listing
    cursor = _decode(query.cursor, sort)
    where = _filters(channel, query)
    if sort == "relevance" and terms is not None:
        rows, next_cursor = await _ranked(session, terms, where, query.limit, cursor)
    else:
        if terms is not None:
            matched = match_subquery(session, terms).subquery()
            where.append(D.id.in_(select(matched.c.doc_id)))
        rows, next_cursor = await _sorted(session, sort, locale, where, query.limit, cursor)
    facets = None
    if query.facets and cursor is None:
        if terms is not None and sort == "relevance":
            matched = match_subquery(session, terms).subquery()
            where.append(D.id.in_(select(matched.c.doc_id)))
        key = (
            tuple(tuple(sorted(g)) for g in terms.groups) if terms else None,
            query.category,
            query.price_min,
            query.price_max,
            tuple(sorted((k, tuple(sorted(v))) for k, v in query.attributes.items())),
            query.in_stock,
        )
        facets = await cached_facets(session, channel, where, locale, key)
    return SearchPage(
        data=[_summary(row, channel, locale) for row in rows],
        next_cursor=next_cursor,
        facets=facets,
        corrected_query=corrected,
    )


async def _ranked(
    session: AsyncSession,
    terms: TermQuery,
    where: list[ColumnElement[bool]],
    limit: int,
    cursor: dict[str, Any] | None,
) -> tuple[Sequence[Row[Any]], str | None]:
    offset = int(cursor.get("o", 0)) if cursor else 0
    if not 0 <= offset < MAX_RELEVANCE_DEPTH:
        raise ValidationFailed("malformed cursor", field="cursor")
    depth = min(max(CANDIDATES, offset + limit + 1), MAX_RELEVANCE_DEPTH)
    groups = [set(g) for g in terms.groups]
    if dialect(session) not in RESCORED:
        hits = await ranked_candidates(session, terms, where, depth, EMPTY_CORPUS)
        scored = [(str(i), score, f"{t} {b}") for i, score, t, b in hits]
        return await _page(session, rules.rerank(scored, groups), offset, limit)
    documents, average_length = await collection_stats(session)
    doc_freqs = await known_terms(session, sorted({t for g in groups for t in g}))
    corpus = rules.Corpus(documents, average_length, doc_freqs)
    hits = await ranked_candidates(session, terms, where, depth, corpus)
    scored = []
    for doc_id, _, title, body in hits:
        title_terms, body_terms = title.split(), body.split()
        length = len(title_terms) + len(body_terms)
        score = rules.bm25(groups, Counter(title_terms), Counter(body_terms), length, corpus)
        scored.append((str(doc_id), score, f"{title} {body}"))
    return await _page(session, rules.rerank(scored, groups), offset, limit)


async def _page(
    session: AsyncSession, ranked: list[tuple[str, float]], offset: int, limit: int
) -> tuple[Sequence[Row[Any]], str | None]:
    page = [int(key) for key, _ in ranked[offset : offset + limit]]
    more = len(ranked) > offset + limit
    if not page:
        return [], None
    rows = {
        r.id: r
        for r in (await session.execute(select(*SUMMARY_COLUMNS).where(D.id.in_(page)))).all()
    }
    next_cursor = _encode({"s": "relevance", "o": offset + limit}) if more else None
    return [rows[i] for i in page if i in rows], next_cursor


async def _sorted(
    session: AsyncSession,
    sort: str,
    locale: str,
    where: list[ColumnElement[bool]],
    limit: int,
    cursor: dict[str, Any] | None,
) -> tuple[Sequence[Row[Any]], str | None]:
    keys, descending = _sort_keys(sort, locale)
    statement = select(*SUMMARY_COLUMNS, *keys).where(*where)
    if cursor is not None:
        after = cursor.get("k")
        if not isinstance(after, list) or len(after) != len(keys):
            raise ValidationFailed("malformed cursor", field="cursor")
        try:
            after[-1] = uuid.UUID(str(after[-1]))
        except ValueError as exc:
            raise ValidationFailed("malformed cursor", field="cursor") from exc
        bound = tuple_(*[literal(v, type_=k.type) for k, v in zip(keys, after, strict=True)])
        statement = statement.where(tuple_(*keys) < bound if descending else tuple_(*keys) > bound)
    order = [k.desc() if descending else k.asc() for k in keys]
    rows = (await session.execute(statement.order_by(*order).limit(limit + 1))).all()
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        values = [_jsonable(v) for v in tuple(last)[len(SUMMARY_COLUMNS) :]]
        next_cursor = _encode({"s": sort, "k": values})
    return rows[:limit], next_cursor


def _jsonable(value: Any) -> Any:
    return str(value) if isinstance(value, uuid.UUID) else value


def _summary(row: Row[Any], channel: Channel, locale: str) -> ProductSummary:
    fallback = channel.default_locale
    category = None
    if row.category_id is not None and row.category:
        name = pick(row.category.get("names", {}), locale, fallback) or row.category["slug"]
        category = CategorySummary(id=row.category_id, slug=row.category["slug"], name=name)
    price = None
    if row.price_min is not None:
        price = PriceSummary(
            amount=row.price_min,
            currency=row.currency,
            compare_at_amount=row.compare_at,
            formatted=Money(row.price_min, row.currency).format(locale),
        )
    image = None
    if row.image:
        sizes = {str(k): str(v) for k, v in row.image.get("sizes", {}).items()}
        image = ImageSummary(sizes=sizes, alt=pick(row.image.get("alt", {}), locale, fallback))
    return ProductSummary(
        id=row.product_id,
        slug=row.slug,
        name=pick(row.names, locale, fallback) or row.slug,
        category=category,
        price=price,
        in_stock=row.in_stock,
        image=image,
    )


async def suggest(
    *, session: AsyncSession, channel: Channel, q: str, locale: str, limit: int = 8
) -> Suggestions:
    """Completions while typing: earlier words must match whole, the last one as a prefix of a
    word in the name; products of the channel first, then matching categories."""
    words = analysis.words(q)
    if not words:
        return Suggestions(data=[])
    *full, last = words
    terms = TermQuery([frozenset({analysis.stem(w)}) for w in full], prefix=last, require_all=True)
    matched = match_subquery(session, terms).subquery()
    column = {"ru": D.sort_ru, "en": D.sort_en, "ka": D.sort_ka}.get(locale, D.sort_ru)
    rows = await session.execute(
        select(D.product_id, D.slug, D.names)
        .join(matched, matched.c.doc_id == D.id)
        .where(*_filters(channel, SearchQuery()))
        .order_by(matched.c.score.desc(), D.popularity.desc(), func.length(column), column)
        .limit(limit)
    )
    fallback = channel.default_locale
    data = [
        Suggestion(kind="product", text=pick(n, locale, fallback) or s, id=pid, slug=s)
        for pid, s, n in rows.all()
    ]
    for category in await catalog.list_categories(session=session):
        if len(data) >= limit + 3:
            break
        name = pick(category.names, locale, fallback) or category.slug
        name_words = analysis.words(name)
        stems = {analysis.stem(w) for w in name_words}
        if any(w.startswith(last) for w in name_words) and all(
            analysis.stem(w) in stems for w in full
        ):
            data.append(Suggestion(kind="category", text=name, id=category.id, slug=category.slug))
    return Suggestions(data=data)
