"""The demo shop, built from ../shared/data."""

from __future__ import annotations

from omnishop.kernel.runtime import Database
from omnishop.kernel.settings import Settings


async def seed(*, database: Database, settings: Settings) -> None:
    """Build (or bring up to date) the demo shop; safe to run again."""
