"""Keeping the search read model in step: build documents from catalog bundles, prices and
stock, then replace a product's rows (delete + insert) in the caller's transaction."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from sqlalchemy import Table, delete, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.catalog import rules as catalog_rules
from omnishop.catalog import service as catalog
from omnishop.catalog.schemas import CategoryInfo, ProductBundle
from omnishop.channels import service as channels
from omnishop.channels.models import Channel
from omnishop.inventory import service as inventory
from omnishop.kernel import clock, i18n
from omnishop.pricing import service as pricing
from omnishop.pricing.schemas import PriceInfo
from omnishop.search import analysis, facets
from omnishop.search.engines import dialect, tsvector_literal
from omnishop.search.models import SearchDocument, SearchFacet, SearchTerm, SearchVariant
from omnishop.search.schemas import DocumentIn

BATCH = 500
Progress = Callable[[int, int], None]


def _scalar_values(value: Any) -> list[str]:
    values = value if isinstance(value, list) else [value]
    out = []
    for v in values:
        if isinstance(v, bool):
            out.append("true" if v else "false")
        elif isinstance(v, str | int | float):
            out.append(str(v)[:200])
    return out


def build_document(
    bundle: ProductBundle,
    channel: Channel,
    *,
    categories: dict[uuid.UUID, CategoryInfo],
    prices: dict[uuid.UUID, PriceInfo],
    stock: dict[uuid.UUID, int],
) -> DocumentIn:
    """The search document of a product shown in ``channel`` (visibility checked by caller)."""
    active = [v for v in bundle.variants if v.active]
    priced = sorted(
        (prices[v.id].amount, prices[v.id].compare_at_amount) for v in active if v.id in prices
    )
    own = categories.get(bundle.category_id) if bundle.category_id else None
    chain = [categories[c] for c in bundle.category_ids if c in categories]
    attributes = {
        code: vals for code, value in bundle.attributes.items() if (vals := _scalar_values(value))
    }
    if bundle.brand:
        attributes.setdefault("brand", [bundle.brand])
    extra = [bundle.brand or ""]
    extra += [name for c in chain for name in c.names.values()]
    extra += [v for vals in attributes.values() for v in vals]
    extra += [v.sku for v in active]
    publication = bundle.publication(channel.id)
    first = bundle.media[0] if bundle.media else None
    return DocumentIn(
        product_id=bundle.id,
        channel_id=channel.id,
        slug=bundle.slug,
        names=dict(bundle.names),
        descriptions=dict(bundle.descriptions),
        extra_text=extra,
        currency=channel.currency,
        updated_at=clock.now(),
        category_id=bundle.category_id,
        category={"slug": own.slug, "names": own.names} if own else None,
        category_chain=[(c.id, c.slug) for c in chain],
        attributes=attributes,
        image={"sizes": first.sizes, "alt": first.alt} if first else None,
        price_min=priced[0][0] if priced else None,
        price_max=priced[-1][0] if priced else None,
        compare_at=priced[0][1] if priced else None,
        in_stock=any(stock.get(v.id, 0) > 0 for v in active),
        purchasable=bool(publication and publication.purchasable),
        published_at=publication.published_at if publication else None,
        sort_names={
            loc: (
                catalog_rules.pick(bundle.names, loc, channel.default_locale) or bundle.slug
            ).lower()[:300]
            for loc in i18n.LOCALES
        },
        variant_ids=[v.id for v in bundle.variants],
    )


def _analysed(doc: DocumentIn) -> tuple[str, str, str, list[analysis.Token]]:
    names = " ".join(doc.names.values())
    body = " ".join([*doc.descriptions.values(), *doc.extra_text])
    name_tokens, body_tokens = analysis.tokens(names), analysis.tokens(body)
    title = " ".join(t.term for t in name_tokens)
    return (
        title,
        " ".join(t.term for t in body_tokens),
        analysis.raw_text(names),
        name_tokens + body_tokens,
    )


async def _adjust_vocabulary(
    session: AsyncSession, counts: Counter[str], words: dict[str, str]
) -> None:
    # Sorted, so concurrent indexers lock vocabulary rows in the same order (no deadlock).
    rows = [
        {"term": t[:100], "word": words.get(t, t)[:100], "doc_freq": n}
        for t, n in sorted(counts.items())
        if n != 0 and len(t) <= 100
    ]
    if not rows:
        return
    upsert = (
        pg_insert(SearchTerm) if dialect(session) == "postgresql" else sqlite_insert(SearchTerm)
    )
    statement = upsert.on_conflict_do_update(
        index_elements=[SearchTerm.term],
        set_={"doc_freq": SearchTerm.doc_freq + upsert.excluded.doc_freq},
    )
    for start in range(0, len(rows), BATCH):
        await session.execute(statement, rows[start : start + BATCH])
    await session.execute(delete(SearchTerm).where(SearchTerm.doc_freq <= 0))


async def remove_documents(session: AsyncSession, product_ids: Sequence[uuid.UUID]) -> None:
    """Delete every document of these products (all channels), keeping the vocabulary right."""
    if not product_ids:
        return
    facets.invalidate()
    counts: Counter[str] = Counter()
    rows = await session.execute(
        select(SearchDocument.id, SearchDocument.fts_title, SearchDocument.fts_body).where(
            SearchDocument.product_id.in_(list(product_ids))
        )
    )
    doc_ids = []
    for doc_id, title, body in rows.all():
        doc_ids.append(doc_id)
        for term in set(f"{title} {body}".split()):
            counts[term] -= 1
    if doc_ids:
        await session.execute(delete(SearchFacet).where(SearchFacet.doc_id.in_(doc_ids)))
        await session.execute(delete(SearchDocument).where(SearchDocument.id.in_(doc_ids)))
    await session.execute(
        delete(SearchVariant).where(SearchVariant.product_id.in_(list(product_ids)))
    )
    await _adjust_vocabulary(session, counts, {})


async def write_documents(session: AsyncSession, docs: Sequence[DocumentIn]) -> None:
    """Insert documents in bulk (callers removed the old ones first)."""
    facets.invalidate()
    postgres = dialect(session) == "postgresql"
    counts: Counter[str] = Counter()
    words: dict[str, str] = {}
    rows: list[dict[str, Any]] = []
    for doc in docs:
        title, body, raw, toks = _analysed(doc)
        for tok in toks:
            words.setdefault(tok.term, tok.word)
        for term in {t.term for t in toks}:
            counts[term] += 1
        rows.append(
            {
                "product_id": doc.product_id,
                "channel_id": doc.channel_id,
                "slug": doc.slug,
                "names": doc.names,
                "category_id": doc.category_id,
                "category": doc.category,
                "image": doc.image,
                "currency": doc.currency,
                "price_min": doc.price_min,
                "price_max": doc.price_max,
                "compare_at": doc.compare_at,
                "in_stock": doc.in_stock,
                "purchasable": doc.purchasable,
                "popularity": doc.popularity,
                "published_at": doc.published_at,
                "sort_ru": doc.sort_names.get("ru", doc.slug),
                "sort_en": doc.sort_names.get("en", doc.slug),
                "sort_ka": doc.sort_names.get("ka", doc.slug),
                "fts_title": title,
                "fts_body": body,
                "fts_raw": raw,
                "tsv": tsvector_literal(title, body, raw) if postgres else None,
                "updated_at": doc.updated_at,
            }
        )
    table = SearchDocument.__table__
    assert isinstance(table, Table)
    ids: list[int] = []
    for start in range(0, len(rows), BATCH):
        chunk = rows[start : start + BATCH]
        statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
        result = await session.execute(statement, chunk)
        ids.extend(result.scalars().all())
    facet_rows = [
        {"doc_id": doc_id, "facet": facet, "value": value}
        for doc_id, doc in zip(ids, docs, strict=True)
        for facet, value in _facet_pairs(doc)
    ]
    for start in range(0, len(facet_rows), BATCH * 4):
        await session.execute(insert(SearchFacet), facet_rows[start : start + BATCH * 4])
    variants = {v: doc.product_id for doc in docs for v in doc.variant_ids}
    if variants:
        await session.execute(
            insert(SearchVariant), [{"variant_id": v, "product_id": p} for v, p in variants.items()]
        )
    await _adjust_vocabulary(session, counts, words)


def _facet_pairs(doc: DocumentIn) -> set[tuple[str, str]]:
    pairs = {("category", str(cid)) for cid, _ in doc.category_chain}
    pairs |= {("category_slug", slug) for _, slug in doc.category_chain}
    pairs |= {(f"attr:{code}"[:80], v) for code, values in doc.attributes.items() for v in values}
    return pairs


async def reindex_products(session: AsyncSession, product_ids: Iterable[uuid.UUID]) -> int:
    """Rebuild these products' documents in every active channel; returns documents written.
    Idempotent: the result depends only on the current catalog, prices and stock."""
    ids = sorted(set(product_ids))
    if not ids:
        return 0
    active_channels = await channels.list_channels(session=session)
    return await _reindex(session, ids, active_channels)


async def _reindex(
    session: AsyncSession, ids: list[uuid.UUID], active_channels: list[Channel]
) -> int:
    bundles = await catalog.load_products(session=session, product_ids=ids)
    await remove_documents(session, ids)
    bundles = [b for b in bundles if b.status == "active"]
    if not bundles or not active_channels:
        return 0
    variant_ids = [v.id for b in bundles for v in b.variants if v.active]
    stock = await inventory.available_for_variants(session=session, variant_ids=variant_ids)
    all_prices = await pricing.all_prices_for_variants(session=session, variant_ids=variant_ids)
    category_ids = {c for b in bundles for c in b.category_ids}
    categories = await catalog.categories_by_ids(session=session, category_ids=list(category_ids))
    docs = []
    for channel in active_channels:
        prices = {p.variant_id: p for p in all_prices if p.channel_id == channel.id}
        for bundle in bundles:
            publication = bundle.publication(channel.id)
            # Scheduled launches are indexed now and filtered by published_at at query time.
            if publication is None or not publication.visible:
                continue
            docs.append(
                build_document(bundle, channel, categories=categories, prices=prices, stock=stock)
            )
    await write_documents(session, docs)
    return len(docs)


async def reindex_all(session: AsyncSession, progress: Progress | None = None) -> int:
    """Rebuild the whole read model in batches; ``progress(done, total)`` after each batch."""
    ids = await catalog.all_product_ids(session=session)
    await session.execute(delete(SearchFacet))
    await session.execute(delete(SearchDocument))
    await session.execute(delete(SearchVariant))
    await session.execute(delete(SearchTerm))
    active_channels = await channels.list_channels(session=session)
    written = 0
    for start in range(0, len(ids), BATCH):
        written += await _reindex(session, ids[start : start + BATCH], active_channels)
        if progress is not None:
            progress(min(start + BATCH, len(ids)), len(ids))
    return written


async def products_of_variants(
    session: AsyncSession, variant_ids: Sequence[uuid.UUID]
) -> list[uuid.UUID]:
    """Products (with documents) that own these variants."""
    rows = await session.scalars(
        select(SearchVariant.product_id).where(SearchVariant.variant_id.in_(list(variant_ids)))
    )
    return sorted(set(rows))


async def products_in_category(session: AsyncSession, category_id: uuid.UUID) -> list[uuid.UUID]:
    """Products whose documents sit in this category or below it."""
    rows = await session.scalars(
        select(SearchDocument.product_id)
        .join(SearchFacet, SearchFacet.doc_id == SearchDocument.id)
        .where(SearchFacet.facet == "category", SearchFacet.value == str(category_id))
    )
    return sorted(set(rows))
