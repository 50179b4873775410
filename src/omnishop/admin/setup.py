"""The back-office (SQLAdmin at /admin) behind staff login."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI
from sqladmin import Admin, ModelView
from sqlalchemy.ext.asyncio import async_sessionmaker
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from omnishop.admin import inbox
from omnishop.admin.auth import (
    CSRF_FIELD,
    CrossSiteGuard,
    LoginThrottle,
    RoleAuthorization,
    StaffAuthentication,
    csrf_token,
    csrf_valid,
)
from omnishop.admin.content_views import CONTENT_VIEWS
from omnishop.admin.customer_views import CUSTOMER_VIEWS
from omnishop.admin.loyalty_views import LOYALTY_VIEWS
from omnishop.admin.payment_views import PAYMENT_VIEWS
from omnishop.admin.pickup_views import PICKUP_VIEWS
from omnishop.admin.promotion_views import PROMOTION_VIEWS
from omnishop.admin.returns_views import RETURNS_VIEWS
from omnishop.admin.reviews_views import REVIEW_VIEWS
from omnishop.admin.sales_views import SALES_VIEWS
from omnishop.admin.staff_views import ACCESS_VIEWS
from omnishop.admin.tax_views import TAX_VIEWS
from omnishop.admin.views import SHOP_VIEWS
from omnishop.kernel.runtime import Database
from omnishop.kernel.settings import Settings

TEMPLATES = Path(__file__).parent / "templates"
# One message for an unknown email and a wrong password: a failure reveals no account.
BAD_CREDENTIALS = "Wrong email or password."
TOO_MANY = "Too many sign-in attempts. Wait a minute, then try again."
STALE_FORM = "This sign-in form has expired. Please try again."


class ShopAdmin(Admin):
    """SQLAdmin with a CSRF-checked, rate-limited login and a POST-only, CSRF-checked logout."""

    def __init__(self, app: FastAPI, *, throttle: LoginThrottle, **kwargs: Any) -> None:
        super().__init__(app, **kwargs)
        self.throttle = throttle
        self.templates.env.globals["csrf_token"] = csrf_token
        self.templates.env.globals["csrf_field"] = CSRF_FIELD
        # A GET logout could be triggered by any page that embeds an image; only a form may.
        self.admin.router.routes = [
            Route("/logout", endpoint=self.logout, name="logout", methods=["POST"])
            if getattr(route, "name", None) == "logout"
            else route
            for route in self.admin.router.routes
        ]

    async def login(self, request: Request) -> Response:
        if request.method == "GET":
            return await self._login_page(request)
        form = await request.form()
        if not csrf_valid(request, form.get(CSRF_FIELD)):
            return await self._login_page(request, error=STALE_FORM, status_code=403)
        email = form.get("email")
        client = request.client.host if request.client else "unknown"
        allowed = await self.throttle.attempt(
            client=client, email=email if isinstance(email, str) else ""
        )
        if not allowed:
            return await self._login_page(request, error=TOO_MANY, status_code=429)
        assert self.authentication_backend is not None
        if not await self.authentication_backend.login(request):
            return await self._login_page(request, error=BAD_CREDENTIALS, status_code=400)
        return RedirectResponse(request.url_for("admin:index"), status_code=302)

    async def logout(self, request: Request) -> Response:
        form = await request.form()
        if not csrf_valid(request, form.get(CSRF_FIELD)):
            return RedirectResponse(request.url_for("admin:index"), status_code=302)
        assert self.authentication_backend is not None
        await self.authentication_backend.logout(request)
        return RedirectResponse(request.url_for("admin:login"), status_code=302)

    async def _login_page(
        self, request: Request, *, error: str | None = None, status_code: int = 200
    ) -> Response:
        context = {"error": error} if error else {}
        response = await self.templates.TemplateResponse(
            request, "sqladmin/login.html", context, status_code=status_code
        )
        response.headers["Cache-Control"] = "no-store"
        return response


def install(app: FastAPI, *, database: Database, settings: Settings) -> None:
    """Mount the back-office on ``app``."""
    # SQLAdmin reconfigures the session factory it is given (autoflush off), so it gets a
    # copy bound the same way: the same engine, or in tests the same test connection.
    sessions = async_sessionmaker(class_=database.sessions.class_, **database.sessions.kw)
    admin = ShopAdmin(
        app,
        session_maker=sessions,
        base_url="/admin",
        title="omnishop back-office",
        templates_dir=str(TEMPLATES),
        middlewares=[Middleware(CrossSiteGuard)],
        authentication_backend=StaffAuthentication(database=database, settings=settings),
        authorization_backend=RoleAuthorization(),
        throttle=LoginThrottle(settings.login_rate_limit),
    )
    views: list[type[ModelView]] = [
        *SHOP_VIEWS, *SALES_VIEWS, *RETURNS_VIEWS, *TAX_VIEWS, *ACCESS_VIEWS, *REVIEW_VIEWS,
        *CONTENT_VIEWS, *LOYALTY_VIEWS, *PICKUP_VIEWS, *PROMOTION_VIEWS, *CUSTOMER_VIEWS,
        *PAYMENT_VIEWS,
    ]  # fmt: skip
    for view in views:
        admin.add_view(view)
    inbox.install(admin, database=database, base_url=settings.base_url)
