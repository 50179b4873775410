"""REST API v1: the router every resource module adds itself to."""

from __future__ import annotations

from fastapi import APIRouter

from omnishop.api import channels_routes

router = APIRouter(prefix="/api/v1")
router.include_router(channels_routes.router)
