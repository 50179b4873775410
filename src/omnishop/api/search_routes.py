"""Product listing and autocomplete: the search read model, per channel and locale."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import ValidationError

from omnishop.api.deps import ChannelDep, LocaleDep, SessionDep
from omnishop.api.pagination import Cursor, Limit
from omnishop.kernel.errors import ValidationFailed
from omnishop.search import service
from omnishop.search.schemas import SearchPage, SearchQuery, Sort, Suggestions

router = APIRouter(tags=["search"])
KNOWN = {
    "channel",
    "q",
    "category",
    "price_min",
    "price_max",
    "in_stock",
    "sort",
    "cursor",
    "limit",
    "facets",
}
Money = Annotated[int, Query(ge=0, le=10**15, description="Minor units of the channel currency.")]


def _attributes(request: Request) -> dict[str, list[str]]:
    """``attr.<code>=value`` parameters (repeat one for OR); any other unknown name is an error."""
    attributes: dict[str, list[str]] = {}
    for name, value in request.query_params.multi_items():
        if name.startswith("attr."):
            attributes.setdefault(name[5:], []).append(value)
        elif name not in KNOWN:
            raise ValidationFailed(f"unknown parameter {name!r}", field=name)
    return attributes


@router.get("/products")
async def list_products(
    request: Request,
    session: SessionDep,
    channel: ChannelDep,
    locale: LocaleDep,
    q: Annotated[str | None, Query(max_length=200, description="Words to search for.")] = None,
    category: Annotated[
        str | None,
        Query(min_length=1, max_length=120, description="Category id or slug (subtree)."),
    ] = None,
    price_min: Money | None = None,
    price_max: Money | None = None,
    in_stock: bool | None = None,
    sort: Annotated[Sort | None, Query(description="Default: relevance with q, else name.")] = None,
    cursor: Cursor = None,
    limit: Limit = 20,
    facets: Annotated[bool, Query(description="Count facets (first page only).")] = True,
) -> SearchPage:
    """Products shown in the channel: full-text `q` (typo tolerant), filters `category`,
    `price_min`/`price_max`, `in_stock`, `attr.<code>=value`; facet counts on the first page."""
    try:
        query = SearchQuery(
            q=q,
            category=category,
            price_min=price_min,
            price_max=price_max,
            attributes=_attributes(request),
            in_stock=in_stock,
            sort=sort,
            cursor=cursor,
            limit=limit,
            facets=facets,
        )
    except ValidationError as exc:
        error = exc.errors()[0]
        field = ".".join(str(p) for p in error["loc"])
        if field.startswith("attributes."):
            field = "attr." + field.split(".")[1]
        raise ValidationFailed(f"{field}: {error['msg']}", field=field) from exc
    return await service.search(session=session, channel=channel, query=query, locale=locale)


@router.get("/search/suggest")
async def suggest(
    session: SessionDep,
    channel: ChannelDep,
    locale: LocaleDep,
    q: Annotated[str, Query(min_length=1, max_length=100, description="What has been typed.")],
    limit: Annotated[int, Query(ge=1, le=20)] = 8,
) -> Suggestions:
    """Completions as a person types: product names and categories."""
    return await service.suggest(session=session, channel=channel, q=q, locale=locale, limit=limit)
