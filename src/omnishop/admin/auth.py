"""Who may enter the back-office and what each staff role may do there.

Staff sign in with email and password (argon2, through ``customers.staff``). The session is a
signed cookie (Starlette's ``SessionMiddleware``, itsdangerous) scoped to ``/admin``, HttpOnly,
SameSite=Lax and Secure when the shop runs on https. Login and logout forms carry a CSRF token
kept in that session, and sign-in attempts are rate-limited per client address and per email.
"""

from __future__ import annotations

import secrets
import uuid
from typing import Any

from limits import parse
from limits.aio.storage import MemoryStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from sqladmin.authentication import AuthenticationBackend
from sqladmin.authorization import Action, AuthorizationBackend
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from omnishop.customers import staff
from omnishop.customers.models import StaffRole
from omnishop.kernel.db import unit_of_work
from omnishop.kernel.runtime import Database
from omnishop.kernel.security import constant_time_equals
from omnishop.kernel.settings import Settings

SESSION_COOKIE = "omnishop_admin"
SESSION_HOURS = 8
CSRF_FIELD = "csrf_token"
_CSRF_KEY = "csrf"

READ_ACTIONS = frozenset({Action.LIST, Action.DETAILS})
# Operators answer customers: they see and correct customer records, nothing else.
OPERATOR_VIEWS = frozenset({"customer", "address"})
OPERATOR_ACTIONS = READ_ACTIONS | {Action.CREATE, Action.EDIT}
# Staff accounts decide who holds power, so only an owner changes them (no self-promotion).
OWNER_ONLY_VIEWS = frozenset({"staff-user"})


def csrf_token(request: Request) -> str:
    """The session's CSRF token, created on first use; forms echo it back on POST."""
    token = request.session.get(_CSRF_KEY)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session[_CSRF_KEY] = token
    return token


def csrf_valid(request: Request, submitted: object) -> bool:
    expected = request.session.get(_CSRF_KEY)
    return (
        isinstance(expected, str)
        and isinstance(submitted, str)
        and constant_time_equals(expected, submitted)
    )


class LoginThrottle:
    """At most ``rate`` sign-in attempts per client address and, separately, per email.

    Every attempt counts, successful or not, so a burst of guesses cannot race past the check.
    The key for an email is counted whether or not such a staff user exists, so being refused
    reveals nothing about which emails are real.
    """

    def __init__(self, rate: str, storage: Storage | None = None) -> None:
        # In-process memory by default; several `serve` processes would share a Redis storage.
        self._limit = parse(rate)
        self._limiter = MovingWindowRateLimiter(storage or MemoryStorage())

    async def attempt(self, *, client: str, email: str) -> bool:
        """Count one attempt; ``False`` when the address or the email is over its limit."""
        by_client = await self._limiter.hit(self._limit, "admin-login", "client", client)
        by_email = await self._limiter.hit(
            self._limit, "admin-login", "email", email.strip().lower()
        )
        return by_client and by_email


class StaffAuthentication(AuthenticationBackend):
    """Session-cookie authentication of staff users for SQLAdmin."""

    def __init__(self, *, database: Database, settings: Settings) -> None:
        super().__init__(
            secret_key=settings.secret_key,
            session_cookie=SESSION_COOKIE,
            max_age=SESSION_HOURS * 3600,
            path="/admin",
            same_site="lax",
            https_only=settings.base_url.startswith("https://"),
        )
        self._database = database

    async def login(self, request: Request) -> bool:
        """Check the submitted credentials; on success start a fresh session."""
        form = await request.form()
        email, password = form.get("email"), form.get("password")
        if not isinstance(email, str) or not isinstance(password, str):
            return False
        async with unit_of_work(self._database.sessions) as session:
            user = await staff.authenticate(session=session, email=email, password=password)
            if user is None:
                return False
            user_id, role = str(user.id), user.role
        # A new session on sign-in: nothing set before login (such as the CSRF token) survives.
        request.session.clear()
        request.session.update({"staff_id": user_id, "role": role})
        return True

    async def logout(self, request: Request) -> bool:
        request.session.clear()
        return False  # SQLAdmin then redirects to the login page

    async def authenticate(self, request: Request) -> bool:
        """Valid while the account is still active; a changed role takes effect at once."""
        raw_id = request.session.get("staff_id")
        if not isinstance(raw_id, str):
            return False
        try:
            staff_id = uuid.UUID(raw_id)
        except ValueError:
            request.session.clear()
            return False
        async with self._database.sessions() as session:
            user = await staff.get_active(session=session, staff_id=staff_id)
        if user is None:
            request.session.clear()
            return False
        if request.session.get("role") != user.role:
            request.session["role"] = user.role
        return True

    async def get_user_id(self, request: Request) -> Any:
        return request.session.get("staff_id")


def role_allows(role: object, identity: str, action: str) -> bool:
    """Whether a staff ``role`` may perform ``action`` on the admin view ``identity``."""
    if role == StaffRole.OWNER:
        return True
    if role == StaffRole.MANAGER:
        return identity not in OWNER_ONLY_VIEWS or action in READ_ACTIONS
    if role == StaffRole.ANALYST:
        return action in READ_ACTIONS
    if role == StaffRole.OPERATOR:
        return identity in OPERATOR_VIEWS and action in OPERATOR_ACTIONS
    return False


class RoleAuthorization(AuthorizationBackend):
    """Owner and manager run the shop; analysts only read; operators see customers only."""

    def has_permission(
        self, request: Request, identity: str, action: str, obj: Any | None = None
    ) -> bool:
        return role_allows(request.session.get("role"), identity, action)


class CrossSiteGuard:
    """Refuses state-changing admin requests that a browser marks as coming from another site.

    SameSite=Lax already keeps the session cookie off cross-site POSTs; this also covers
    SQLAdmin's custom actions, which are GET links, and browsers without SameSite support.
    """

    SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self._changes_state(scope) and self._cross_site(scope):
            await send(
                {
                    "type": "http.response.start",
                    "status": 403,
                    "headers": [(b"content-type", b"text/plain; charset=utf-8")],
                }
            )
            await send({"type": "http.response.body", "body": b"cross-site request refused"})
            return
        await self.app(scope, receive, send)

    def _changes_state(self, scope: Scope) -> bool:
        return scope["method"] not in self.SAFE_METHODS or "/action/" in scope["path"]

    @staticmethod
    def _cross_site(scope: Scope) -> bool:
        headers = dict(scope["headers"])
        fetch_site = headers.get(b"sec-fetch-site")
        if fetch_site is not None:
            return fetch_site not in (b"same-origin", b"none")
        origin, host = headers.get(b"origin"), headers.get(b"host")
        if origin is None or host is None:
            return False
        return bool(origin.split(b"://", 1)[-1] != host)
