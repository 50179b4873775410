"""The cart pages: add from the product page, see and edit the cart (plain forms: they work
without JavaScript). The cart token lives in a signed HttpOnly cookie."""

from __future__ import annotations

import uuid
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from omnishop.checkout import ownership, points, vouchers
from omnishop.checkout import service as checkout
from omnishop.checkout.errors import CartNotOpen
from omnishop.checkout.models import CartState
from omnishop.checkout.schemas import CartView
from omnishop.kernel.errors import DomainError, NotFound
from omnishop.storefront import buy_queries
from omnishop.storefront.routes import PageRoute, SessionDep, Shop, ShopDep, render
from omnishop.storefront.web import (
    CustomerDep,
    cart_token,
    error_code,
    message_key,
    remember_cart,
    remember_count,
    rollback,
    see_other,
)

router = APIRouter(include_in_schema=False, route_class=PageRoute)


async def open_cart(request: Request, session: SessionDep) -> CartView | None:
    """The buyer's cart from the cookie, if it still exists (any state)."""
    token = cart_token(request)
    if token is None:
        return None
    try:
        return await checkout.get_cart(session=session, token=token)
    except NotFound:
        return None


def _link_error(exc: DomainError) -> str:
    """The message for a pay link that cannot be taken; an idle cart given up is expired."""
    if isinstance(exc, CartNotOpen) and exc.state == CartState.ABANDONED:
        return "cart_not_found"
    return error_code(exc)


def _without_link(request: Request, locale: str) -> str:
    """The same page without the cart token (so it leaks through neither Referer nor
    history) nor the UTM tags (recorded once, by links.VisitMiddleware, for this request);
    in the chat's language unless the browser chose one."""
    keep = [
        (k, v)
        for k, v in request.query_params.multi_items()
        if k != "cart" and not k.startswith("utm_")
    ]
    if "lang" not in request.query_params and "lang" not in request.cookies:
        keep.append(("lang", locale))
    return f"{request.url.path}?{urlencode(keep)}" if keep else request.url.path


async def adopt_link(
    request: Request, session: SessionDep, customer: CustomerDep
) -> RedirectResponse | None:
    """A pay link (``?cart=<token>``, sent from a chat): this browser takes that cart (a
    cart it held before is left as it is), then the same page without the token. A cart
    that cannot be taken changes nothing and the cart page says why. None: no link."""
    token = request.query_params.get("cart")
    if token is None:
        return None
    try:
        cart = await ownership.adopt(
            session=session, token=token.strip(), customer_id=customer.id if customer else None
        )
    except DomainError as exc:
        await rollback(session)
        return see_other("/cart", error=_link_error(exc))
    # The visit the link's UTM tags record is the chat's (links.VisitMiddleware reads it).
    request.state.visit_channel = cart.channel
    response = RedirectResponse(_without_link(request, cart.locale), status_code=303)
    remember_cart(request, response, cart.token)
    remember_count(request, response, items(cart))
    return response


def _uuid(value: object) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def _quantity(value: object, *, allow_zero: bool) -> int | None:
    text = str(value or "").strip()
    if not text.isdigit() or len(text) > 7:
        return None
    quantity = int(text)
    return quantity if quantity >= (0 if allow_zero else 1) else None


@router.post("/cart/add")
async def add_to_cart(
    request: Request, session: SessionDep, shop: ShopDep, customer: CustomerDep
) -> Response:
    """Add a variant (its stock is held); back to the product page on a problem."""
    form = await request.form()
    back = str(form.get("back") or "/cart")
    if not back.startswith("/p/"):
        back = "/cart"
    variant_id = _uuid(form.get("variant_id"))
    quantity = _quantity(form.get("quantity") or "1", allow_zero=False)
    if variant_id is None or quantity is None:
        return see_other(back, error="validation_failed")
    cart = await open_cart(request, session)
    try:
        if cart is None or cart.state != CartState.OPEN or cart.channel != shop.channel.code:
            cart = await checkout.create_cart(
                session=session,
                channel=shop.channel,
                customer_id=customer.id if customer else None,
                locale=shop.locale,
            )
        cart = await checkout.add_line(
            session=session, token=cart.token, variant_id=variant_id, quantity=quantity
        )
    except DomainError as exc:
        await rollback(session)
        return see_other(back, error=error_code(exc))
    response = see_other("/cart", added="1")
    remember_cart(request, response, cart.token)
    remember_count(request, response, items(cart))
    return response


def items(cart: CartView | None) -> int:
    """Units in the cart, for the header badge."""
    return sum(line.quantity for line in cart.lines) if cart is not None else 0


@router.get("/cart", response_class=HTMLResponse)
async def cart_page(
    request: Request, session: SessionDep, shop: ShopDep, customer: CustomerDep
) -> Response:
    adopted = await adopt_link(request, session, customer)
    if adopted is not None:
        return adopted
    cart = await open_cart(request, session)
    if cart is not None and cart.state != CartState.OPEN:
        cart = None
    context = _context(request, shop, cart)
    context["signed_in"] = customer is not None and cart is not None
    response = render(request, shop.locale, "cart.html", context)
    remember_count(request, response, items(cart))
    return response


def _context(request: Request, shop: Shop, cart: CartView | None) -> dict[str, object]:
    return {
        "shop": shop,
        "cart": cart,
        "minutes_left": buy_queries.minutes_left(cart.expires_at) if cart else None,
        "error": message_key(request.query_params.get("error")),
        "added": request.query_params.get("added") == "1",
        "robots": "noindex",
        "cart_items": items(cart),
    }


@router.post("/cart/lines/{line_id}")
async def change_line(
    request: Request, line_id: str, session: SessionDep, shop: ShopDep
) -> RedirectResponse:
    """Set a line's quantity (0 removes it)."""
    form = await request.form()
    token, line = cart_token(request), _uuid(line_id)
    quantity = _quantity(form.get("quantity"), allow_zero=True)
    if token is None or line is None or quantity is None:
        return see_other("/cart", error="validation_failed")
    try:
        cart = await checkout.update_line(
            session=session, token=token, line_id=line, quantity=quantity
        )
    except DomainError as exc:
        await rollback(session)
        return see_other("/cart", error=error_code(exc))
    response = see_other("/cart")
    remember_count(request, response, items(cart))
    return response


@router.post("/cart/lines/{line_id}/remove")
async def remove_line(request: Request, line_id: str, session: SessionDep) -> RedirectResponse:
    token, line = cart_token(request), _uuid(line_id)
    if token is None or line is None:
        return see_other("/cart", error="validation_failed")
    try:
        cart = await checkout.remove_line(session=session, token=token, line_id=line)
    except DomainError as exc:
        await rollback(session)
        return see_other("/cart", error=error_code(exc))
    response = see_other("/cart")
    remember_count(request, response, items(cart))
    return response


@router.post("/cart/vouchers")
async def add_voucher(request: Request, session: SessionDep) -> RedirectResponse:
    """Put a voucher code on the cart; what it gives (or why not) shows in the totals."""
    form = await request.form()
    token, code = cart_token(request), str(form.get("code") or "").strip()[:60]
    if token is None or not code:
        return see_other("/cart", error="validation_failed")
    try:
        await vouchers.apply_voucher(session=session, token=token, code=code)
    except DomainError as exc:
        await rollback(session)
        return see_other("/cart", error=error_code(exc))
    return see_other("/cart")


@router.post("/cart/vouchers/remove")
async def remove_voucher(request: Request, session: SessionDep) -> RedirectResponse:
    form = await request.form()
    token, code = cart_token(request), str(form.get("code") or "").strip()[:60]
    if token is None or not code:
        return see_other("/cart", error="validation_failed")
    try:
        await vouchers.remove_voucher(session=session, token=token, code=code)
    except DomainError as exc:
        await rollback(session)
        return see_other("/cart", error=error_code(exc))
    return see_other("/cart")


@router.post("/cart/points")
async def spend_points(
    request: Request, session: SessionDep, customer: CustomerDep
) -> RedirectResponse:
    """Spend loyalty points on the cart (signed-in owner only); 0 spends none."""
    form = await request.form()
    token = cart_token(request)
    amount = _quantity(form.get("points"), allow_zero=True)
    if token is None or customer is None or amount is None:
        return see_other("/cart", error="validation_failed")
    try:
        if amount:
            await points.use_points(
                session=session, token=token, customer_id=customer.id, points=amount
            )
        else:
            await points.drop_points(session=session, token=token, customer_id=customer.id)
    except DomainError as exc:
        await rollback(session)
        return see_other("/cart", error=error_code(exc))
    return see_other("/cart")
