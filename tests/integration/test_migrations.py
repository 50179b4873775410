"""The migrations build exactly the schema the models describe, on both engines."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection

from omnishop.app import create_app
from omnishop.kernel import migrations
from omnishop.kernel.runtime import Database
from omnishop.kernel.settings import Settings
from omnishop.models import metadata
from tests.conftest import _create_pg_database, _drop_pg_database


@pytest.fixture(params=["sqlite", "postgresql"])
async def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
        return
    created = await _create_pg_database()
    if created is None:
        pytest.skip("PostgreSQL unavailable: the PostgreSQL half of the suite is SKIPPED")
    name, url = created
    try:
        yield url
    finally:
        await _drop_pg_database(name)


def _diff(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return [
        d
        for d in compare_metadata(context, metadata)
        # Engine-specific search structures (FTS5 shadow tables) are not in the metadata.
        if not (isinstance(d, tuple) and d[0] == "remove_table")
    ]


async def test_migrations_reach_head_and_match_the_models(fresh_url: str) -> None:
    await asyncio.to_thread(migrations.upgrade, fresh_url)
    database = Database.from_settings(Settings(database_url=fresh_url))
    try:
        current, head = await migrations.current_and_head(database.engine)
        async with database.engine.connect() as conn:
            diff = await conn.run_sync(_diff)
    finally:
        await database.dispose()

    assert current == head is not None
    assert diff == []


async def test_readyz_is_ok_only_at_head(fresh_url: str) -> None:
    database = Database.from_settings(Settings(database_url=fresh_url))
    app = create_app(Settings(database_url=fresh_url, worker_in_process=False), database=database)
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            before = await client.get("/readyz")
            await asyncio.to_thread(migrations.upgrade, fresh_url)
            after = await client.get("/readyz")
    finally:
        await database.dispose()

    assert (before.status_code, before.json()["status"]) == (503, "migrations_pending")
    assert (after.status_code, after.json()["status"]) == (200, "ok")
