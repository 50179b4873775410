"""The buyer's account: passwordless sign-in by a one-time code (email or phone), order
history, address book and saved cards (PSP tokens only)."""

from __future__ import annotations

import contextlib
import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from omnishop.checkout import ownership
from omnishop.customers import accounts, otp, otp_rules, tokens
from omnishop.customers.accounts import AddressInput
from omnishop.customers.models import Customer
from omnishop.kernel.errors import DomainError
from omnishop.kernel.money import Money
from omnishop.orders import service as orders
from omnishop.payments.sandbox import psp
from omnishop.payments.sandbox.settings import get_settings as psp_settings
from omnishop.payments.service import customer_ref
from omnishop.storefront.routes import PageRoute, SessionDep, Shop, ShopDep, render
from omnishop.storefront.web import (
    CUSTOMER_COOKIE,
    CustomerDep,
    cart_token,
    error_code,
    message_key,
    remember_customer,
    rollback,
    see_other,
    settings_of,
)

router = APIRouter(include_in_schema=False, route_class=PageRoute)
HISTORY = 20


def _page(request: Request, shop: Shop, template: str, **context: Any) -> HTMLResponse:
    return render(
        request,
        shop.locale,
        template,
        {
            "shop": shop,
            "error": message_key(request.query_params.get("error")),
            "robots": "noindex",
            "Money": Money,
            **context,
        },
    )


def _throttle(request: Request) -> otp.SendThrottle:
    """One send throttle per app, counting where ``OMNISHOP_RATE_LIMIT_URL`` says (memory by
    default; Redis so that several processes share the limits)."""
    state = request.app.state
    if getattr(state, "otp_throttle", None) is None:
        state.otp_throttle = otp.SendThrottle.from_url(settings_of(request).rate_limit_url)
    throttle: otp.SendThrottle = state.otp_throttle
    return throttle


def _text(form: Any, name: str, limit: int = 200) -> str:
    value = form.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""


@router.get("/account/sign-in", response_class=HTMLResponse)
async def sign_in_page(request: Request, shop: ShopDep) -> HTMLResponse:
    return _page(request, shop, "account_sign_in.html")


@router.post("/account/sign-in")
async def send_code(request: Request, session: SessionDep, shop: ShopDep) -> Response:
    """Send a one-time code to the email or phone given (rate-limited)."""
    form = await request.form()
    destination = _text(form, "destination", 254)
    client = request.client.host if request.client else "unknown"
    try:
        where = otp_rules.destination(destination)
        await _throttle(request).check(destination=where.value, client=client)
        await otp.request_code(
            session=session,
            destination=where.value,
            locale=shop.locale,
            key=settings_of(request).secret_key,
        )
    except DomainError as exc:
        await rollback(session)
        return see_other("/account/sign-in", error=error_code(exc))
    return see_other("/account/verify", to=where.value)


@router.get("/account/verify", response_class=HTMLResponse)
async def verify_page(request: Request, shop: ShopDep) -> HTMLResponse:
    return _page(request, shop, "account_verify.html", to=request.query_params.get("to", "")[:254])


@router.post("/account/verify")
async def verify(request: Request, session: SessionDep, shop: ShopDep) -> Response:
    """Check the code; on success the customer token goes into an HttpOnly cookie."""
    form = await request.form()
    destination, code = _text(form, "to", 254), _text(form, "code", 20)
    try:
        verified = await otp.verify_code(
            session=session,
            destination=destination,
            code=code,
            key=settings_of(request).secret_key,
            channel_code=shop.channel.code,
        )
    except DomainError as exc:
        await rollback(session)
        return see_other("/account/sign-in", error=error_code(exc))
    if verified.customer is None:
        # The counted attempt is committed with the request.
        return see_other("/account/verify", to=destination, error="sign_in_code_wrong")
    token = await tokens.issue(session=session, customer_id=verified.customer.id)
    guest_cart = cart_token(request)
    if guest_cart is not None:
        await ownership.claim(session=session, token=guest_cart, customer_id=verified.customer.id)
    response = see_other("/account")
    remember_customer(request, response, token)
    return response


@router.post("/account/sign-out")
async def sign_out(request: Request, session: SessionDep) -> RedirectResponse:
    token = request.cookies.get(CUSTOMER_COOKIE)
    if token:
        await tokens.revoke(session=session, token=token)
    response = see_other("/")
    response.delete_cookie(CUSTOMER_COOKIE)
    return response


def _must_sign_in() -> RedirectResponse:
    return see_other("/account/sign-in")


@router.get("/account", response_class=HTMLResponse)
async def account(
    request: Request, session: SessionDep, shop: ShopDep, customer: CustomerDep
) -> Response:
    if customer is None:
        return _must_sign_in()
    history = await orders.customer_orders(
        session=session, customer_id=customer.id, cursor=None, limit=HISTORY
    )
    return _page(request, shop, "account.html", customer=customer, orders=history.data)


def _address_input(form: Any) -> AddressInput:
    return AddressInput(
        recipient=_text(form, "recipient"),
        city=_text(form, "city"),
        line1=_text(form, "line1", 300),
        country=_text(form, "country", 2) or "RU",
        postcode=_text(form, "postcode", 20) or None,
        region=_text(form, "region") or None,
        phone=_text(form, "phone", 40) or None,
        label=_text(form, "label", 60) or None,
    )


@router.get("/account/addresses", response_class=HTMLResponse)
async def addresses_page(
    request: Request, session: SessionDep, shop: ShopDep, customer: CustomerDep
) -> Response:
    if customer is None:
        return _must_sign_in()
    book = await accounts.addresses(session=session, customer_id=customer.id)
    return _page(request, shop, "account_addresses.html", customer=customer, addresses=book)


@router.post("/account/addresses")
async def add_address(request: Request, session: SessionDep, customer: CustomerDep) -> Response:
    return await _address_change(request, session, customer, None)


@router.post("/account/addresses/{address_id}")
async def edit_address(
    request: Request, address_id: str, session: SessionDep, customer: CustomerDep
) -> Response:
    return await _address_change(request, session, customer, address_id)


async def _address_change(
    request: Request, session: SessionDep, customer: Customer | None, address_id: str | None
) -> Response:
    if customer is None:
        return _must_sign_in()
    form = await request.form()
    try:
        if address_id is None:
            await accounts.add_address(
                session=session, customer_id=customer.id, data=_address_input(form)
            )
        else:
            await accounts.update_address(
                session=session,
                customer_id=customer.id,
                address_id=_uuid(address_id),
                data=_address_input(form),
            )
    except DomainError as exc:
        await rollback(session)
        return see_other("/account/addresses", error=error_code(exc))
    return see_other("/account/addresses")


def _uuid(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise accounts.AddressNotFound("address not found", field="address") from None


@router.post("/account/addresses/{address_id}/delete")
async def delete_address(address_id: str, session: SessionDep, customer: CustomerDep) -> Response:
    if customer is None:
        return _must_sign_in()
    # Deleting what is not there (a bad id, someone else's address) is done already.
    with contextlib.suppress(DomainError):
        await accounts.delete_address(
            session=session, customer_id=customer.id, address_id=_uuid(address_id)
        )
    return see_other("/account/addresses")


@router.get("/account/cards", response_class=HTMLResponse)
async def cards_page(
    request: Request, session: SessionDep, shop: ShopDep, customer: CustomerDep
) -> Response:
    if customer is None:
        return _must_sign_in()
    saved = await accounts.cards(session=session, customer_id=customer.id)
    return _page(
        request,
        shop,
        "account_cards.html",
        customer=customer,
        cards=saved,
        expired=accounts.expired,
        psp_key=psp_settings().publishable_key,
        psp_customer=customer_ref(customer.id),
    )


@router.post("/account/cards")
async def add_card(request: Request, session: SessionDep, customer: CustomerDep) -> Response:
    """Save a card the browser tokenised at the PSP (token, brand, last4, expiry only)."""
    if customer is None:
        return _must_sign_in()
    form = await request.form()
    try:
        await accounts.save_card(
            session=session,
            customer_id=customer.id,
            token=_text(form, "token"),
            brand=_text(form, "brand", 30),
            last4=_text(form, "last4", 4),
            exp_month=int(_text(form, "exp_month", 2) or "0"),
            exp_year=int(_text(form, "exp_year", 4) or "0"),
        )
    except (DomainError, ValueError) as exc:
        await rollback(session)
        code = error_code(exc) if isinstance(exc, DomainError) else "validation_failed"
        return see_other("/account/cards", error=code)
    return see_other("/account/cards")


@router.post("/account/cards/{card_id}/delete")
async def remove_card(card_id: str, session: SessionDep, customer: CustomerDep) -> Response:
    if customer is None:
        return _must_sign_in()
    try:
        parsed = uuid.UUID(card_id)
    except ValueError:
        return see_other("/account/cards")
    owned = await accounts.cards(session=session, customer_id=customer.id)
    gone = next((c for c in owned if c.id == parsed), None)
    await accounts.remove_card(session=session, customer_id=customer.id, card_id=parsed)
    await session.commit()
    if gone is not None and gone.token.startswith("pm_"):
        # Removed here first, then at the PSP: a failure there leaves a method nobody can
        # pick (and the PSP still only charges it for this customer).
        with contextlib.suppress(Exception):
            await psp.detach(payment_method=gone.token, customer=customer_ref(customer.id))
    return see_other("/account/cards")
