"""The ASGI app factory: API, storefront, back-office and probes over one database."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from fastapi import FastAPI
from starlette.middleware.gzip import GZipMiddleware
from starlette.staticfiles import StaticFiles

from omnishop import handlers
from omnishop.admin import setup as admin_setup
from omnishop.api import health, problems, sandbox_psp
from omnishop.api.cache import ResponseCache
from omnishop.api.idempotency import IdempotencyMiddleware
from omnishop.api.routes import router as api_router
from omnishop.kernel import outbox
from omnishop.kernel.logging import configure as configure_logging
from omnishop.kernel.runtime import Database
from omnishop.kernel.settings import Settings, get_settings
from omnishop.messaging import install as install_messaging
from omnishop.messaging import webchat
from omnishop.storefront import (
    account_routes,
    cart_routes,
    checkout_pages,
    links,
    miniapp_routes,
    pwa_routes,
    stores_routes,
)
from omnishop.storefront.routes import router as storefront_router


def create_app(settings: Settings | None = None, database: Database | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings.log_level, json=settings.log_json)
    handlers.register()
    owns_database = database is None
    db = database or Database.from_settings(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        worker = None
        if settings.worker_in_process:
            worker = asyncio.create_task(
                outbox.run_forever(db.sessions, poll_seconds=settings.worker_poll_seconds)
            )
        try:
            yield
        finally:
            if worker is not None:
                worker.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await worker
            if owns_database:
                await db.dispose()

    app = FastAPI(
        title="omnishop",
        version="1.0",
        summary="One commerce core that every channel sells through.",
        openapi_url="/api/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.database = db
    problems.install(app)
    app.add_middleware(IdempotencyMiddleware)
    app.add_middleware(links.VisitMiddleware)
    app.add_middleware(ResponseCache, ttl_seconds=settings.api_cache_seconds)
    # Outermost: pages, assets and JSON travel compressed (a storefront page's budget is
    # 30 KB); caches inside it keep plain bodies, so no client gets an encoding it did not ask.
    app.add_middleware(GZipMiddleware, minimum_size=1000)
    app.include_router(health.router)
    # Webhooks first: the router tries routes in order, and a platform's delivery should not
    # walk past every page and API route (a measurable share of a webhook's CPU).
    install_messaging(app)
    webchat.install(app)
    app.include_router(api_router)
    app.include_router(sandbox_psp.router)
    app.include_router(storefront_router)
    app.include_router(stores_routes.router)
    app.include_router(pwa_routes.router)
    app.include_router(miniapp_routes.router)
    app.include_router(links.router)
    app.include_router(cart_routes.router)
    app.include_router(checkout_pages.router)
    app.include_router(account_routes.router)
    # Uploaded media (review photos) under unguessable names; StaticFiles refuses `..` paths.
    settings.media_dir.mkdir(parents=True, exist_ok=True)
    app.mount(settings.media_url, StaticFiles(directory=settings.media_dir), name="media")
    admin_setup.install(app, database=db, settings=settings)
    return app
