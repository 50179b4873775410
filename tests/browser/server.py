"""The browser tests' shop: build a fresh SQLite database, seed the small dataset, serve it.

Run as ``python -m tests.browser.server --folder DIR --port N`` (the conftest does); the
environment names the databases (``OMNISHOP_DATABASE_URL``, ``OMNISHOP_SANDBOX_PSP_URL``).
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

import uvicorn
from rich.console import Console

from omnishop.app import create_app
from omnishop.demo.seed import seed
from omnishop.kernel.db import make_engine
from omnishop.kernel.runtime import Database
from omnishop.kernel.settings import Settings
from omnishop.models import metadata
from tests.browser import demo_data


async def build(settings: Settings) -> None:
    engine = make_engine(settings.database_url)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    await engine.dispose()
    database = Database.from_settings(settings)
    try:
        await seed(database=database, settings=settings, console=Console(quiet=True))
    finally:
        await database.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--folder", type=Path, required=True)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    data_dir = demo_data.write(args.folder / "data")
    settings = Settings(
        data_dir=data_dir,
        base_url=f"http://127.0.0.1:{args.port}",
        worker_in_process=True,
        worker_poll_seconds=0.2,
        api_cache_seconds=0,
        log_level="WARNING",
    )
    asyncio.run(build(settings))
    uvicorn.run(
        create_app(settings), host="127.0.0.1", port=args.port, log_level="warning", lifespan="on"
    )


if __name__ == "__main__":
    main()
