"""Read models for storefront pages, composed from the catalog, pricing, inventory and search
services.

No SQL here: each function loads what a page shows through the owning domains' services,
once, and hands the template plain display data. Product grids (home, category, search) come
from the search read model; the product page reads the catalog, prices and stock directly.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.catalog import attributes, rules
from omnishop.catalog import service as catalog
from omnishop.catalog.attributes import AttributeLabel
from omnishop.catalog.schemas import CategoryInfo, MediaInfo, ProductBundle
from omnishop.channels.models import Channel
from omnishop.inventory import service as inventory
from omnishop.kernel import clock
from omnishop.kernel.errors import NotFound
from omnishop.kernel.money import Money
from omnishop.pricing import service as pricing
from omnishop.search import service as search
from omnishop.search.schemas import Facets, ProductSummary, SearchQuery
from omnishop.storefront.page_cache import PageCache

GRID_SIZE = 24
ALTERNATIVES = 8


@dataclass(frozen=True)
class Image:
    src: str
    srcset: str
    width: int
    height: int | None  # unknown for listing cards (the search index keeps sizes only)
    alt: str


@dataclass(frozen=True)
class CategoryNode:
    slug: str
    name: str
    children: list[CategoryNode] = field(default_factory=list)


@dataclass(frozen=True)
class Offer:
    variant_id: uuid.UUID
    sku: str
    gtin: str | None
    options: dict[str, Any]
    price: Money | None
    compare_at: Money | None
    available: int


@dataclass(frozen=True)
class ProductCard:
    slug: str
    name: str
    image: Image | None
    price: Money | None
    compare_at: Money | None
    in_stock: bool


@dataclass(frozen=True)
class Listing:
    """One page of a product grid and how to get the next one."""

    products: list[ProductCard]
    next_cursor: str | None
    total: int | None  # over all pages; known on the first page only
    corrected_query: str | None  # "did you mean": the query as it was searched
    facets: Facets | None = None  # counts for the filter panel: on the first page only


@dataclass(frozen=True)
class ProductDetail:
    slug: str
    name: str
    description: str | None
    brand: str | None
    breadcrumb: list[CategoryNode]
    images: list[Image]
    offers: list[Offer]
    purchasable: bool


def is_visible(bundle: ProductBundle, channel_id: uuid.UUID) -> bool:
    """Shown to buyers right now (the catalog's rule: active, published visible, time come)."""
    return rules.is_visible(bundle, channel_id, clock.now())


def _name(bundle: ProductBundle, locale: str, channel: Channel) -> str:
    return rules.pick(bundle.names, locale, channel.default_locale) or bundle.slug


def _image(media: MediaInfo, name: str, locale: str) -> Image | None:
    by_width = sorted(
        ((int(w), url) for w, url in media.sizes.items() if str(w).isdigit()), key=lambda x: x[0]
    )
    if not by_width:
        return None
    # The middle size is a sensible default src; srcset lets the browser pick on wide screens.
    src = by_width[len(by_width) // 2][1]
    srcset = ", ".join(f"{url} {width}w" for width, url in by_width)
    alt = str(media.alt.get(locale) or media.alt.get("ru") or name)
    return Image(src, srcset, media.width, media.height, alt)


def category_tree(categories: Sequence[CategoryInfo], locale: str) -> list[CategoryNode]:
    """Nest the flat, path-ordered category list into roots with children."""
    nodes: dict[uuid.UUID, CategoryNode] = {}
    roots: list[CategoryNode] = []
    for info in sorted(categories, key=lambda c: (c.path.count("/"), c.position, c.path)):
        node = CategoryNode(info.slug, _category_name(info, locale))
        nodes[info.id] = node
        parent = nodes.get(info.parent_id) if info.parent_id else None
        (parent.children if parent else roots).append(node)
    return roots


def _category_name(info: CategoryInfo, locale: str) -> str:
    return info.names.get(locale) or info.names.get("ru") or info.slug


async def attribute_labels(
    *, session: AsyncSession, cache: PageCache | None = None
) -> dict[str, AttributeLabel]:
    """Attribute names by code (from the page cache when given: they change rarely)."""
    if cache is None:
        return await attributes.labels(session=session)
    return await cache.get(("attributes",), lambda: attributes.labels(session=session))


async def category_infos(
    *, session: AsyncSession, cache: PageCache | None = None
) -> Sequence[CategoryInfo]:
    """The active categories (from the page cache when given: they change rarely)."""
    if cache is None:
        return await catalog.list_categories(session=session)
    infos = await cache.get(("categories",), lambda: catalog.list_categories(session=session))
    return tuple(infos)


async def categories(
    *, session: AsyncSession, locale: str, cache: PageCache | None = None
) -> list[CategoryNode]:
    """The active category tree, named in ``locale``."""
    return category_tree(await category_infos(session=session, cache=cache), locale)


async def _offers(
    session: AsyncSession, bundles: Sequence[ProductBundle], channel: Channel
) -> dict[uuid.UUID, Offer]:
    variants = [v for b in bundles for v in b.variants if v.active]
    ids = [v.id for v in variants]
    prices = await pricing.prices_for_variants(
        session=session, variant_ids=ids, channel_id=channel.id
    )
    stock = await inventory.available_for_variants(session=session, variant_ids=ids)
    offers = {}
    for v in variants:
        price = prices.get(v.id)
        offers[v.id] = Offer(
            variant_id=v.id,
            sku=v.sku,
            gtin=v.gtin,
            options=dict(v.options),
            price=Money(price.amount, price.currency) if price else None,
            compare_at=(
                Money(price.compare_at_amount, price.currency)
                if price and price.compare_at_amount
                else None
            ),
            available=stock.get(v.id, 0),
        )
    return offers


def _card(summary: ProductSummary) -> ProductCard:
    image = None
    if summary.image:
        by_width = sorted(
            ((int(w), url) for w, url in summary.image.sizes.items() if str(w).isdigit()),
            key=lambda x: x[0],
        )
        if by_width:
            # The middle size is a sensible default src; srcset lets wide screens pick more.
            width, src = by_width[len(by_width) // 2]
            srcset = ", ".join(f"{url} {w}w" for w, url in by_width)
            image = Image(src, srcset, width, None, summary.image.alt or summary.name)
    price = summary.price
    return ProductCard(
        slug=summary.slug,
        name=summary.name,
        image=image,
        price=Money(price.amount, price.currency) if price else None,
        compare_at=(
            Money(price.compare_at_amount, price.currency)
            if price and price.compare_at_amount
            else None
        ),
        in_stock=summary.in_stock,
    )


async def listing(
    *, session: AsyncSession, channel: Channel, locale: str, query: SearchQuery
) -> Listing:
    """A page of product cards from the search service (search, browse or category grid)."""
    page = await search.search(session=session, channel=channel, query=query, locale=locale)
    return Listing(
        products=[_card(p) for p in page.data],
        next_cursor=page.next_cursor,
        total=page.facets.total if page.facets else None,
        corrected_query=page.corrected_query,
        facets=page.facets,
    )


async def home(
    *,
    session: AsyncSession,
    channel: Channel,
    locale: str,
    query: SearchQuery,
    cache: PageCache | None = None,
) -> tuple[list[CategoryNode], Listing]:
    """The home page: category tree and a page of products with prices."""
    tree = await categories(session=session, locale=locale, cache=cache)
    grid = await listing(session=session, channel=channel, locale=locale, query=query)
    return tree, grid


async def category_page(
    *, session: AsyncSession, channel: Channel, locale: str, slug: str, query: SearchQuery
) -> tuple[CategoryNode, list[CategoryNode], Listing]:
    """A category: itself (with subcategories), its breadcrumb and products in its subtree."""
    infos = await catalog.list_categories(session=session)
    by_slug = {c.slug: c for c in infos}
    info = by_slug.get(slug)
    if info is None:
        raise NotFound(f"category {slug!r} not found", field="category")
    by_id = {c.id: c for c in infos}
    breadcrumb = _breadcrumb(by_id, info.id, locale)
    children = [
        CategoryNode(c.slug, _category_name(c, locale))
        for c in sorted(infos, key=lambda c: (c.position, c.path))
        if c.parent_id == info.id
    ]
    node = CategoryNode(info.slug, _category_name(info, locale), children)
    # The service's category filter takes a slug and covers the whole subtree.
    scoped = query.model_copy(update={"category": info.slug})
    grid = await listing(session=session, channel=channel, locale=locale, query=scoped)
    return node, breadcrumb, grid


async def search_page(
    *, session: AsyncSession, channel: Channel, locale: str, query: SearchQuery
) -> tuple[Listing, list[CategoryNode], list[ProductCard]]:
    """Search results; when nothing matched, also root categories and the newest products,
    so a dead end still offers somewhere to go."""
    if not query.q:
        return Listing([], None, None, None), [], []
    found = await listing(session=session, channel=channel, locale=locale, query=query)
    if found.products or query.cursor:
        return found, [], []
    roots = await categories(session=session, locale=locale)
    newest = await listing(
        session=session,
        channel=channel,
        locale=locale,
        query=SearchQuery(sort="newest", limit=ALTERNATIVES, facets=False),
    )
    return found, roots, newest.products


def _breadcrumb(
    by_id: dict[uuid.UUID, CategoryInfo], category_id: uuid.UUID | None, locale: str
) -> list[CategoryNode]:
    trail: list[CategoryNode] = []
    seen: set[uuid.UUID] = set()
    while category_id is not None and category_id in by_id and category_id not in seen:
        seen.add(category_id)
        info = by_id[category_id]
        trail.append(CategoryNode(info.slug, _category_name(info, locale)))
        category_id = info.parent_id
    return list(reversed(trail))


async def product_detail(
    *,
    session: AsyncSession,
    channel: Channel,
    locale: str,
    slug: str,
    cache: PageCache | None = None,
) -> ProductDetail:
    """A product page's data, or ``NotFound`` when it is not shown in this channel."""
    bundle = await catalog.get_bundle(session=session, id_or_slug=slug)
    if bundle.slug != slug or not is_visible(bundle, channel.id):
        # Same answer as an unknown slug: hidden products must not be discoverable.
        raise NotFound(f"product {slug!r} not found", field="product")
    offers = await _offers(session, [bundle], channel)
    infos = await category_infos(session=session, cache=cache)
    name = _name(bundle, locale, channel)
    publication = bundle.publication(channel.id)
    return ProductDetail(
        slug=bundle.slug,
        name=name,
        description=rules.pick(bundle.descriptions, locale, channel.default_locale),
        brand=bundle.brand,
        breadcrumb=_breadcrumb({c.id: c for c in infos}, bundle.category_id, locale),
        images=[i for m in bundle.media if (i := _image(m, name, locale))],
        offers=[offers[v.id] for v in bundle.variants if v.id in offers],
        purchasable=bool(publication and publication.purchasable),
    )
