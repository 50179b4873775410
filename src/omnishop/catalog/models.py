"""Catalog tables: products, variants, the category tree, attributes, media, translations and
per-channel publication. Names and descriptions live in per-locale translation rows."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from omnishop.kernel.db import Base, IdMixin, TimestampMixin


class ProductStatus(StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    ARCHIVED = "archived"


class Category(IdMixin, TimestampMixin, Base):
    __tablename__ = "categories"

    parent_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("categories.id", ondelete="RESTRICT"), index=True
    )
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    # Materialised path of slugs ("games/ps4"): subtree filters are one prefix match.
    path: Mapped[str] = mapped_column(String(600), index=True)
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)
    external_ref: Mapped[str | None] = mapped_column(String(64), index=True)

    def __str__(self) -> str:
        return self.path


class CategoryTranslation(Base):
    __tablename__ = "category_translations"

    category_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("categories.id", ondelete="CASCADE"), primary_key=True
    )
    locale: Mapped[str] = mapped_column(String(5), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)


class Attribute(IdMixin, TimestampMixin, Base):
    """A named property (brand, platform, colour); filterable ones get facets in search."""

    __tablename__ = "attributes"

    code: Mapped[str] = mapped_column(String(60), unique=True)
    # {"ru": "Платформа", "en": "Platform", "ka": "პლატფორმა"}
    names: Mapped[dict[str, Any]]
    filterable: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(default=0)


class Product(IdMixin, TimestampMixin, Base):
    __tablename__ = "products"

    slug: Mapped[str] = mapped_column(String(120), unique=True)
    status: Mapped[str] = mapped_column(String(20), default=ProductStatus.ACTIVE)
    category_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("categories.id", ondelete="SET NULL"), index=True
    )
    brand: Mapped[str | None] = mapped_column(String(120))
    # Product-level attribute values by attribute code: {"platform": "PS4"}.
    attributes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    tax_class: Mapped[str] = mapped_column(String(40), default="standard")
    # Harmonized System code for customs (6–10 digits); a variant's own code overrides it.
    hs_code: Mapped[str | None] = mapped_column(String(10))
    external_ref: Mapped[str | None] = mapped_column(String(64), index=True)

    def __str__(self) -> str:
        return self.slug


class ProductTranslation(Base):
    __tablename__ = "product_translations"

    product_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), primary_key=True
    )
    locale: Mapped[str] = mapped_column(String(5), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)


class Variant(IdMixin, TimestampMixin, Base):
    __tablename__ = "variants"

    product_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), index=True
    )
    sku: Mapped[str] = mapped_column(String(64), unique=True)
    gtin: Mapped[str | None] = mapped_column(String(14), index=True)
    # Option values that tell variants apart: {"size": "M", "colour": "red"}.
    options: Mapped[dict[str, Any]] = mapped_column(default=dict)
    weight_grams: Mapped[int | None] = mapped_column(Integer)
    hs_code: Mapped[str | None] = mapped_column(String(12))
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)

    def __str__(self) -> str:
        return self.sku


class Media(IdMixin, TimestampMixin, Base):
    __tablename__ = "product_media"

    product_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), index=True
    )
    variant_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("variants.id", ondelete="CASCADE")
    )
    # Rendered sizes by width: {"160": url, "480": url, "960": url}.
    sizes: Mapped[dict[str, Any]]
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    # Alt text per locale: {"ru": ..., "en": ...}.
    alt: Mapped[dict[str, Any]] = mapped_column(default=dict)
    position: Mapped[int] = mapped_column(default=0)


class Publication(TimestampMixin, Base):
    """Whether a product shows (visible) and sells (purchasable) in a channel, and since when."""

    __tablename__ = "publications"

    product_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), primary_key=True
    )
    channel_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("channels.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    visible: Mapped[bool] = mapped_column(default=True)
    purchasable: Mapped[bool] = mapped_column(default=True)
    published_at: Mapped[datetime | None]
