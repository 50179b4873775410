"""The "in stores" fragment of a product page: where the variant can be had in person, nearest
first ("3 left at Tverskaya st."), loaded by htmx once the page knows the shopper's position."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from omnishop.catalog.service import find_product_id
from omnishop.inventory import availability
from omnishop.kernel.errors import NotFound, ValidationFailed
from omnishop.storefront.routes import PageRoute, SessionDep, ShopDep, render

router = APIRouter(include_in_schema=False, route_class=PageRoute)
MAX_STORES = 5


def _number(raw: str | None, low: float, high: float) -> float | None:
    try:
        value = float(raw) if raw not in (None, "") else None
    except ValueError:
        return None
    return value if value is not None and low <= value <= high else None


@router.get("/p/{slug}/stores", response_class=HTMLResponse)
async def stores(request: Request, slug: str, session: SessionDep, shop: ShopDep) -> HTMLResponse:
    """``?variant=<id>&lat=..&lon=..``: the stores with this variant (without a position, by
    the shop's order). A position that does not parse is ignored, not an error."""
    await find_product_id(session=session, id_or_slug=slug)  # 404 page for an unknown product
    try:
        variant_id = uuid.UUID(request.query_params.get("variant", ""))
    except ValueError as exc:
        raise ValidationFailed("variant is required", field="variant") from exc
    lat = _number(request.query_params.get("lat"), -90, 90)
    lon = _number(request.query_params.get("lon"), -180, 180)
    near = (lat, lon) if lat is not None and lon is not None else None
    try:
        found = await availability.store_stock(
            session=session, variant_id=variant_id, channel=shop.channel, near=near
        )
    except NotFound:
        found = []
    # htmx swaps the fragment into the product page; a plain visit gets a whole page.
    template = "_stores.html" if request.headers.get("HX-Request") else "stores.html"
    return render(
        request,
        shop.locale,
        template,
        {"shop": shop, "slug": slug, "stores": found[:MAX_STORES], "robots": "noindex"},
    )
