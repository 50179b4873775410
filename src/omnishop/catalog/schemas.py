"""Catalog input schemas (per direction) and the loaded product bundle other domains read."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

Locale = Annotated[str, Field(pattern=r"^(ru|en|ka)$")]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,119}$")]
Name = Annotated[str, StringConstraints(min_length=1, max_length=300, strip_whitespace=True)]
# Tax classes name a rate in each country's table: standard, reduced, zero, books, ...
TaxClass = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]{0,39}$")]
HsCode = Annotated[str, StringConstraints(pattern=r"^\d{6,10}$")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TranslationIn(Strict):
    name: Name
    description: Annotated[str, StringConstraints(max_length=20000)] | None = None


class CategoryCreate(Strict):
    slug: Slug
    parent_id: uuid.UUID | None = None
    position: int = 0
    translations: Annotated[dict[Locale, TranslationIn], Field(min_length=1)]
    external_ref: str | None = None


class CategoryUpdate(Strict):
    """Only the fields sent change; ``parent_id: null`` moves the category to the root."""

    slug: Slug | None = None
    parent_id: uuid.UUID | None = None
    position: int | None = None
    active: bool | None = None
    # Merged into the stored translations: locales not sent stay as they are.
    translations: dict[Locale, TranslationIn] | None = None


class VariantCreate(Strict):
    sku: Annotated[
        str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._/-]+$")
    ]
    gtin: Annotated[str, StringConstraints(pattern=r"^\d{8}$|^\d{12,14}$")] | None = None
    options: dict[Annotated[str, StringConstraints(max_length=40)], str] = Field(
        default_factory=dict
    )
    weight_grams: Annotated[int, Field(ge=0, le=10_000_000)] | None = None
    hs_code: Annotated[str, StringConstraints(pattern=r"^\d{6,12}$")] | None = None
    position: int = 0


class VariantUpdate(Strict):
    gtin: Annotated[str, StringConstraints(pattern=r"^\d{8}$|^\d{12,14}$")] | None = None
    options: dict[Annotated[str, StringConstraints(max_length=40)], str] | None = None
    weight_grams: Annotated[int, Field(ge=0, le=10_000_000)] | None = None
    hs_code: Annotated[str, StringConstraints(pattern=r"^\d{6,12}$")] | None = None
    position: int | None = None
    active: bool | None = None


class ProductCreate(Strict):
    slug: Slug | None = None  # derived from the first translation's name when absent
    category_id: uuid.UUID | None = None
    brand: Annotated[str, StringConstraints(max_length=120)] | None = None
    attributes: dict[Annotated[str, StringConstraints(max_length=60)], Any] = Field(
        default_factory=dict
    )
    tax_class: TaxClass = "standard"
    hs_code: HsCode | None = None
    translations: Annotated[dict[Locale, TranslationIn], Field(min_length=1)]
    variants: Annotated[list[VariantCreate], Field(min_length=1, max_length=500)]
    external_ref: str | None = None


class ProductUpdate(Strict):
    """Only the fields sent change; ``category_id``/``brand`` may be set to ``null``."""

    slug: Slug | None = None
    status: Literal["draft", "active"] | None = None  # archiving has its own call
    category_id: uuid.UUID | None = None
    brand: Annotated[str, StringConstraints(max_length=120)] | None = None
    attributes: dict[Annotated[str, StringConstraints(max_length=60)], Any] | None = None
    tax_class: TaxClass | None = None
    hs_code: HsCode | None = None
    # Merged into the stored translations: locales not sent stay as they are.
    translations: dict[Locale, TranslationIn] | None = None


class PublicationIn(Strict):
    visible: bool = True
    purchasable: bool = True
    published_at: AwareDatetime | None = None  # a future moment schedules the launch


@dataclass(frozen=True)
class VariantInfo:
    id: uuid.UUID
    sku: str
    gtin: str | None
    options: dict[str, Any]
    weight_grams: int | None
    hs_code: str | None
    position: int
    active: bool


@dataclass(frozen=True)
class PublicationInfo:
    channel_id: uuid.UUID
    visible: bool
    purchasable: bool
    published_at: datetime | None


@dataclass(frozen=True)
class MediaInfo:
    id: uuid.UUID
    variant_id: uuid.UUID | None
    sizes: dict[str, str]
    width: int
    height: int
    alt: dict[str, str]
    position: int


@dataclass(frozen=True)
class ProductBundle:
    """Everything about one product, loaded at once (no lazy loads in calculations)."""

    id: uuid.UUID
    slug: str
    status: str
    brand: str | None
    tax_class: str
    attributes: dict[str, Any]
    category_id: uuid.UUID | None
    # Ancestors first, the product's own category last.
    category_ids: list[uuid.UUID]
    category_path: str | None
    names: dict[str, str]  # locale → name
    descriptions: dict[str, str]
    variants: list[VariantInfo]
    publications: list[PublicationInfo]
    media: list[MediaInfo] = field(default_factory=list)
    updated_at: datetime | None = None
    hs_code: str | None = None

    def name(self, locale: str, fallback: str = "ru") -> str:
        return self.names.get(locale) or self.names.get(fallback) or next(iter(self.names.values()))

    def description(self, locale: str, fallback: str = "ru") -> str | None:
        return self.descriptions.get(locale) or self.descriptions.get(fallback)

    def publication(self, channel_id: uuid.UUID) -> PublicationInfo | None:
        return next((p for p in self.publications if p.channel_id == channel_id), None)


@dataclass(frozen=True)
class CategoryInfo:
    id: uuid.UUID
    parent_id: uuid.UUID | None
    slug: str
    path: str
    position: int
    names: dict[str, str]
    active: bool = True
