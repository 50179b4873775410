"""Read models for storefront pages, composed from the catalog, pricing and inventory services.

No SQL here: each function loads what a page shows through the owning domains' services,
once, and hands the template plain display data.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.catalog import rules
from omnishop.catalog import service as catalog
from omnishop.catalog.schemas import CategoryInfo, MediaInfo, ProductBundle
from omnishop.channels.models import Channel
from omnishop.inventory import service as inventory
from omnishop.kernel import clock
from omnishop.kernel.errors import NotFound
from omnishop.kernel.money import Money
from omnishop.pricing import service as pricing

GRID_SIZE = 24
_SCAN_BATCH = 200


@dataclass(frozen=True)
class Image:
    src: str
    srcset: str
    width: int
    height: int
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


async def categories(*, session: AsyncSession, locale: str) -> list[CategoryNode]:
    """The active category tree, named in ``locale``."""
    return category_tree(await catalog.list_categories(session=session), locale)


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


async def cards(
    *, session: AsyncSession, bundles: Sequence[ProductBundle], channel: Channel, locale: str
) -> list[ProductCard]:
    """Grid cards: name, first image, lowest price and whether any variant is in stock."""
    offers = await _offers(session, bundles, channel)
    result = []
    for bundle in bundles:
        own = [offers[v.id] for v in bundle.variants if v.id in offers]
        priced = [o for o in own if o.price is not None]
        cheapest = min(priced, key=lambda o: o.price.amount if o.price else 0, default=None)
        name = _name(bundle, locale, channel)
        image = next((i for m in bundle.media if (i := _image(m, name, locale))), None)
        result.append(
            ProductCard(
                slug=bundle.slug,
                name=name,
                image=image,
                price=cheapest.price if cheapest else None,
                compare_at=cheapest.compare_at if cheapest else None,
                in_stock=any(o.available > 0 for o in own),
            )
        )
    return result


async def visible_bundles(
    *,
    session: AsyncSession,
    channel: Channel,
    category_id: uuid.UUID | None = None,
    limit: int = GRID_SIZE,
) -> list[ProductBundle]:
    """The first ``limit`` products shown in the channel (optionally within a category subtree).

    A stop-gap until the search service lists products: scans the catalog in batches.
    """
    found: list[ProductBundle] = []
    ids = await catalog.all_product_ids(session=session)
    for start in range(0, len(ids), _SCAN_BATCH):
        batch = await catalog.load_products(
            session=session, product_ids=ids[start : start + _SCAN_BATCH]
        )
        for bundle in batch:
            if not is_visible(bundle, channel.id):
                continue
            if category_id is not None and category_id not in bundle.category_ids:
                continue
            found.append(bundle)
            if len(found) >= limit:
                return found
    return found


async def home(
    *, session: AsyncSession, channel: Channel, locale: str
) -> tuple[list[CategoryNode], list[ProductCard]]:
    """The home page: category tree and the first grid of products with prices."""
    tree = await categories(session=session, locale=locale)
    bundles = await visible_bundles(session=session, channel=channel)
    return tree, await cards(session=session, bundles=bundles, channel=channel, locale=locale)


async def category_page(
    *, session: AsyncSession, channel: Channel, locale: str, slug: str
) -> tuple[CategoryNode, list[CategoryNode], list[ProductCard]]:
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
    bundles = await visible_bundles(session=session, channel=channel, category_id=info.id)
    grid = await cards(session=session, bundles=bundles, channel=channel, locale=locale)
    return node, breadcrumb, grid


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
    *, session: AsyncSession, channel: Channel, locale: str, slug: str
) -> ProductDetail:
    """A product page's data, or ``NotFound`` when it is not shown in this channel."""
    bundle = await catalog.get_bundle(session=session, id_or_slug=slug)
    if bundle.slug != slug or not is_visible(bundle, channel.id):
        # Same answer as an unknown slug: hidden products must not be discoverable.
        raise NotFound(f"product {slug!r} not found", field="product")
    offers = await _offers(session, [bundle], channel)
    infos = await catalog.list_categories(session=session)
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
