"""The back-office (SQLAdmin at /admin) behind staff login."""

from __future__ import annotations

from fastapi import FastAPI

from omnishop.kernel.runtime import Database
from omnishop.kernel.settings import Settings


def install(app: FastAPI, *, database: Database, settings: Settings) -> None:
    """Mount the back-office on ``app``."""
