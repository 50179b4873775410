"""Facet counts over a filtered result set: categories (whole subtrees), attribute values,
price range and how many are in stock."""

from __future__ import annotations

import time
import uuid
from collections import defaultdict

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.catalog import service as catalog
from omnishop.catalog.rules import pick
from omnishop.channels.models import Channel
from omnishop.search.models import SearchDocument as D
from omnishop.search.models import SearchFacet as F
from omnishop.search.schemas import CategoryFacet, Facets, FacetValue, PriceRange

MAX_VALUES = 30  # per attribute: a facet list longer than this helps nobody
# Facet counts of the same listing are reused for a few seconds: they cost four queries and a
# first page is asked for far more often than the index changes. Writes by this process clear
# the cache at once (see ``invalidate``); other processes' writes show within the TTL.
CACHE_TTL = 5.0
_cache: dict[tuple[object, ...], tuple[float, Facets]] = {}
_generation = [0]


def invalidate() -> None:
    """Forget cached facet counts (the index changed)."""
    _generation[0] += 1
    _cache.clear()


async def cached_facets(
    session: AsyncSession,
    channel: Channel,
    where: list[ColumnElement[bool]],
    locale: str,
    key: tuple[object, ...],
) -> Facets:
    """``facets_for`` through a short-lived per-process cache keyed by the listing's filters."""
    full_key = (str(session.get_bind().engine.url), channel.id, locale, _generation[0], *key)
    hit = _cache.get(full_key)
    now = time.monotonic()
    if hit is not None and hit[0] > now:
        return hit[1]
    facets = await facets_for(session, channel, where, locale)
    if len(_cache) > 1000:
        _cache.clear()
    _cache[full_key] = (now + CACHE_TTL, facets)
    return facets


async def facets_for(
    session: AsyncSession, channel: Channel, where: list[ColumnElement[bool]], locale: str
) -> Facets:
    """Counts over the documents matching ``where`` (every page, not only the one shown)."""
    total, in_stock, low, high = (
        await session.execute(
            select(
                func.count(D.id),
                func.coalesce(func.sum(case((D.in_stock.is_(True), 1), else_=0)), 0),
                func.min(D.price_min),
                func.max(D.price_max),
            ).where(*where)
        )
    ).one()
    counts = await session.execute(
        select(F.facet, F.value, func.count())
        .where(F.doc_id.in_(select(D.id).where(*where)), F.facet != "category_slug")
        .group_by(F.facet, F.value)
    )
    category_counts: dict[uuid.UUID, int] = {}
    attributes: dict[str, list[FacetValue]] = defaultdict(list)
    for facet, value, count in counts.all():
        if facet == "category":
            category_counts[uuid.UUID(value)] = int(count)
        elif facet.startswith("attr:"):
            attributes[facet[5:]].append(FacetValue(value=value, count=int(count)))
    infos = await catalog.categories_by_ids(session=session, category_ids=list(category_counts))
    categories = [
        CategoryFacet(
            id=cid,
            slug=infos[cid].slug,
            name=pick(infos[cid].names, locale, channel.default_locale) or infos[cid].slug,
            count=n,
        )
        for cid, n in category_counts.items()
        if cid in infos
    ]
    categories.sort(key=lambda c: (infos[c.id].path, c.slug))
    return Facets(
        total=int(total),
        in_stock=int(in_stock),
        price=PriceRange(min=low, max=high, currency=channel.currency),
        categories=categories,
        attributes={
            code: sorted(values, key=lambda v: (-v.count, v.value))[:MAX_VALUES]
            for code, values in sorted(attributes.items())
        },
    )
