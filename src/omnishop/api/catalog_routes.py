"""Catalog API: a product and the category tree as buyers see them; staff edits behind scopes."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Path

from omnishop.api.auth import require_scope
from omnishop.api.deps import ChannelDep, LocaleDep, SessionDep
from omnishop.api.pagination import Cursor, Limit, Page, decode_cursor, encode_cursor
from omnishop.api.schemas_catalog import (
    CategoryPublic,
    CategoryRead,
    ProductPublic,
    ProductRead,
    PublicationRead,
    VariantRead,
    category_public,
    product_public,
)
from omnishop.catalog import rules
from omnishop.catalog import service as catalog
from omnishop.catalog.schemas import (
    CategoryCreate,
    CategoryUpdate,
    ProductCreate,
    ProductUpdate,
    PublicationIn,
    VariantCreate,
    VariantUpdate,
)
from omnishop.inventory import service as inventory
from omnishop.kernel import clock
from omnishop.kernel.errors import NotFound, ValidationFailed
from omnishop.pricing import service as pricing

router = APIRouter(tags=["catalog"])
write = [Depends(require_scope("catalog:write"))]
ProductRef = Annotated[str, Path(min_length=1, max_length=120, description="Product id or slug.")]
ChannelCode = Annotated[str, Path(min_length=1, max_length=40)]


@router.get("/products/{id_or_slug}")
async def get_product(
    session: SessionDep, channel: ChannelDep, locale: LocaleDep, id_or_slug: ProductRef
) -> ProductPublic:
    """A product published in the channel, with its variants' prices and availability."""
    bundle = await catalog.get_bundle(session=session, id_or_slug=id_or_slug)
    if not rules.is_visible(bundle, channel.id, clock.now()):
        # Same answer as an unknown product: hidden ones must not be discoverable.
        raise NotFound(f"product {id_or_slug!r} not found", field="product")
    variant_ids = [v.id for v in bundle.variants if v.active]
    categories = await catalog.categories_by_ids(
        session=session, category_ids=[bundle.category_id] if bundle.category_id else []
    )
    prices = await pricing.prices_for_variants(
        session=session, variant_ids=variant_ids, channel_id=channel.id
    )
    stock = await inventory.available_for_variants(session=session, variant_ids=variant_ids)
    return product_public(
        bundle,
        channel=channel,
        locale=locale,
        category=categories.get(bundle.category_id) if bundle.category_id else None,
        prices=prices,
        stock=stock,
    )


@router.get("/categories")
async def list_categories(
    session: SessionDep,
    channel: ChannelDep,
    locale: LocaleDep,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> Page[CategoryPublic]:
    """The active category tree as a flat list in path order (parents before children)."""
    after = decode_cursor(cursor)
    after_path = after.get("path") if after else None
    if after is not None and not isinstance(after_path, str):
        raise ValidationFailed("malformed cursor", field="cursor")
    # One extra row tells whether another page exists without a count query.
    rows = await catalog.list_categories_page(
        session=session, after_path=after_path, limit=limit + 1
    )
    page = rows[:limit]
    next_cursor = encode_cursor({"path": page[-1].path}) if len(rows) > limit else None
    return Page(data=[category_public(c, locale, channel) for c in page], next_cursor=next_cursor)


# --- staff ---


@router.post("/products", status_code=201, dependencies=write)
async def create_product(session: SessionDep, body: ProductCreate) -> ProductRead:
    """Create a product with translations and variants (not yet published anywhere)."""
    product = await catalog.create_product(session=session, data=body)
    return ProductRead.of(await catalog.get_bundle(session=session, id_or_slug=str(product.id)))


@router.patch("/products/{product_id}", dependencies=write)
async def update_product(
    session: SessionDep, product_id: uuid.UUID, body: ProductUpdate
) -> ProductRead:
    """Change the fields sent; translations merge per locale."""
    bundle = await catalog.update_product(session=session, product_id=product_id, data=body)
    return ProductRead.of(bundle)


@router.post("/products/{product_id}/archive", dependencies=write)
async def archive_product(session: SessionDep, product_id: uuid.UUID) -> ProductRead:
    """Withdraw a product from every channel."""
    return ProductRead.of(await catalog.archive_product(session=session, product_id=product_id))


@router.post("/products/{product_id}/variants", status_code=201, dependencies=write)
async def add_variant(
    session: SessionDep, product_id: uuid.UUID, body: VariantCreate
) -> VariantRead:
    variant = await catalog.add_variant(session=session, product_id=product_id, data=body)
    return VariantRead.model_validate(variant)


@router.patch("/variants/{variant_id}", dependencies=write)
async def update_variant(
    session: SessionDep, variant_id: uuid.UUID, body: VariantUpdate
) -> VariantRead:
    variant = await catalog.update_variant(session=session, variant_id=variant_id, data=body)
    return VariantRead.model_validate(variant)


@router.put("/products/{product_id}/publications/{channel}", dependencies=write)
async def set_publication(
    session: SessionDep, product_id: uuid.UUID, channel: ChannelCode, body: PublicationIn
) -> PublicationRead:
    """Show and sell a product in a channel (or hide it); a future `published_at` schedules it."""
    publication = await catalog.set_publication(
        session=session, product_id=product_id, channel_code=channel, data=body
    )
    return PublicationRead.model_validate(publication)


@router.post("/categories", status_code=201, dependencies=write)
async def create_category(session: SessionDep, body: CategoryCreate) -> CategoryRead:
    category = await catalog.create_category(session=session, data=body)
    infos = await catalog.categories_by_ids(session=session, category_ids=[category.id])
    return CategoryRead.model_validate(infos[category.id])


@router.patch("/categories/{category_id}", dependencies=write)
async def update_category(
    session: SessionDep, category_id: uuid.UUID, body: CategoryUpdate
) -> CategoryRead:
    """Rename, reorder, (de)activate or move a category (`parent_id: null` → the root)."""
    info = await catalog.update_category(session=session, category_id=category_id, data=body)
    return CategoryRead.model_validate(info)
