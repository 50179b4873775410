"""The storefront head (server-rendered): home, category, search and product pages.

Routes stay thin: resolve the shop context (channel, locale), call one query, render.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass
from typing import Annotated, Any, cast

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse
from fastapi.routing import APIRoute
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.catalog.rules import pick
from omnishop.channels import service as channels
from omnishop.channels.models import Channel
from omnishop.content import service as content
from omnishop.kernel.db import unit_of_work
from omnishop.kernel.errors import NotFound, ValidationFailed
from omnishop.kernel.runtime import Database
from omnishop.reviews import service as reviews
from omnishop.search.schemas import SearchQuery, Sort
from omnishop.storefront import buy_queries, csrf, filters, queries, seo
from omnishop.storefront.i18n import environment, pick_locale
from omnishop.storefront.messages import message_key
from omnishop.storefront.page_cache import page_cache

DEFAULT_CHANNEL = "web"
COOKIE_AGE = 60 * 60 * 24 * 365
PAGE_SORTS = ("name", "price_asc", "price_desc", "newest")


class PageRoute(APIRoute):
    """Turns ``NotFound`` (unknown product, hidden product, unknown channel) into the 404 page
    and ``ValidationFailed`` (a broken or stale paging cursor) into the 400 page; refuses a
    form post without this browser's CSRF token (the 403 page) before the route runs."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                await csrf.check(request)
                return await handler(request)
            except csrf.CsrfRejected:
                return forbidden(request)
            except NotFound:
                return not_found(request)
            except ValidationFailed:
                return bad_request(request)

        return guarded


router = APIRouter(include_in_schema=False, route_class=PageRoute)


WRITING_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """The request's unit of work (commit once). Forms write; so does a signed-in buyer's page
    view (the customer token's last use): those declare it up front, so SQLite queues them
    behind other writers instead of failing to upgrade a read transaction."""
    database: Database = request.app.state.database
    writes = request.method in WRITING_METHODS or "customer" in request.cookies
    async with unit_of_work(database.sessions, writes=writes) as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]


@dataclass(frozen=True)
class Shop:
    """Who is shopping where: the channel (currency, visibility) and the UI locale."""

    channel: Channel
    locale: str


async def get_shop(request: Request, session: SessionDep) -> Shop:
    """Channel from ``?channel=`` or the cookie (default ``web``); then the locale."""
    asked = request.query_params.get("channel")
    code = asked or request.cookies.get("channel") or DEFAULT_CHANNEL
    try:
        channel = await channels.get_by_code(session=session, code=code[:40])
    except NotFound:
        if asked or code == DEFAULT_CHANNEL:
            raise
        # A stale cookie (channel archived since) must not lock the shopper out.
        channel = await channels.get_by_code(session=session, code=DEFAULT_CHANNEL)
    locale = pick_locale(
        query=request.query_params.get("lang"),
        cookie=request.cookies.get("lang"),
        accept_language=request.headers.get("accept-language"),
        default=channel.default_locale,
    )
    return Shop(channel=channel, locale=locale)


ShopDep = Annotated[Shop, Depends(get_shop)]


def render(
    request: Request, locale: str, template: str, context: dict[str, Any], status: int = 200
) -> HTMLResponse:
    """Render a page in ``locale``; remember an explicit ``?lang=``/``?channel=`` in cookies."""
    context.setdefault("csrf_token", csrf.token(request))
    html = (
        environment(locale).get_template(template).render(request=request, locale=locale, **context)
    )
    response = HTMLResponse(html, status_code=status)
    csrf.remember(request, response)
    response.headers["Content-Language"] = locale
    response.headers["Vary"] = "Accept-Language, Cookie"
    if request.query_params.get("lang") == locale:
        response.set_cookie("lang", locale, max_age=COOKIE_AGE, samesite="lax")
    shop = context.get("shop")
    if isinstance(shop, Shop) and request.query_params.get("channel") == shop.channel.code:
        response.set_cookie("channel", shop.channel.code, max_age=COOKIE_AGE, samesite="lax")
    return response


def not_found(request: Request) -> HTMLResponse:
    """The friendly 404 page, in the best locale we can tell without a channel."""
    locale = pick_locale(
        query=request.query_params.get("lang"),
        cookie=request.cookies.get("lang"),
        accept_language=request.headers.get("accept-language"),
        default="ru",
    )
    return render(request, locale, "not_found.html", {}, status=404)


def forbidden(request: Request) -> HTMLResponse:
    """The friendly 403 page for a form sent without this browser's token: a page kept open
    for too long, cookies cleared, or another site posting on the buyer's behalf."""
    locale = pick_locale(
        query=request.query_params.get("lang"),
        cookie=request.cookies.get("lang"),
        accept_language=request.headers.get("accept-language"),
        default="ru",
    )
    referer = request.headers.get("referer", "")
    back = same_site_path(referer, request) or "/"
    return render(request, locale, "forbidden.html", {"back": back, "robots": "noindex"}, 403)


def same_site_path(referer: str, request: Request) -> str | None:
    """The path of a same-site Referer (where the form was), to send the buyer back to."""
    origin = f"{request.url.scheme}://{request.url.netloc}"
    if not referer.startswith(origin + "/"):
        return None
    path = referer[len(origin) :]
    return path if not path.startswith("//") and "\\" not in path else None


def bad_request(request: Request) -> HTMLResponse:
    """The friendly 400 page for an address we cannot serve (a tampered or stale cursor)."""
    locale = pick_locale(
        query=request.query_params.get("lang"),
        cookie=request.cookies.get("lang"),
        accept_language=request.headers.get("accept-language"),
        default="ru",
    )
    return render(request, locale, "bad_request.html", {}, status=400)


def listing_query(
    request: Request, *, default_sort: str | None = None, currency: str | None = None
) -> SearchQuery:
    """A grid's query from the address bar, forgiving by design: a page is reached by links
    people edit and share, so an unknown sort or a non-numeric limit falls back to the
    default instead of failing. Only a broken cursor is an error (400 page): it cannot be
    guessed. With ``currency`` (a filtered grid) also a price range and attribute values
    (see ``filters``)."""
    params = request.query_params
    chosen = filters.parse(params.multi_items(), currency)
    sort = params.get("sort") or default_sort
    limit = params.get("limit", "")
    q = (params.get("q") or "").strip()[:200]
    return SearchQuery(
        q=q or None,
        sort=cast(Sort, sort) if sort in PAGE_SORTS else None,
        in_stock=True if params.get("in_stock") in {"1", "on", "true"} else None,
        cursor=params.get("cursor") or None,
        limit=int(limit) if limit.isdigit() and 1 <= int(limit) <= 100 else queries.GRID_SIZE,
        facets=False,
        price_min=chosen.price_min,
        price_max=chosen.price_max,
        attributes=chosen.attributes,
    )


def _next_url(request: Request, cursor: str | None) -> str | None:
    return str(request.url.include_query_params(cursor=cursor)) if cursor else None


def _listing_context(request: Request, query: SearchQuery) -> dict[str, Any]:
    return {
        "sort": query.sort or "",
        "in_stock": bool(query.in_stock),
        "sorts": PAGE_SORTS,
        "keep": {k: v for k, v in request.query_params.items() if k in {"lang", "channel"}},
    }


async def _panel(
    request: Request, session: AsyncSession, shop: Shop, query: SearchQuery, grid: queries.Listing
) -> filters.Panel:
    """The filter panel of a category or search grid. Counts come from the facets the search
    already computed for the first page; attribute names from the page cache (a query only
    when the cache is cold and the listing has attributes at all)."""
    facets = grid.facets
    counted = (
        {code: [(v.value, v.count) for v in values] for code, values in facets.attributes.items()}
        if facets
        else None
    )
    labels: dict[str, filters.Label] = {}
    if counted or query.attributes:
        infos = await queries.attribute_labels(session=session, cache=page_cache(request))
        labels = {
            code: filters.Label(
                pick(info.names, shop.locale, shop.channel.default_locale) or "",
                info.filterable,
                info.position,
            )
            for code, info in infos.items()
        }
    return filters.panel(
        request.url.path,
        request.query_params.multi_items(),
        filters.Chosen(query.price_min, query.price_max, query.attributes),
        shop.channel.currency,
        counted,
        (facets.price.min, facets.price.max) if facets else (None, None),
        labels,
    )


@router.get("/", response_class=HTMLResponse)
async def home(request: Request, session: SessionDep, shop: ShopDep) -> HTMLResponse:
    query = listing_query(request)
    tree, grid = await queries.home(
        session=session,
        channel=shop.channel,
        locale=shop.locale,
        query=query,
        cache=page_cache(request),
    )
    return render(
        request,
        shop.locale,
        "home.html",
        {
            "shop": shop,
            "categories": tree,
            "listing": grid,
            "next_url": _next_url(request, grid.next_cursor),
            "alternates": seo.alternates(request.url),
            "blocks": await content.home_blocks(
                session=session,
                channel_code=shop.channel.code,
                locale=shop.locale,
                fallback_locale=shop.channel.default_locale,
            ),
            **_listing_context(request, query),
        },
    )


@router.get("/c/{slug}", response_class=HTMLResponse)
async def category(request: Request, slug: str, session: SessionDep, shop: ShopDep) -> HTMLResponse:
    currency = shop.channel.currency
    query = listing_query(request, currency=currency).model_copy(update={"q": None, "facets": True})
    node, breadcrumb, grid = await queries.category_page(
        session=session, channel=shop.channel, locale=shop.locale, slug=slug, query=query
    )
    return render(
        request,
        shop.locale,
        "category.html",
        {
            "shop": shop,
            "category": node,
            "breadcrumb": breadcrumb,
            "listing": grid,
            "next_url": _next_url(request, grid.next_cursor),
            "canonical": seo.canonical(request.url, shop.locale),
            "alternates": seo.alternates(request.url.replace(query="")),
            **_listing_context(request, query),
            "panel": await _panel(request, session, shop, query, grid),
        },
    )


@router.get("/search", response_class=HTMLResponse)
async def search(request: Request, session: SessionDep, shop: ShopDep) -> HTMLResponse:
    currency = shop.channel.currency
    query = listing_query(request, currency=currency).model_copy(update={"facets": True})
    found, roots, newest = await queries.search_page(
        session=session, channel=shop.channel, locale=shop.locale, query=query
    )
    return render(
        request,
        shop.locale,
        "search.html",
        {
            "shop": shop,
            "query": query.q or "",
            "listing": found,
            "products": found.products,
            "categories": roots,
            "newest": newest,
            "next_url": _next_url(request, found.next_cursor),
            **_listing_context(request, query),
            "panel": await _panel(request, session, shop, query, found),
            "sorts": ("relevance", *PAGE_SORTS),
        },
    )


@router.get("/p/{slug}", response_class=HTMLResponse)
async def product(request: Request, slug: str, session: SessionDep, shop: ShopDep) -> HTMLResponse:
    cache = page_cache(request)
    detail = await queries.product_detail(
        session=session, channel=shop.channel, locale=shop.locale, slug=slug, cache=cache
    )
    canonical = seo.canonical(request.url, shop.locale)
    prices = [o.price for o in detail.offers if o.price]
    cheapest = min(prices, key=lambda m: m.amount, default=None)

    async def estimate() -> list[buy_queries.Estimate]:
        return await buy_queries.delivery_estimate(
            session=session, channel=shop.channel, locale=shop.locale, subtotal=cheapest
        )

    # Per channel, locale and price: the same for every shopper (the address refines it).
    price_key = (cheapest.amount, cheapest.currency) if cheapest else None
    estimates = await cache.get(("estimate", shop.channel.id, shop.locale, price_key), estimate)
    return render(
        request,
        shop.locale,
        "product.html",
        {
            "shop": shop,
            "product": detail,
            "estimates": estimates,
            "error": message_key(request.query_params.get("error")),
            "canonical": canonical,
            "alternates": seo.alternates(request.url.replace(query="")),
            "jsonld": seo.product_jsonld(detail, canonical),
            "reviews": await reviews.product_panel(
                session=session, product_ref=slug, locale=shop.locale
            ),
        },
    )
