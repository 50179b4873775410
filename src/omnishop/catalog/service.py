"""Catalog use cases: categories, products with variants and translations, publication."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.catalog import rules
from omnishop.catalog.events import CategoryChanged, ProductChanged
from omnishop.catalog.facts import ancestry
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
    CategoryUpdate,
    MediaInfo,
    ProductBundle,
    ProductCreate,
    ProductUpdate,
    PublicationIn,
    PublicationInfo,
    VariantCreate,
    VariantInfo,
    VariantUpdate,
)
from omnishop.channels import service as channels
from omnishop.kernel import outbox
from omnishop.kernel.errors import Conflict, NotFound, ValidationFailed
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
    return [_category_info(c, names[c.id]) for c in categories]


def _category_info(c: Category, names: dict[str, str]) -> CategoryInfo:
    return CategoryInfo(c.id, c.parent_id, c.slug, c.path, c.position, names, c.active)


async def _category_names(
    session: AsyncSession, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, dict[str, str]]:
    names: dict[uuid.UUID, dict[str, str]] = defaultdict(dict)
    if ids:
        query = select(CategoryTranslation).where(CategoryTranslation.category_id.in_(list(ids)))
        for tr in await session.scalars(query):
            names[tr.category_id][tr.locale] = tr.name
    return names


async def list_categories_page(
    *, session: AsyncSession, after_path: str | None, limit: int, active_only: bool = True
) -> list[CategoryInfo]:
    """Up to ``limit`` categories ordered by path, after ``after_path`` (keyset pagination)."""
    query = select(Category).order_by(Category.path).limit(limit)
    if after_path is not None:
        query = query.where(Category.path > after_path)
    if active_only:
        query = query.where(Category.active.is_(True))
    categories = list(await session.scalars(query))
    names = await _category_names(session, [c.id for c in categories])
    return [_category_info(c, names[c.id]) for c in categories]


async def categories_by_ids(
    *, session: AsyncSession, category_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, CategoryInfo]:
    """These categories (archived included) with their names, by id; unknown ids are absent."""
    if not category_ids:
        return {}
    rows = list(await session.scalars(select(Category).where(Category.id.in_(category_ids))))
    names = await _category_names(session, [c.id for c in rows])
    return {c.id: _category_info(c, names[c.id]) for c in rows}


async def update_category(
    *, session: AsyncSession, category_id: uuid.UUID, data: CategoryUpdate
) -> CategoryInfo:
    """Rename, reorder, (de)activate or move a category; a move re-paths its whole subtree."""
    category = await session.get(Category, category_id)
    if category is None:
        raise NotFound("category not found", field="category_id")
    sent = data.model_fields_set
    if (
        data.slug is not None
        and data.slug != category.slug
        and await session.scalar(select(Category.id).where(Category.slug == data.slug))
    ):
        raise Conflict(f"category {data.slug!r} already exists", field="slug")
    parent_path: str | None = category.path.rpartition("/")[0] or None
    if "parent_id" in sent and data.parent_id != category.parent_id:
        parent_path = await _new_parent_path(session, category, data.parent_id)
        category.parent_id = data.parent_id
    slug = data.slug or category.slug
    new_path = f"{parent_path}/{slug}" if parent_path else slug
    changed = [category.id]
    if new_path != category.path:
        old_path = category.path
        subtree = await session.scalars(
            select(Category).where(Category.path.startswith(old_path + "/", autoescape=True))
        )
        for child in subtree:
            child.path = rules.moved_path(child.path, old_path, new_path)
            changed.append(child.id)
        category.path = new_path
    category.slug = slug
    if data.position is not None:
        category.position = data.position
    if data.active is not None:
        category.active = data.active
    for locale, tr in (data.translations or {}).items():
        row = await session.get(CategoryTranslation, (category.id, locale))
        if row is None:
            row = CategoryTranslation(category_id=category.id, locale=locale)
            session.add(row)
        row.name, row.description = tr.name, tr.description
    await session.flush()
    for cid in changed:  # paths of the whole subtree changed: search re-indexes each
        await outbox.emit(session, CategoryChanged(category_id=cid))
    return (await categories_by_ids(session=session, category_ids=[category.id]))[category.id]


async def _new_parent_path(
    session: AsyncSession, category: Category, parent_id: uuid.UUID | None
) -> str | None:
    if parent_id is None:
        return None
    parent = await session.get(Category, parent_id)
    if parent is None:
        raise NotFound("parent category not found", field="parent_id")
    if rules.is_within(parent.path, category.path):
        raise ValidationFailed("a category cannot move under itself", field="parent_id")
    return parent.path


async def _unique_slug(session: AsyncSession, base: str) -> str:
    slug, n = base, 1
    while await session.scalar(select(Product.id).where(Product.slug == slug)):
        n += 1
        slug = f"{base[:110]}-{n}"
    return slug


async def _check_skus_free(
    session: AsyncSession, variants: Sequence[VariantCreate], field: str = "variants"
) -> None:
    skus = [v.sku for v in variants]
    if len(set(skus)) != len(skus):
        raise Conflict("duplicate SKU in the request", field=field)
    taken = list(await session.scalars(select(Variant.sku).where(Variant.sku.in_(skus))))
    if taken:
        raise Conflict(f"SKU already exists: {', '.join(sorted(taken))}", field=field)


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
        hs_code=data.hs_code,
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
    return (
        await publish_many(
            session=session, product_ids=[product_id], channel_ids=[channel_id], data=data
        )
    )[0]


async def publish_many(
    *,
    session: AsyncSession,
    product_ids: Sequence[uuid.UUID],
    channel_ids: Sequence[uuid.UUID],
    data: PublicationIn,
) -> list[Publication]:
    """Publish every product in every channel with the same flags (upsert), at once."""
    found = set(await session.scalars(select(Product.id).where(Product.id.in_(product_ids))))
    if set(product_ids) - found:
        raise NotFound("product not found", field="product_id")
    existing = {
        (pub.product_id, pub.channel_id): pub
        for pub in await session.scalars(
            select(Publication).where(
                Publication.product_id.in_(product_ids), Publication.channel_id.in_(channel_ids)
            )
        )
    }
    written = []
    for product_id in product_ids:
        for channel_id in channel_ids:
            publication = existing.get((product_id, channel_id))
            if publication is None:
                publication = Publication(product_id=product_id, channel_id=channel_id)
                session.add(publication)
                existing[(product_id, channel_id)] = publication
            publication.visible = data.visible
            publication.purchasable = data.purchasable
            publication.published_at = data.published_at
            written.append(publication)
    await session.flush()
    for product_id in dict.fromkeys(product_ids):
        await outbox.emit(session, ProductChanged(product_id=product_id))
    return written


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
                category_ids=[path_ids[prefix] for prefix in ancestry(path)] if path else [],
                category_path=path,
                names=names[pid],
                descriptions=descriptions[pid],
                variants=variants[pid],
                publications=publications[pid],
                media=media[pid],
                updated_at=p.updated_at,
                hs_code=p.hs_code,
            )
        )
    return bundles


async def _category_ids_by_path(session: AsyncSession, paths: set[str]) -> dict[str, uuid.UUID]:
    wanted = {prefix for path in paths for prefix in ancestry(path)}
    if not wanted:
        return {}
    rows = await session.execute(
        select(Category.path, Category.id).where(Category.path.in_(wanted))
    )
    return {path: cid for path, cid in rows.all()}


async def get_bundle(*, session: AsyncSession, id_or_slug: str) -> ProductBundle:
    """One product by id or slug, fully loaded."""
    product_id = await find_product_id(session=session, id_or_slug=id_or_slug)
    return (await load_products(session=session, product_ids=[product_id]))[0]


async def _product(session: AsyncSession, product_id: uuid.UUID) -> Product:
    product = await session.get(Product, product_id)
    if product is None:
        raise NotFound("product not found", field="product_id")
    return product


async def _reload(session: AsyncSession, product_id: uuid.UUID) -> ProductBundle:
    await session.flush()
    await outbox.emit(session, ProductChanged(product_id=product_id))
    return (await load_products(session=session, product_ids=[product_id]))[0]


async def update_product(
    *, session: AsyncSession, product_id: uuid.UUID, data: ProductUpdate
) -> ProductBundle:
    """Change the fields sent; translations are merged per locale."""
    product = await _product(session, product_id)
    changes = data.model_dump(exclude_unset=True, exclude={"translations"})
    if "tax_class" in changes and changes["tax_class"] is None:
        raise ValidationFailed("tax_class cannot be null", field="tax_class")
    if changes.get("category_id") and await session.get(Category, changes["category_id"]) is None:
        raise NotFound("category not found", field="category_id")
    if "slug" in changes:
        if changes["slug"] is None:
            raise ValidationFailed("slug cannot be null", field="slug")
        taken = await session.scalar(
            select(Product.id).where(Product.slug == changes["slug"], Product.id != product_id)
        )
        if taken:
            raise Conflict(f"product {changes['slug']!r} already exists", field="slug")
    if "status" in changes and changes["status"] is None:
        raise ValidationFailed("status cannot be null", field="status")
    for name, value in changes.items():
        setattr(product, name, value)
    for locale, tr in (data.translations or {}).items():
        row = await session.get(ProductTranslation, (product_id, locale))
        if row is None:
            row = ProductTranslation(product_id=product_id, locale=locale)
            session.add(row)
        row.name, row.description = tr.name, tr.description
    return await _reload(session, product_id)


async def archive_product(*, session: AsyncSession, product_id: uuid.UUID) -> ProductBundle:
    """Withdraw a product from every channel; it stays for orders and history."""
    product = await _product(session, product_id)
    product.status = ProductStatus.ARCHIVED
    return await _reload(session, product_id)


def _variant_info(v: Variant) -> VariantInfo:
    return VariantInfo(
        v.id, v.sku, v.gtin, dict(v.options), v.weight_grams, v.hs_code, v.position, v.active
    )


async def add_variant(
    *, session: AsyncSession, product_id: uuid.UUID, data: VariantCreate
) -> VariantInfo:
    """Add a variant to a product; SKUs are unique across the catalog."""
    await _product(session, product_id)
    await _check_skus_free(session, [data], field="sku")
    variant = Variant(product_id=product_id, **data.model_dump())
    session.add(variant)
    await session.flush()
    await outbox.emit(session, ProductChanged(product_id=product_id))
    return _variant_info(variant)


async def update_variant(
    *, session: AsyncSession, variant_id: uuid.UUID, data: VariantUpdate
) -> VariantInfo:
    """Change the variant fields sent; ``active=False`` stops showing and selling it."""
    variant = await session.get(Variant, variant_id)
    if variant is None:
        raise NotFound("variant not found", field="variant_id")
    for name, value in data.model_dump(exclude_unset=True).items():
        if value is None and name in ("options", "position", "active"):
            raise ValidationFailed(f"{name} cannot be null", field=name)
        setattr(variant, name, value)
    await session.flush()
    await outbox.emit(session, ProductChanged(product_id=variant.product_id))
    return _variant_info(variant)


async def existing_variant_ids(
    *, session: AsyncSession, variant_ids: Sequence[uuid.UUID]
) -> set[uuid.UUID]:
    """Which of these variant ids exist (for other domains that key rows by variant)."""
    if not variant_ids:
        return set()
    return set(await session.scalars(select(Variant.id).where(Variant.id.in_(list(variant_ids)))))


async def set_publication(
    *, session: AsyncSession, product_id: uuid.UUID, channel_code: str, data: PublicationIn
) -> PublicationInfo:
    """Publish (or hide) a product in the channel with this code."""
    channel = await channels.get_by_code(session=session, code=channel_code, active_only=False)
    pub = await publish(session=session, product_id=product_id, channel_id=channel.id, data=data)
    return PublicationInfo(pub.channel_id, pub.visible, pub.purchasable, pub.published_at)
