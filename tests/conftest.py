"""Test fixtures: every database test runs on SQLite and on PostgreSQL.

PostgreSQL comes from ``OMNISHOP_TEST_POSTGRES_URL`` or the local server; a throwaway database
is created per run and dropped after. Without a server the PostgreSQL half is skipped with a
loud notice, except under ``CI=true`` where that is a failure.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from omnishop.app import create_app
from omnishop.kernel import clock
from omnishop.kernel.db import make_engine
from omnishop.kernel.runtime import Database
from omnishop.kernel.settings import Settings
from omnishop.models import metadata

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/postgres"
_pg_notice: list[str] = []


def _admin_pg_url() -> str:
    return os.environ.get("OMNISHOP_TEST_POSTGRES_URL") or DEFAULT_PG


async def _create_pg_database() -> tuple[str, str] | None:
    admin_url = _admin_pg_url()
    name = f"omnishop_test_{uuid.uuid4().hex[:10]}"
    try:
        conn = await asyncpg.connect(admin_url, timeout=5)
    except (OSError, asyncpg.PostgresError) as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required under CI=true but unreachable: {exc!r}")
        _pg_notice.append(f"PostgreSQL unreachable at {admin_url} ({exc!r})")
        return None
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    base = admin_url.rsplit("/", 1)[0]
    return name, f"{base}/{name}".replace("postgresql://", "postgresql+asyncpg://", 1)


async def _drop_pg_database(name: str) -> None:
    conn = await asyncpg.connect(_admin_pg_url(), timeout=5)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
async def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[str]:
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("db") / "omnishop.db"
        yield f"sqlite+aiosqlite:///{path}"
        return
    created = await _create_pg_database()
    if created is None:
        pytest.skip("PostgreSQL unavailable: the PostgreSQL half of the suite is SKIPPED")
    name, url = created
    try:
        yield url
    finally:
        await _drop_pg_database(name)


async def _create_schema(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            from sqlalchemy import text

            await conn.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
        await conn.run_sync(metadata.create_all)


@pytest.fixture(scope="session")
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(database_url)
    await _create_schema(engine)
    yield engine
    await engine.dispose()


@pytest.fixture
async def fresh_engine(database_url: str, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    """An empty database of this run's kind, for tests that commit for real and race many
    connections (the rolled-back ``connection`` cannot show a race). Dropped afterwards."""
    name = None
    url = f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
    if not database_url.startswith("sqlite"):
        created = await _create_pg_database()
        assert created is not None  # this run's database_url came from the same server
        name, url = created
    engine = make_engine(url, pool_size=20)
    await _create_schema(engine)
    try:
        yield engine
    finally:
        await engine.dispose()
        if name is not None:
            await _drop_pg_database(name)


@pytest.fixture
async def connection(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """One connection whose outer transaction rolls back after the test: tests never leak rows."""
    async with engine.connect() as conn:
        transaction = await conn.begin()
        try:
            yield conn
        finally:
            await transaction.rollback()


@pytest.fixture
def sessions(connection: AsyncConnection) -> async_sessionmaker[AsyncSession]:
    """Session factory bound to the test connection; each commit only releases a savepoint."""
    return async_sessionmaker(
        bind=connection,
        expire_on_commit=False,
        join_transaction_mode="create_savepoint",
    )


@pytest.fixture
async def session(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    async with sessions() as session:
        yield session


@pytest.fixture
def database(engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]) -> Database:
    return Database(engine=engine, sessions=sessions)


@pytest.fixture
async def client(database: Database) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client for the whole ASGI app, inside the test's transaction."""
    app = create_app(Settings(worker_in_process=False, api_cache_seconds=0), database=database)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


@pytest.fixture(autouse=True)
def _release_clock() -> Iterator[None]:
    yield
    clock.freeze(None)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _pg_notice:
        terminalreporter.write_sep("!", "POSTGRESQL HALF OF THE SUITE WAS SKIPPED", red=True)
        for line in _pg_notice:
            terminalreporter.write_line(line, red=True)


ROOT = Path(__file__).resolve().parents[1]
