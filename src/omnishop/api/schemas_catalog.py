"""Read schemas of the catalog API: what buyers see in a channel and what staff see."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from omnishop.catalog.rules import pick
from omnishop.catalog.schemas import (
    CategoryInfo,
    MediaInfo,
    ProductBundle,
    VariantInfo,
)
from omnishop.channels.models import Channel
from omnishop.kernel.money import Money
from omnishop.pricing.schemas import PriceInfo

# --- public (a buyer in one channel and locale) ---


class CategoryRef(BaseModel):
    id: uuid.UUID
    slug: str
    name: str
    path: str


class CategoryPublic(BaseModel):
    id: uuid.UUID
    parent_id: uuid.UUID | None
    slug: str
    path: str
    name: str
    position: int


class MediaPublic(BaseModel):
    sizes: dict[str, str]
    width: int
    height: int
    alt: str | None


class PricePublic(BaseModel):
    amount: int
    currency: str
    compare_at_amount: int | None
    formatted: str
    compare_at_formatted: str | None


class Availability(BaseModel):
    in_stock: bool
    quantity: int


class VariantPublic(BaseModel):
    id: uuid.UUID
    sku: str
    gtin: str | None
    options: dict[str, Any]
    price: PricePublic | None  # null: not priced in this channel, so not for sale
    availability: Availability


class ProductPublic(BaseModel):
    id: uuid.UUID
    slug: str
    name: str
    description: str | None
    brand: str | None
    category: CategoryRef | None
    attributes: dict[str, Any]
    media: list[MediaPublic]
    purchasable: bool
    variants: list[VariantPublic]


def category_public(info: CategoryInfo, locale: str, channel: Channel) -> CategoryPublic:
    return CategoryPublic(
        id=info.id,
        parent_id=info.parent_id,
        slug=info.slug,
        path=info.path,
        name=pick(info.names, locale, channel.default_locale) or info.slug,
        position=info.position,
    )


def _price(info: PriceInfo, locale: str) -> PricePublic:
    compare_at = (
        Money(info.compare_at_amount, info.currency) if info.compare_at_amount is not None else None
    )
    return PricePublic(
        amount=info.amount,
        currency=info.currency,
        compare_at_amount=info.compare_at_amount,
        formatted=Money(info.amount, info.currency).format(locale),
        compare_at_formatted=compare_at.format(locale) if compare_at else None,
    )


def _variant(v: VariantInfo, price: PriceInfo | None, stock: int, locale: str) -> VariantPublic:
    return VariantPublic(
        id=v.id,
        sku=v.sku,
        gtin=v.gtin,
        options=dict(v.options),
        price=_price(price, locale) if price else None,
        availability=Availability(in_stock=stock > 0, quantity=stock),
    )


def _media(m: MediaInfo, locale: str, channel: Channel) -> MediaPublic:
    return MediaPublic(
        sizes={str(k): str(v) for k, v in m.sizes.items()},
        width=m.width,
        height=m.height,
        alt=pick(m.alt, locale, channel.default_locale),
    )


def product_public(
    bundle: ProductBundle,
    *,
    channel: Channel,
    locale: str,
    category: CategoryInfo | None,
    prices: Mapping[uuid.UUID, PriceInfo],
    stock: Mapping[uuid.UUID, int],
) -> ProductPublic:
    """A product as a buyer in ``channel`` reading ``locale`` sees it (active variants only)."""
    publication = bundle.publication(channel.id)
    name = pick(bundle.names, locale, channel.default_locale)
    return ProductPublic(
        id=bundle.id,
        slug=bundle.slug,
        name=name or next(iter(bundle.names.values()), bundle.slug),
        description=pick(bundle.descriptions, locale, channel.default_locale),
        brand=bundle.brand,
        category=CategoryRef(
            id=category.id,
            slug=category.slug,
            name=pick(category.names, locale, channel.default_locale) or category.slug,
            path=category.path,
        )
        if category
        else None,
        attributes=dict(bundle.attributes),
        media=[_media(m, locale, channel) for m in bundle.media],
        purchasable=bool(publication and publication.purchasable),
        variants=[
            _variant(v, prices.get(v.id), stock.get(v.id, 0), locale)
            for v in bundle.variants
            if v.active
        ],
    )


# --- staff ---


class TranslationRead(BaseModel):
    name: str
    description: str | None = None


class VariantRead(BaseModel):
    # Read straight off the domain's info dataclass.
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    sku: str
    gtin: str | None
    options: dict[str, Any]
    weight_grams: int | None
    hs_code: str | None
    position: int
    active: bool


class PublicationRead(BaseModel):
    # Read straight off the domain's info dataclass.
    model_config = ConfigDict(from_attributes=True)

    channel_id: uuid.UUID
    visible: bool
    purchasable: bool
    published_at: datetime | None


class ProductRead(BaseModel):
    id: uuid.UUID
    slug: str
    status: str
    category_id: uuid.UUID | None
    brand: str | None
    attributes: dict[str, Any]
    tax_class: str
    hs_code: str | None = None
    translations: dict[str, TranslationRead]
    variants: list[VariantRead]
    publications: list[PublicationRead]
    updated_at: datetime | None

    @classmethod
    def of(cls, b: ProductBundle) -> ProductRead:
        return cls(
            id=b.id,
            slug=b.slug,
            status=b.status,
            category_id=b.category_id,
            brand=b.brand,
            attributes=dict(b.attributes),
            tax_class=b.tax_class,
            hs_code=b.hs_code,
            translations={
                loc: TranslationRead(name=name, description=b.descriptions.get(loc))
                for loc, name in b.names.items()
            },
            variants=[VariantRead.model_validate(v) for v in b.variants],
            publications=[PublicationRead.model_validate(p) for p in b.publications],
            updated_at=b.updated_at,
        )


class CategoryRead(BaseModel):
    # Read straight off the domain's info dataclass.
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    parent_id: uuid.UUID | None
    slug: str
    path: str
    position: int
    active: bool
    names: dict[str, str]
