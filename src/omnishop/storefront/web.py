"""What the buying pages share: the signed cart cookie, the signed-in customer, redirects and
friendly messages for domain errors (never a 500, never a raw error text)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse, Response
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.customers import tokens
from omnishop.customers.models import Customer
from omnishop.kernel.errors import Unauthorized
from omnishop.kernel.settings import Settings
from omnishop.storefront.messages import error_code, message_key
from omnishop.storefront.routes import SessionDep

__all__ = ["error_code", "message_key"]

CART_COOKIE = "cart"
# How many items the cart holds, for the header badge: written whenever a cart page or form
# sees the cart, read by every page without a query. Display only (never trusted: the cart
# itself is behind CART_COOKIE), so not HttpOnly: app.js refreshes the badge on pages the
# service worker served from cache.
CART_COUNT_COOKIE = "cart_n"
CUSTOMER_COOKIE = "customer"
CART_AGE = 60 * 60 * 24 * 30
CUSTOMER_AGE = int(tokens.LIFETIME.total_seconds())


def see_other(url: str, **params: str | None) -> RedirectResponse:
    """303 to ``url`` with ``params`` (those not None) in its query."""
    query = urlencode({k: v for k, v in params.items() if v})
    return RedirectResponse(f"{url}?{query}" if query else url, status_code=303)


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _cookie_codec(request: Request) -> URLSafeSerializer:
    return URLSafeSerializer(settings_of(request).secret_key, salt="omnishop.storefront.cart")


def cart_token(request: Request) -> str | None:
    """The cart token the signed cookie holds, if it is intact."""
    raw = request.cookies.get(CART_COOKIE)
    if not raw:
        return None
    try:
        value = _cookie_codec(request).loads(raw)
    except BadSignature:
        return None
    return value if isinstance(value, str) else None


def remember_cart(request: Request, response: RedirectResponse, token: str) -> None:
    response.set_cookie(
        CART_COOKIE,
        _cookie_codec(request).dumps(token),
        max_age=CART_AGE,
        httponly=True,
        samesite="lax",
        secure=settings_of(request).base_url.startswith("https://"),
    )


def remember_count(request: Request, response: Response, count: int) -> None:
    """Keep the header's cart badge in step with the cart (0 forgets it)."""
    if count <= 0:
        if CART_COUNT_COOKIE in request.cookies:
            response.delete_cookie(CART_COUNT_COOKIE)
        return
    response.set_cookie(
        CART_COUNT_COOKIE,
        str(min(count, 999)),
        max_age=CART_AGE,
        samesite="lax",
        secure=settings_of(request).base_url.startswith("https://"),
    )


def cart_count(request: Request) -> int:
    """The header badge's number (from the cookie; no query)."""
    raw = request.cookies.get(CART_COUNT_COOKIE, "")
    return min(int(raw), 999) if raw.isdigit() and len(raw) <= 4 else 0


def remember_customer(request: Request, response: RedirectResponse, token: str) -> None:
    response.set_cookie(
        CUSTOMER_COOKIE,
        token,
        max_age=CUSTOMER_AGE,
        httponly=True,
        samesite="lax",
        secure=settings_of(request).base_url.startswith("https://"),
    )


async def current_customer(request: Request, session: SessionDep) -> Customer | None:
    """The signed-in buyer (customer token in an HttpOnly cookie), or None."""
    token = request.cookies.get(CUSTOMER_COOKIE)
    if not token:
        return None
    try:
        return await tokens.authenticate(session=session, token=token)
    except Unauthorized:
        return None


CustomerDep = Annotated[Customer | None, Depends(current_customer)]


async def rollback(session: AsyncSession) -> None:
    """Undo what a failed use case flushed: the request then commits nothing of it."""
    await session.rollback()
