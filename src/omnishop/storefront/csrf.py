"""CSRF protection of the storefront's forms (synchroniser token).

Each browser gets a random token in a signed HttpOnly cookie (set by the first page it
renders); every POST form carries it in a hidden ``csrf`` field; a POST whose field does not
match the cookie is refused with a friendly 403 page before the route runs. A cross-site page
can make the browser send the cookie, but cannot read the token to put in the form.

JSON posts (web push subscribe/unsubscribe) are exempt: a browser sends cross-site JSON only
after a CORS preflight, which this app never grants. ``/tg/session`` is exempt too: the
Telegram initData it carries is itself signed proof of who is asking.
"""

from __future__ import annotations

import secrets

from fastapi import Request, Response
from itsdangerous import BadSignature, URLSafeSerializer

from omnishop.kernel.security import constant_time_equals

COOKIE = "csrf"
FIELD = "csrf"
AGE = 60 * 60 * 24 * 30
EXEMPT_PATHS = frozenset({"/tg/session"})
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class CsrfRejected(Exception):
    """A storefront form arrived without this browser's token (forged, or a stale page)."""


def _codec(request: Request) -> URLSafeSerializer:
    return URLSafeSerializer(request.app.state.settings.secret_key, salt="omnishop.storefront.csrf")


def _from_cookie(request: Request) -> str | None:
    raw = request.cookies.get(COOKIE)
    if not raw:
        return None
    try:
        value = _codec(request).loads(raw)
    except BadSignature:
        return None
    return value if isinstance(value, str) and len(value) >= 32 else None


def token(request: Request) -> str:
    """This browser's token (a new one when it has none yet); the same for one request."""
    known: str | None = getattr(request.state, "csrf_token", None)
    if known is None:
        known = _from_cookie(request)
        if known is None:
            known = secrets.token_urlsafe(32)
            request.state.csrf_new = True
        request.state.csrf_token = known
    return known


def remember(request: Request, response: Response) -> None:
    """Set the cookie when this request made a new token."""
    if getattr(request.state, "csrf_new", False):
        response.set_cookie(
            COOKIE,
            _codec(request).dumps(request.state.csrf_token),
            max_age=AGE,
            httponly=True,
            samesite="lax",
            secure=request.app.state.settings.base_url.startswith("https://"),
        )


def needs_check(request: Request) -> bool:
    if request.method not in UNSAFE or request.url.path in EXEMPT_PATHS:
        return False
    return not request.headers.get("content-type", "").startswith("application/json")


async def check(request: Request) -> None:
    """Refuse (``CsrfRejected``) an unsafe request whose form token is not the cookie's."""
    if not needs_check(request):
        return
    expected = _from_cookie(request)
    try:
        form = await request.form()  # parsed once: the route's request.form() reuses it
    except Exception:  # a body that is no form at all carries no token either
        raise CsrfRejected from None
    sent = form.get(FIELD)
    if expected is None or not isinstance(sent, str) or not constant_time_equals(sent, expected):
        raise CsrfRejected
