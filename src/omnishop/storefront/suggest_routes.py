"""Search suggestions as you type: an HTML fragment (htmx style: HTML over the wire) of
product and category links from the search service's autocomplete, swapped in under the
search box by app.js. Without JavaScript the search form works as before."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from omnishop.search import service as search
from omnishop.storefront.routes import PageRoute, SessionDep, ShopDep, render

router = APIRouter(include_in_schema=False, route_class=PageRoute)
LIMIT = 8


@router.get("/search/suggest", response_class=HTMLResponse)
async def suggest(request: Request, session: SessionDep, shop: ShopDep) -> HTMLResponse:
    q = (request.query_params.get("q") or "").strip()[:100]
    found = (
        await search.suggest(
            session=session, channel=shop.channel, q=q, locale=shop.locale, limit=LIMIT
        )
        if len(q) >= 2
        else None
    )
    response = render(
        request,
        shop.locale,
        "_suggest.html",
        {"suggestions": found.data if found else [], "robots": "noindex"},
    )
    response.headers["Cache-Control"] = "private, max-age=60"
    return response
