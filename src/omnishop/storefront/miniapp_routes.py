"""Telegram Mini App mode: the bot's Web App button opens ``/tg``; the page hands Telegram's
signed ``initData`` to ``POST /tg/session``, which checks the signature, signs the Telegram
user in to their omnishop customer (created on first visit) and switches the storefront to
mini-app mode (Telegram theme, MainButton/BackButton) with a cookie."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from omnishop.customers import identities, tokens
from omnishop.kernel import clock
from omnishop.storefront import telegram
from omnishop.storefront.routes import PageRoute, SessionDep, ShopDep, render
from omnishop.storefront.web import CUSTOMER_AGE, CUSTOMER_COOKIE, settings_of

router = APIRouter(include_in_schema=False, route_class=PageRoute)
MODE_COOKIE = "tg"


@router.get("/tg", response_class=HTMLResponse)
async def entry(request: Request, shop: ShopDep) -> HTMLResponse:
    """The Mini App's start page: signs in with initData, then opens the shop."""
    return render(request, shop.locale, "tg.html", {"shop": shop})


def _is_local_path(value: str) -> bool:
    return value.startswith("/") and not value.startswith("//") and "\\" not in value


@router.post("/tg/session")
async def session_from_init_data(
    request: Request,
    session: SessionDep,
    init_data: Annotated[str, Form(max_length=telegram.MAX_LENGTH)],
    next: Annotated[str, Form(max_length=500)] = "/",
) -> Response:
    """Sign the Telegram user in; 401 problem for forged or stale initData (nothing written)."""
    settings = settings_of(request)
    try:
        user = telegram.validate(
            init_data,
            bot_token=settings.telegram_bot_token,
            now=clock.now(),
            max_age=timedelta(seconds=settings.telegram_init_max_age_seconds),
        )
    except telegram.InvalidInitData as exc:
        return JSONResponse(
            {
                "type": "about:blank",
                "title": exc.title,
                "status": 401,
                "code": exc.code,
                "detail": exc.detail,
            },
            status_code=401,
            media_type="application/problem+json",
        )
    who = await identities.sign_in(
        session=session,
        kind="telegram",
        external_id=str(user.id),
        profile=user.profile(),
        source_channel="telegram",
    )
    token = await tokens.issue(session=session, customer_id=who.customer_id)
    response = JSONResponse(
        {
            "customer_id": str(who.customer_id),
            "created": who.created,
            "next": next if _is_local_path(next) else "/",
        }
    )
    # Telegram's web client shows the Mini App in an iframe: there the cookies must be
    # SameSite=None (which needs https); the phone apps open it top-level, where Lax works.
    secure = settings.base_url.startswith("https://")
    same_site: Literal["none", "lax"] = "none" if secure else "lax"
    response.set_cookie(
        CUSTOMER_COOKIE,
        token,
        max_age=CUSTOMER_AGE,
        httponly=True,
        samesite=same_site,
        secure=secure,
    )
    response.set_cookie(
        MODE_COOKIE, "1", max_age=CUSTOMER_AGE, httponly=False, samesite=same_site, secure=secure
    )
    return response
