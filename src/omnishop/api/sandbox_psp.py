"""The sandbox PSP's own pages and endpoints (tokenisation, 3-D Secure challenge, bank app)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/sandbox-psp", include_in_schema=False)
