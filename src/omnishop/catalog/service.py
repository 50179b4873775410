"""Catalog use cases: categories, products with variants and translations, publication."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.catalog.events import CategoryChanged, ProductChanged
from omnishop.catalog.models import (
    Category,
    CategoryTranslation,
    Media,
    Product,
    ProductStatus,
    ProductTranslation,
    Publication,
    Variant,
)
from omnishop.catalog.schemas import (
    CategoryCreate,
    CategoryInfo,
    MediaInfo,
    ProductBundle,
    ProductCreate,
    PublicationIn,
    PublicationInfo,
    VariantCreate,
    VariantInfo,
)
from omnishop.kernel import outbox
from omnishop.kernel.errors import Conflict, NotFound
from omnishop.kernel.ids import slugify


async def create_category(*, session: AsyncSession, data: CategoryCreate) -> Category:
    """Add a category under ``parent_id`` (or at the root); slugs are unique."""
    if await session.scalar(select(Category.id).where(Category.slug == data.slug)):
        raise Conflict(f"category {data.slug!r} already exists", field="slug")
    path = data.slug
    if data.parent_id is not None:
        parent = await session.get(Category, data.parent_id)
        if parent is None:
            raise NotFound("parent category not found", field="parent_id")
        path = f"{parent.path}/{data.slug}"
    category = Category(
        slug=data.slug,
        parent_id=data.parent_id,
        path=path,
        position=data.position,
        external_ref=data.external_ref,
    )
    session.add(category)
    await session.flush()
    for locale, tr in data.translations.items():
        session.add(
            CategoryTranslation(
                category_id=category.id, locale=locale, name=tr.name, description=tr.description
            )
        )
    await outbox.emit(session, CategoryChanged(category_id=category.id))
    return category


async def list_categories(*, session: AsyncSession, active_only: bool = True) -> list[CategoryInfo]:
    """The category tree as a flat list ordered by path, with names per locale."""
    query = select(Category).order_by(Category.path)
    if active_only:
        query = query.where(Category.active.is_(True))
    categories = list(await session.scalars(query))
    names: dict[uuid.UUID, dict[str, str]] = defaultdict(dict)
    for tr in await session.scalars(select(CategoryTranslation)):
        names[tr.category_id][tr.locale] = tr.name
    return [
        CategoryInfo(c.id, c.parent_id, c.slug, c.path, c.position, names[c.id]) for c in categories
    ]


async def _unique_slug(session: AsyncSession, base: str) -> str:
    slug, n = base, 1
    while await session.scalar(select(Product.id).where(Product.slug == slug)):
        n += 1
        slug = f"{base[:110]}-{n}"
    return slug


async def _check_skus_free(session: AsyncSession, variants: Sequence[VariantCreate]) -> None:
    skus = [v.sku for v in variants]
    if len(set(skus)) != len(skus):
        raise Conflict("duplicate SKU in the request", field="variants")
    taken = list(await session.scalars(select(Variant.sku).where(Variant.sku.in_(skus))))
    if taken:
        raise Conflict(f"SKU already exists: {', '.join(sorted(taken))}", field="variants")


async def create_product(*, session: AsyncSession, data: ProductCreate) -> Product:
    """Create a product with its translations and variants (at least one)."""
    if data.category_id is not None and await session.get(Category, data.category_id) is None:
        raise NotFound("category not found", field="category_id")
    await _check_skus_free(session, data.variants)
    if data.slug is not None:
        if await session.scalar(select(Product.id).where(Product.slug == data.slug)):
            raise Conflict(f"product {data.slug!r} already exists", field="slug")
        slug = data.slug
    else:
        first_name = next(iter(data.translations.values())).name
        slug = await _unique_slug(session, slugify(first_name, 110))
    product = Product(
        slug=slug,
        status=ProductStatus.ACTIVE,
        category_id=data.category_id,
        brand=data.brand,
        attributes=data.attributes,
        tax_class=data.tax_class,
        external_ref=data.external_ref,
    )
    session.add(product)
    await session.flush()
    for locale, tr in data.translations.items():
        session.add(
            ProductTranslation(
                product_id=product.id, locale=locale, name=tr.name, description=tr.description
            )
        )
    for variant in data.variants:
        session.add(Variant(product_id=product.id, **variant.model_dump()))
    await session.flush()
    await outbox.emit(session, ProductChanged(product_id=product.id))
    return product


async def publish(
    *, session: AsyncSession, product_id: uuid.UUID, channel_id: uuid.UUID, data: PublicationIn
) -> Publication:
    """Show (and sell) a product in a channel; calling again updates the flags."""
    if await session.get(Product, product_id) is None:
        raise NotFound("product not found", field="product_id")
    publication = await session.get(Publication, (product_id, channel_id))
    if publication is None:
        publication = Publication(product_id=product_id, channel_id=channel_id)
        session.add(publication)
    publication.visible = data.visible
    publication.purchasable = data.purchasable
    publication.published_at = data.published_at
    await session.flush()
    await outbox.emit(session, ProductChanged(product_id=product_id))
    return publication


async def find_product_id(*, session: AsyncSession, id_or_slug: str) -> uuid.UUID:
    """Resolve a product reference (UUID or slug) to its id, or ``NotFound``."""
    try:
        product_id = uuid.UUID(id_or_slug)
    except ValueError:
        found = await session.scalar(select(Product.id).where(Product.slug == id_or_slug))
    else:
        found = await session.scalar(select(Product.id).where(Product.id == product_id))
    if found is None:
        raise NotFound(f"product {id_or_slug!r} not found", field="product")
    return found


async def all_product_ids(*, session: AsyncSession) -> list[uuid.UUID]:
    return list(await session.scalars(select(Product.id).order_by(Product.id)))


async def load_products(
    *, session: AsyncSession, product_ids: Sequence[uuid.UUID]
) -> list[ProductBundle]:
    """Load products with everything shown about them, in a fixed number of queries."""
    if not product_ids:
        return []
    ids = list(product_ids)
    products = {p.id: p for p in await session.scalars(select(Product).where(Product.id.in_(ids)))}
    names: dict[uuid.UUID, dict[str, str]] = defaultdict(dict)
    descriptions: dict[uuid.UUID, dict[str, str]] = defaultdict(dict)
    for tr in await session.scalars(
        select(ProductTranslation).where(ProductTranslation.product_id.in_(ids))
    ):
        names[tr.product_id][tr.locale] = tr.name
        if tr.description:
            descriptions[tr.product_id][tr.locale] = tr.description
    variants: dict[uuid.UUID, list[VariantInfo]] = defaultdict(list)
    for v in await session.scalars(
        select(Variant).where(Variant.product_id.in_(ids)).order_by(Variant.position, Variant.sku)
    ):
        variants[v.product_id].append(
            VariantInfo(
                v.id, v.sku, v.gtin, v.options, v.weight_grams, v.hs_code, v.position, v.active
            )
        )
    publications: dict[uuid.UUID, list[PublicationInfo]] = defaultdict(list)
    for pub in await session.scalars(select(Publication).where(Publication.product_id.in_(ids))):
        publications[pub.product_id].append(
            PublicationInfo(pub.channel_id, pub.visible, pub.purchasable, pub.published_at)
        )
    media: dict[uuid.UUID, list[MediaInfo]] = defaultdict(list)
    for m in await session.scalars(
        select(Media).where(Media.product_id.in_(ids)).order_by(Media.position)
    ):
        media[m.product_id].append(
            MediaInfo(m.id, m.variant_id, m.sizes, m.width, m.height, m.alt, m.position)
        )
    category_ids = {p.category_id for p in products.values() if p.category_id}
    paths = {
        c.id: c.path
        for c in await session.scalars(select(Category).where(Category.id.in_(category_ids)))
    }
    path_ids = await _category_ids_by_path(session, set(paths.values()))
    bundles = []
    for pid in ids:
        p = products.get(pid)
        if p is None:
            continue
        path = paths.get(p.category_id) if p.category_id else None
        bundles.append(
            ProductBundle(
                id=p.id,
                slug=p.slug,
                status=p.status,
                brand=p.brand,
                tax_class=p.tax_class,
                attributes=dict(p.attributes),
                category_id=p.category_id,
                category_ids=[path_ids[prefix] for prefix in _prefixes(path)] if path else [],
                category_path=path,
                names=names[pid],
                descriptions=descriptions[pid],
                variants=variants[pid],
                publications=publications[pid],
                media=media[pid],
                updated_at=p.updated_at,
            )
        )
    return bundles


def _prefixes(path: str) -> list[str]:
    parts = path.split("/")
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]


async def _category_ids_by_path(session: AsyncSession, paths: set[str]) -> dict[str, uuid.UUID]:
    wanted = {prefix for path in paths for prefix in _prefixes(path)}
    if not wanted:
        return {}
    rows = await session.execute(
        select(Category.path, Category.id).where(Category.path.in_(wanted))
    )
    return {path: cid for path, cid in rows.tuples()}


async def get_bundle(*, session: AsyncSession, id_or_slug: str) -> ProductBundle:
    """One product by id or slug, fully loaded."""
    product_id = await find_product_id(session=session, id_or_slug=id_or_slug)
    return (await load_products(session=session, product_ids=[product_id]))[0]
