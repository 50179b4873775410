"""Search input (a query with filters) and output (product summaries, facets, suggestions)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Sort = Literal["relevance", "price_asc", "price_desc", "newest", "name"]
AttrCode = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,60}$")]
AttrValue = Annotated[str, StringConstraints(min_length=1, max_length=200)]


class SearchQuery(BaseModel):
    """What a listing asks for. Without ``q`` it is a browse listing (default sort: name)."""

    model_config = ConfigDict(extra="forbid")

    q: Annotated[str, StringConstraints(max_length=200, strip_whitespace=True)] | None = None
    category: Annotated[str, StringConstraints(min_length=1, max_length=120)] | None = None
    price_min: Annotated[int, Field(ge=0, le=10**15)] | None = None
    price_max: Annotated[int, Field(ge=0, le=10**15)] | None = None
    attributes: dict[AttrCode, Annotated[list[AttrValue], Field(min_length=1, max_length=20)]] = (
        Field(default_factory=dict, max_length=20)
    )
    in_stock: bool | None = None
    sort: Sort | None = None  # relevance when there is a query, else name
    cursor: Annotated[str, StringConstraints(max_length=500)] | None = None
    limit: Annotated[int, Field(ge=1, le=100)] = 20
    facets: bool = True


@dataclass(frozen=True)
class DocumentIn:
    """One search document as the indexer writes it (built from catalog bundles or, in the
    relevance benchmark, straight from titles)."""

    product_id: uuid.UUID
    channel_id: uuid.UUID
    slug: str
    names: dict[str, str]
    currency: str
    updated_at: datetime
    descriptions: dict[str, str] = field(default_factory=dict)
    extra_text: list[str] = field(default_factory=list)  # brand, category names, attributes
    category_id: uuid.UUID | None = None
    category: dict[str, Any] | None = None
    category_chain: list[tuple[uuid.UUID, str]] = field(default_factory=list)  # (id, slug)
    attributes: dict[str, list[str]] = field(default_factory=dict)
    image: dict[str, Any] | None = None
    price_min: int | None = None
    price_max: int | None = None
    compare_at: int | None = None
    in_stock: bool = False
    purchasable: bool = True
    popularity: int = 0
    published_at: datetime | None = None
    sort_names: dict[str, str] = field(default_factory=dict)  # locale → lower-cased name
    variant_ids: list[uuid.UUID] = field(default_factory=list)


class PriceSummary(BaseModel):
    amount: int
    currency: str
    compare_at_amount: int | None
    formatted: str


class CategorySummary(BaseModel):
    id: uuid.UUID
    slug: str
    name: str


class ImageSummary(BaseModel):
    sizes: dict[str, str]
    alt: str | None


class ProductSummary(BaseModel):
    """A product in a listing: what a buyer in one channel and locale sees on a card."""

    id: uuid.UUID
    slug: str
    name: str
    category: CategorySummary | None
    price: PriceSummary | None  # null: not priced in this channel
    in_stock: bool
    image: ImageSummary | None


class FacetValue(BaseModel):
    value: str
    count: int


class CategoryFacet(BaseModel):
    id: uuid.UUID
    slug: str
    name: str
    count: int


class PriceRange(BaseModel):
    min: int | None
    max: int | None
    currency: str


class Facets(BaseModel):
    """Counts over the whole filtered result set, not only the page."""

    total: int
    in_stock: int
    price: PriceRange
    categories: list[CategoryFacet]
    attributes: dict[str, list[FacetValue]]


class SearchPage(BaseModel):
    data: list[ProductSummary]
    next_cursor: str | None = None
    facets: Facets | None = None
    corrected_query: str | None = None  # "did you mean": the query as it was searched


class Suggestion(BaseModel):
    kind: Literal["product", "category"]
    text: str
    id: uuid.UUID
    slug: str


class Suggestions(BaseModel):
    data: list[Suggestion]
