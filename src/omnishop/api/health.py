"""Liveness and readiness probes."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from omnishop.api.deps import DatabaseDep
from omnishop.kernel.migrations import current_and_head

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(database: DatabaseDep) -> JSONResponse:
    """The database answers and its schema is at the newest migration."""
    try:
        current, head = await current_and_head(database.engine)
    except Exception as exc:  # any database failure means "not ready", never a 500
        return JSONResponse({"status": "unavailable", "detail": type(exc).__name__}, 503)
    if current != head:
        return JSONResponse({"status": "migrations_pending", "current": current, "head": head}, 503)
    return JSONResponse({"status": "ok", "revision": current})
