"""The storefront head (server-rendered): home, category and product pages.

Routes stay thin: resolve the shop context (channel, locale), call one query, render.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse
from fastapi.routing import APIRoute
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.channels import service as channels
from omnishop.channels.models import Channel
from omnishop.kernel.errors import NotFound
from omnishop.kernel.runtime import Database
from omnishop.storefront import queries, seo
from omnishop.storefront.i18n import environment, pick_locale

DEFAULT_CHANNEL = "web"
COOKIE_AGE = 60 * 60 * 24 * 365


class PageRoute(APIRoute):
    """Turns ``NotFound`` (unknown product, hidden product, unknown channel) into the 404 page."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                return await handler(request)
            except NotFound:
                return not_found(request)

        return guarded


router = APIRouter(include_in_schema=False, route_class=PageRoute)


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """The request's unit of work (pages only read, but the rule is the same: commit once)."""
    database: Database = request.app.state.database
    async with database.sessions() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise


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
    html = (
        environment(locale).get_template(template).render(request=request, locale=locale, **context)
    )
    response = HTMLResponse(html, status_code=status)
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


@router.get("/", response_class=HTMLResponse)
async def home(request: Request, session: SessionDep, shop: ShopDep) -> HTMLResponse:
    tree, grid = await queries.home(session=session, channel=shop.channel, locale=shop.locale)
    return render(
        request,
        shop.locale,
        "home.html",
        {
            "shop": shop,
            "categories": tree,
            "products": grid,
            "alternates": seo.alternates(request.url),
        },
    )


@router.get("/c/{slug}", response_class=HTMLResponse)
async def category(request: Request, slug: str, session: SessionDep, shop: ShopDep) -> HTMLResponse:
    node, breadcrumb, grid = await queries.category_page(
        session=session, channel=shop.channel, locale=shop.locale, slug=slug
    )
    return render(
        request,
        shop.locale,
        "category.html",
        {
            "shop": shop,
            "category": node,
            "breadcrumb": breadcrumb,
            "products": grid,
            "canonical": seo.localized_url(request.url, shop.locale),
            "alternates": seo.alternates(request.url),
        },
    )


@router.get("/p/{slug}", response_class=HTMLResponse)
async def product(request: Request, slug: str, session: SessionDep, shop: ShopDep) -> HTMLResponse:
    detail = await queries.product_detail(
        session=session, channel=shop.channel, locale=shop.locale, slug=slug
    )
    canonical = seo.localized_url(request.url.replace(query=""), shop.locale)
    return render(
        request,
        shop.locale,
        "product.html",
        {
            "shop": shop,
            "product": detail,
            "canonical": canonical,
            "alternates": seo.alternates(request.url.replace(query="")),
            "jsonld": seo.product_jsonld(detail, canonical),
        },
    )
