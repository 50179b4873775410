"""Deep links into the storefront: GS1 Digital Link URLs (``/01/{gtin}``, optionally with
batch ``/10/…`` and serial ``/21/…``) resolve to the product page, and visits that carry UTM
parameters (QR codes, campaign links) are recorded after the response has gone out."""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from stdnum import ean

from omnishop.catalog import lookup
from omnishop.checkout import service as checkout
from omnishop.customers import visits
from omnishop.kernel.db import unit_of_work
from omnishop.kernel.errors import DomainError, NotFound
from omnishop.kernel.logging import get_logger
from omnishop.kernel.runtime import Database
from omnishop.storefront.routes import PageRoute, SessionDep, ShopDep
from omnishop.storefront.web import CustomerDep, remember_cart, see_other

router = APIRouter(include_in_schema=False, route_class=PageRoute)
log = get_logger(__name__)
SKIP = ("/api/", "/admin", "/static/", "/sw.js", "/manifest.webmanifest", "/health")


def valid_gtin(gtin: str) -> bool:
    """GS1 check digit over GTIN-8, -12, -13 or -14 (python-stdnum)."""
    return len(gtin) in (8, 12, 13, 14) and gtin.isdigit() and bool(ean.is_valid(gtin))


async def _resolve(request: Request, session: SessionDep, gtin: str) -> RedirectResponse:
    if not valid_gtin(gtin):
        raise NotFound("not a valid GTIN", field="gtin")
    slug, sku = await lookup.product_by_gtin(session=session, gtin=gtin)
    # UTM and other parameters of the printed link travel on to the product page.
    query = urlencode([*request.query_params.multi_items(), ("sku", sku)])
    return RedirectResponse(f"/p/{slug}?{query}", status_code=307)


def preset_items(raw: str) -> list[tuple[str, int]]:
    """``SKU[:qty],…`` from a cart-preset link; malformed items are skipped, at most 20."""
    items: list[tuple[str, int]] = []
    for part in raw.split(",")[:20]:
        sku, _, qty = part.strip().partition(":")
        quantity = int(qty) if qty.isdigit() and 0 < int(qty) < 1000 else 1 if not qty else 0
        if sku and len(sku) <= 64 and quantity:
            items.append((sku, quantity))
    return items


@router.get("/cart/preset")
async def cart_preset(
    request: Request, session: SessionDep, shop: ShopDep, customer: CustomerDep
) -> RedirectResponse:
    """A cart-preset QR code: a new cart with these items (each held like any cart line),
    then the cart page. Items that cannot be had are skipped; the cart page shows the rest."""
    items = preset_items(request.query_params.get("items", ""))
    ids = await lookup.variant_ids_by_sku(session=session, skus=[sku for sku, _ in items])
    cart = await checkout.create_cart(
        session=session,
        channel=shop.channel,
        customer_id=customer.id if customer else None,
        locale=shop.locale,
    )
    skipped = 0
    for sku, quantity in items:
        if sku not in ids:
            skipped += 1
            continue
        try:
            async with session.begin_nested():
                await checkout.add_line(
                    session=session, token=cart.token, variant_id=ids[sku], quantity=quantity
                )
        except DomainError:
            skipped += 1
    response = see_other(
        "/cart",
        added="1" if skipped < len(items) else None,
        error="out_of_stock" if skipped else None,
    )
    remember_cart(request, response, cart.token)
    return response


@router.get("/01/{gtin}")
async def digital_link(request: Request, session: SessionDep, gtin: str) -> RedirectResponse:
    return await _resolve(request, session, gtin)


@router.get("/01/{gtin}/{ai}/{value}")
async def digital_link_qualified(
    request: Request, session: SessionDep, gtin: str, ai: str, value: str
) -> RedirectResponse:
    if ai not in ("10", "21", "22"):
        raise NotFound("unknown qualifier", field="ai")
    return await _resolve(request, session, gtin)


@router.get("/01/{gtin}/10/{lot}/21/{serial}")
async def digital_link_lot_serial(
    request: Request, session: SessionDep, gtin: str, lot: str, serial: str
) -> RedirectResponse:
    return await _resolve(request, session, gtin)


class VisitMiddleware:
    """Records storefront visits with UTM parameters once the response is complete, in a unit
    of work of its own: the shopper never waits for it, and a failure only loses the row."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "GET"
            or b"utm_" not in scope.get("query_string", b"")
            or str(scope["path"]).startswith(SKIP)
        ):
            await self.app(scope, receive, send)
            return
        status = 0
        # Shared with the route: one that knows better (a chat's pay link names the cart's
        # channel) sets ``request.state.visit_channel``.
        state = scope.setdefault("state", {})

        async def watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        await self.app(scope, receive, watch)
        if status >= 400:
            return
        request = Request(scope)
        try:
            database: Database = request.app.state.database
            async with unit_of_work(database.sessions) as session:
                await visits.record(
                    session=session,
                    path=request.url.path,
                    utm=dict(request.query_params),
                    channel_code=state.get("visit_channel")
                    or request.query_params.get("channel")
                    or request.cookies.get("channel"),
                    referrer_host=urlsplit(request.headers.get("referer", "")).hostname,
                )
        except Exception as exc:
            log.warning("visit.not_recorded", error=repr(exc))
