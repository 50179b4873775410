"""Storefront routes of the installable app: manifest, service worker, offline page, static
assets, web push opt-in/out, and the files search engines ask for (robots.txt, sitemap.xml)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Body, Request
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from omnishop.customers import push
from omnishop.kernel.errors import NotFound, ValidationFailed
from omnishop.orders import service as orders
from omnishop.search.schemas import SearchQuery
from omnishop.storefront import pwa, queries, suggest_routes
from omnishop.storefront.i18n import TEMPLATES, pick_locale
from omnishop.storefront.routes import PageRoute, SessionDep, ShopDep, render
from omnishop.storefront.web import CustomerDep, settings_of

router = APIRouter(include_in_schema=False, route_class=PageRoute)
router.include_router(suggest_routes.router)
YEAR = "public, max-age=31536000, immutable"
SITEMAP_LIMIT = 5000


def _locale(request: Request) -> str:
    return pick_locale(
        query=request.query_params.get("lang"),
        cookie=request.cookies.get("lang"),
        accept_language=request.headers.get("accept-language"),
        default=settings_of(request).default_locale,
    )


@router.get("/manifest.webmanifest")
async def manifest(request: Request) -> Response:
    return JSONResponse(
        pwa.manifest(_locale(request)),
        media_type="application/manifest+json",
        headers={"Cache-Control": "public, max-age=3600", "Vary": "Accept-Language, Cookie"},
    )


@router.get("/sw.js")
async def service_worker(request: Request) -> Response:
    # Served from the root so its scope is the whole shop; never cached by HTTP, so a new
    # version is picked up on the next navigation.
    source = (TEMPLATES / "sw.js").read_text()
    body = source.replace("__CONFIG__", pwa.worker_config(_locale(request)), 1)
    return Response(
        body,
        media_type="text/javascript",
        headers={"Cache-Control": "no-cache", "Service-Worker-Allowed": "/"},
    )


@router.get("/static/{name:path}")
async def static(name: str, request: Request) -> Response:
    try:
        data, media, digest = pwa.asset(name)
    except FileNotFoundError as exc:
        raise NotFound("no such file", field="name") from exc
    versioned = request.query_params.get("v") == digest
    return Response(
        data,
        media_type=media,
        headers={"Cache-Control": YEAR if versioned else "public, max-age=300", "ETag": digest},
    )


@router.get("/offline", response_class=HTMLResponse)
async def offline(request: Request) -> HTMLResponse:
    """What the service worker shows when a page is neither online nor cached (and, with
    ``?cart=1``, when a cart change was refused offline)."""
    locale = _locale(request)
    return render(
        request, locale, "offline.html", {"cart": request.query_params.get("cart") == "1"}
    )


class PushKeys(BaseModel):
    model_config = ConfigDict(extra="forbid")
    p256dh: str = Field(max_length=200)
    auth: str = Field(max_length=100)


class PushSubscriptionIn(BaseModel):
    """What ``PushSubscription.toJSON()`` gives, plus the order whose page asked."""

    model_config = ConfigDict(extra="forbid")
    endpoint: str = Field(max_length=1000)
    keys: PushKeys
    expirationTime: float | None = None
    order: str | None = Field(default=None, max_length=100)


class PushSubscriptionOut(BaseModel):
    model_config = ConfigDict(extra="forbid")
    endpoint: str = Field(max_length=1000)


def _problem(status: int, detail: str) -> JSONResponse:
    return JSONResponse(
        {"type": "about:blank", "status": status, "detail": detail},
        status_code=status,
        media_type="application/problem+json",
    )


@router.post("/push/subscribe")
async def push_subscribe(
    request: Request,
    session: SessionDep,
    customer: CustomerDep,
    data: Annotated[PushSubscriptionIn, Body()],
) -> Response:
    """Opt this browser in to order status pushes (its order's, and its customer's)."""
    order_id: uuid.UUID | None = None
    try:
        if data.order:
            order_id = (await orders.get_by_token(session=session, token=data.order)).id
        await push.subscribe(
            session=session,
            endpoint=data.endpoint,
            p256dh=data.keys.p256dh,
            auth=data.keys.auth,
            locale=_locale(request),
            customer_id=customer.id if customer else None,
            order_id=order_id,
            allow_http_localhost=settings_of(request).push_allow_http_localhost,
        )
    except (ValidationFailed, NotFound) as exc:
        await session.rollback()
        return _problem(422 if isinstance(exc, ValidationFailed) else 404, exc.detail)
    return Response(status_code=204)


@router.post("/push/unsubscribe")
async def push_unsubscribe(
    session: SessionDep, data: Annotated[PushSubscriptionOut, Body()]
) -> Response:
    await push.unsubscribe(session=session, endpoint=data.endpoint)
    return Response(status_code=204)


@router.get("/robots.txt", response_class=PlainTextResponse)
async def robots(request: Request) -> PlainTextResponse:
    base = settings_of(request).base_url.rstrip("/")
    lines = [
        "User-agent: *",
        "Allow: /",
        *(
            f"Disallow: {p}"
            # Cart and checkout stay crawlable: without a cart they only redirect, and a
            # blocked checkout costs its Lighthouse SEO score for nothing.
            for p in (
                "/account",
                "/order/",
                "/search",
                "/push/",
                "/tg",
                "/admin",
                "/api/",
            )
        ),
        f"Sitemap: {base}/sitemap.xml",
        "",
    ]
    return PlainTextResponse("\n".join(lines), headers={"Cache-Control": "public, max-age=3600"})


@router.get("/sitemap.xml")
async def sitemap(request: Request, session: SessionDep, shop: ShopDep) -> Response:
    """Home, every category and every product shown in the channel, each with its hreflang
    alternates (one URL per locale)."""
    base = settings_of(request).base_url.rstrip("/")
    paths = ["/"]
    for root in await queries.categories(session=session, locale=shop.locale):
        stack = [root]
        while stack:
            node = stack.pop()
            paths.append(f"/c/{node.slug}")
            stack.extend(node.children)
    cursor: str | None = None
    while len(paths) < SITEMAP_LIMIT:
        page = await queries.listing(
            session=session,
            channel=shop.channel,
            locale=shop.locale,
            query=SearchQuery(sort="name", limit=100, cursor=cursor, facets=False),
        )
        paths.extend(f"/p/{card.slug}" for card in page.products)
        cursor = page.next_cursor
        if not cursor:
            break
    body = render(
        request, shop.locale, "sitemap.xml", {"base": base, "paths": paths[:SITEMAP_LIMIT]}
    )
    return Response(
        body.body,
        media_type="application/xml",
        headers={"Cache-Control": "public, max-age=3600"},
    )
