"""Checkout in three steps — (1) contact and address or pickup, (2) delivery, (3) payment —
then the order page (confirmation, status and tracking, by the order's token).

The card is tokenised in the browser against the PSP; this server only ever sees the token.
A payment that needs the buyer (3-D Secure, a bank app) sends them to the PSP's page, which
returns to ``/checkout/return``.
"""

from __future__ import annotations

import contextlib
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from omnishop.checkout import completion, resume
from omnishop.checkout import service as checkout
from omnishop.checkout.models import CartState
from omnishop.checkout.schemas import CartUpdate, CartView
from omnishop.customers import accounts
from omnishop.customers.models import Customer
from omnishop.kernel.db import unit_of_work
from omnishop.kernel.errors import DomainError, NotFound
from omnishop.kernel.money import Money
from omnishop.kernel.runtime import Database
from omnishop.orders import service as orders
from omnishop.orders.schemas import OrderInfo
from omnishop.payments.sandbox.settings import get_settings as psp_settings
from omnishop.payments.schemas import PaymentInput
from omnishop.payments.service import customer_ref
from omnishop.storefront.cart_routes import adopt_link, open_cart
from omnishop.storefront.routes import PageRoute, SessionDep, Shop, ShopDep, render
from omnishop.storefront.web import (
    CART_COOKIE,
    CART_COUNT_COOKIE,
    CustomerDep,
    error_code,
    message_key,
    rollback,
    see_other,
    settings_of,
)

router = APIRouter(include_in_schema=False, route_class=PageRoute)
COUNTRIES = ("RU", "GE", "DE", "FR", "IT", "ES", "NL", "PL")
STEPS = ("contact", "delivery", "payment")


def _page(request: Request, shop: Shop, template: str, **context: Any) -> HTMLResponse:
    return render(
        request,
        shop.locale,
        template,
        {
            "shop": shop,
            "error": message_key(request.query_params.get("error")),
            # Checkout steps carry no noindex (Lighthouse's crawlability audit, and no need):
            # they render only for a browser holding a cart; a crawler has none and gets a
            # 303 to /cart, so nothing of them can be indexed. The canonical names /cart
            # should a checkout address ever be linked. Order pages (private token links)
            # stay noindex: see order_page.
            "canonical": str(request.url.replace(path="/cart", query="", fragment="")),
            "steps": STEPS,
            "Money": Money,
            **context,
        },
    )


def _field(form: Any, name: str, limit: int = 200) -> str | None:
    value = form.get(name)
    text = value.strip()[:limit] if isinstance(value, str) else ""
    return text or None


async def _buying_cart(request: Request, session: SessionDep) -> CartView | None:
    cart = await open_cart(request, session)
    return cart if cart is not None and cart.state == CartState.OPEN and cart.lines else None


@router.get("/checkout", response_class=HTMLResponse)
async def contact_step(
    request: Request, session: SessionDep, shop: ShopDep, customer: CustomerDep
) -> Response:
    adopted = await adopt_link(request, session, customer)
    if adopted is not None:
        return adopted
    cart = await _buying_cart(request, session)
    if cart is None:
        return see_other("/cart")
    address = dict(cart.shipping_address or {})
    if not address and customer is not None:
        book = await accounts.addresses(session=session, customer_id=customer.id)
        if book:
            first = book[0]
            address = {k: getattr(first, k) for k in ("recipient", "country", "region", "city",
                                                       "postcode", "line1", "phone")}  # fmt: skip
    delivery = cart.delivery or {}
    return _page(
        request,
        shop,
        "checkout_contact.html",
        step="contact",
        cart=cart,
        address=address,
        email=cart.email or (customer.email if customer else None) or "",
        phone=cart.phone or (customer.phone if customer else None) or "",
        mode="pickup" if delivery.get("kind") == "pickup" else "shipping",
        countries=COUNTRIES,
        default_country=shop.channel.country or "RU",
    )


@router.post("/checkout")
async def save_contact(request: Request, session: SessionDep) -> RedirectResponse:
    """Step 1: contact, and the address when the buyer wants delivery."""
    cart = await _buying_cart(request, session)
    if cart is None:
        return see_other("/cart")
    form = await request.form()
    mode = "pickup" if form.get("mode") == "pickup" else "shipping"
    data: dict[str, Any] = {"email": _field(form, "email", 254), "phone": _field(form, "phone", 40)}
    if mode == "shipping":
        data["shipping_address"] = {
            "recipient": _field(form, "recipient"),
            "phone": _field(form, "phone", 40),
            "country": _field(form, "country", 2) or "",
            "region": _field(form, "region"),
            "city": _field(form, "city"),
            "postcode": _field(form, "postcode", 20),
            "line1": _field(form, "line1", 300),
        }
    if not data["email"] and not data["phone"]:
        return see_other("/checkout", error="validation_failed")
    try:
        update = CartUpdate.model_validate(data)
        await checkout.update_cart(session=session, token=cart.token, data=update)
    except ValidationError:
        return see_other("/checkout", error="validation_failed")
    except DomainError as exc:
        await rollback(session)
        return see_other("/checkout", error=error_code(exc))
    return see_other("/checkout/delivery", mode=mode)


@router.get("/checkout/delivery", response_class=HTMLResponse)
async def delivery_step(request: Request, session: SessionDep, shop: ShopDep) -> Response:
    cart = await _buying_cart(request, session)
    if cart is None:
        return see_other("/cart")
    if not (cart.email or cart.phone):
        return see_other("/checkout")
    options = await checkout.delivery_options(session=session, token=cart.token)
    mode = request.query_params.get("mode")
    if mode not in {"pickup", "shipping"}:
        mode = "pickup" if (cart.delivery or {}).get("kind") == "pickup" else "shipping"
    return _page(
        request,
        shop,
        "checkout_delivery.html",
        step="delivery",
        cart=cart,
        options=options,
        mode=mode,
        chosen=cart.delivery or {},
    )


@router.post("/checkout/delivery")
async def save_delivery(request: Request, session: SessionDep) -> RedirectResponse:
    """Step 2: ``choice`` is ``shipping:<method>`` or ``pickup:<location id>``."""
    cart = await _buying_cart(request, session)
    if cart is None:
        return see_other("/cart")
    form = await request.form()
    kind, _, value = str(form.get("choice") or "").partition(":")
    mode = "pickup" if kind == "pickup" else "shipping"
    choice: dict[str, Any]
    if kind == "shipping":
        choice = {"kind": "shipping", "method": value}
    elif kind == "pickup":
        choice = {"kind": "pickup", "location_id": value}
    else:
        return see_other("/checkout/delivery", mode=mode, error="validation_failed")
    try:
        update = CartUpdate.model_validate({"delivery": choice})
        await checkout.update_cart(session=session, token=cart.token, data=update)
    except ValidationError:
        return see_other("/checkout/delivery", mode=mode, error="validation_failed")
    except DomainError as exc:
        await rollback(session)
        return see_other("/checkout/delivery", mode=mode, error=error_code(exc))
    return see_other("/checkout/payment")


@router.get("/checkout/payment", response_class=HTMLResponse)
async def payment_step(
    request: Request, session: SessionDep, shop: ShopDep, customer: CustomerDep
) -> Response:
    cart = await _buying_cart(request, session)
    if cart is None:
        return see_other("/cart")
    if not cart.delivery:
        return see_other("/checkout/delivery")
    saved = []
    if customer is not None:
        saved = await accounts.cards(session=session, customer_id=customer.id)
    saved = [c for c in saved if not accounts.expired(c)]
    return _page(
        request,
        shop,
        "checkout_payment.html",
        step="payment",
        cart=cart,
        pickup=cart.delivery.get("kind") == "pickup",
        saved_cards=saved,
        psp_key=psp_settings().publishable_key,
        psp_customer=customer_ref(customer.id) if customer is not None else None,
        signed_in=customer is not None,
    )


@router.post("/checkout/pay")
async def pay(request: Request, session: SessionDep, customer: CustomerDep) -> Response:
    """Step 3: pay with a PSP token (card), a saved card, SBP, or cash/pay at pickup."""
    cart = await _buying_cart(request, session)
    if cart is None:
        return see_other("/cart")
    form = await request.form()
    method = str(form.get("method") or "")
    token = _field(form, "token")
    if method.startswith("saved:"):
        # A saved card pays with its PSP payment method; only its owner may use it.
        saved_id = method.removeprefix("saved:")
        owned = await accounts.cards(session=session, customer_id=customer.id) if customer else []
        token = next((c.token for c in owned if str(c.id) == saved_id), None)
        method = "card"
    keep = _card_to_keep(form, method, token, customer)
    await session.commit()  # completion runs its own units of work
    return_url = settings_of(request).base_url.rstrip("/") + "/checkout/return"
    database: Database = request.app.state.database
    try:
        payment = PaymentInput.model_validate(
            {"method": method, "token": token, "return_url": return_url}
        )
        done = await completion.complete(database.sessions, token=cart.token, payment=payment)
    except ValidationError:
        return see_other("/checkout/payment", error="validation_failed")
    except DomainError as exc:
        return see_other("/checkout/payment", error=error_code(exc))
    if keep is not None and customer is not None:
        # "Save this card": kept once the PSP took it (passed, or 3-D Secure under way).
        async with unit_of_work(database.sessions, writes=True) as own:
            with contextlib.suppress(DomainError):
                await accounts.save_card(session=own, customer_id=customer.id, **keep)
    if done.status == "requires_action" and done.next_action:
        return RedirectResponse(str(done.next_action["url"]), status_code=303)
    return _placed(done.order.token if done.order is not None else None)


def _card_to_keep(
    form: Any, method: str, token: str | None, customer: Customer | None
) -> dict[str, Any] | None:
    """The card to save when a signed-in buyer ticked "save this card" and the page got a
    reusable payment method (pm_) from the PSP; None otherwise."""
    if customer is None or method != "card" or form.get("save_card") != "1":
        return None
    if not (token or "").startswith("pm_"):
        return None
    month, year = _field(form, "exp_month", 2) or "", _field(form, "exp_year", 4) or ""
    if not (month.isdigit() and year.isdigit()):
        return None
    return {
        "token": token,
        "brand": _field(form, "brand", 30) or "card",
        "last4": _field(form, "last4", 4) or "",
        "exp_month": int(month),
        "exp_year": int(year),
    }


def _placed(order_token: str | None) -> RedirectResponse:
    if order_token is None:
        return see_other("/cart")
    response = see_other(f"/order/{order_token}", placed="1")
    response.delete_cookie(CART_COOKIE)
    response.delete_cookie(CART_COUNT_COOKIE)
    return response


@router.get("/checkout/return")
async def payment_return(request: Request, session: SessionDep) -> Response:
    """Back from the 3-D Secure or bank page: the order, or the payment step with why not."""
    cart = await open_cart(request, session)
    if cart is None:
        return see_other("/cart")
    await session.commit()
    database: Database = request.app.state.database
    try:
        settled = await resume.resume(database.sessions, token=cart.token)
    except DomainError as exc:
        return see_other("/checkout/payment", error=error_code(exc))
    if settled.state == CartState.COMPLETED and settled.order is not None:
        return _placed(settled.order.token)
    if settled.state == CartState.OPEN:
        return see_other("/checkout/payment", error="payment_declined")
    return see_other("/checkout/payment", error="checkout_in_progress")


# The order page re-reads its status while a card payment is being settled (the worker
# captures after 3-D Secure), every POLL_SECONDS, at most MAX_POLLS times.
POLL_SECONDS = 3
MAX_POLLS = 40
SETTLING = {"pending", "authorized"}
OFFLINE_METHODS = {"cod", "pay_at_pickup"}


def _polls(order: OrderInfo, done: int) -> bool:
    """Still worth asking again: a placed order whose online payment has not settled yet."""
    return (
        order.status == "placed"
        and order.payment_status in SETTLING
        and order.payment_method not in OFFLINE_METHODS
        and done < MAX_POLLS
    )


def _poll_count(request: Request) -> int:
    raw = request.query_params.get("n", "")
    return int(raw) if raw.isdigit() and len(raw) <= 3 else 0


async def _order(session: SessionDep, order_token: str) -> OrderInfo:
    if len(order_token) > 100:
        raise NotFound("order not found", field="token")
    return await orders.get_by_token(session=session, token=order_token)


def _poll_context(request: Request, order: OrderInfo) -> dict[str, Any]:
    done = _poll_count(request)
    keep = {"placed": "1"} if request.query_params.get("placed") == "1" else {}
    return {
        "polling": _polls(order, done),
        "poll_seconds": POLL_SECONDS,
        "poll_url": f"/order/{order.token}/status?" + urlencode({"n": done + 1}),
        "poll_page": f"/order/{order.token}?" + urlencode({**keep, "n": done + 1}),
    }


@router.get("/order/{order_token}", response_class=HTMLResponse)
async def order_page(
    request: Request, order_token: str, session: SessionDep, shop: ShopDep
) -> HTMLResponse:
    """Confirmation (``?placed=1``), status and shipment tracking of one order."""
    order = await _order(session, order_token)
    return _page(
        request,
        shop,
        "order.html",
        order=order,
        placed=request.query_params.get("placed") == "1",
        canonical=None,
        robots="noindex",
        **_poll_context(request, order),
    )


@router.get("/order/{order_token}/status", response_class=HTMLResponse)
async def order_status(
    request: Request, order_token: str, session: SessionDep, shop: ShopDep
) -> HTMLResponse:
    """The status block alone (polled by the order page until the payment is final)."""
    order = await _order(session, order_token)
    return _page(
        request,
        shop,
        "_order_status.html",
        order=order,
        canonical=None,
        **_poll_context(request, order),
    )
