"""Anonymous catalog reads come from the micro-cache for its TTL, then stale while one refresh
runs; concurrent first reads compute once; credentials bypass it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omnishop.app import create_app
from omnishop.channels import service as channels
from omnishop.channels.schemas import ChannelCreate, ChannelUpdate
from omnishop.kernel.db import unit_of_work
from omnishop.kernel.runtime import Database
from omnishop.kernel.settings import Settings


@pytest.fixture
async def cached_client(database: Database) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(Settings(worker_in_process=False, api_cache_seconds=1.0), database=database)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


async def rename(sessions: async_sessionmaker[AsyncSession], name: str) -> None:
    async with unit_of_work(sessions) as session:
        await channels.update(session=session, code="web", data=ChannelUpdate(name=name))


async def test_a_read_is_cached_until_its_ttl_passes(
    cached_client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with unit_of_work(sessions) as session:
        await channels.create(
            session=session,
            data=ChannelCreate(
                code="web",
                name="Old",
                kind="web",
                currency="RUB",
                default_locale="ru",
                country="RU",
            ),
        )
    first = await cached_client.get("/api/v1/channels")
    await rename(sessions, "New")

    within_ttl = await cached_client.get("/api/v1/channels")
    with_credentials = await cached_client.get(
        "/api/v1/channels", headers={"Authorization": "Bearer x"}
    )
    await asyncio.sleep(1.05)
    after_ttl = await cached_client.get("/api/v1/channels")
    for _ in range(50):  # the background refresh lands shortly after
        refreshed = await cached_client.get("/api/v1/channels")
        if refreshed.json()["data"][0]["name"] == "New":
            break
        await asyncio.sleep(0.01)

    assert first.headers["x-cache"] == "miss"
    assert (within_ttl.headers["x-cache"], within_ttl.json()["data"][0]["name"]) == ("hit", "Old")
    assert within_ttl.headers["content-type"] == first.headers["content-type"]
    assert with_credentials.json()["data"][0]["name"] == "New"
    assert "x-cache" not in with_credentials.headers
    assert (after_ttl.headers["x-cache"], after_ttl.json()["data"][0]["name"]) == ("stale", "Old")
    assert (refreshed.headers["x-cache"], refreshed.json()["data"][0]["name"]) == ("hit", "New")


async def test_concurrent_first_reads_compute_once(
    cached_client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    answers = await asyncio.gather(*(cached_client.get("/api/v1/channels") for _ in range(8)))

    assert [a.status_code for a in answers] == [200] * 8
    assert sorted(a.headers["x-cache"] for a in answers) == ["hit"] * 7 + ["miss"]


async def test_errors_are_not_served_from_the_cache(
    cached_client: httpx.AsyncClient,
) -> None:
    missing = await cached_client.get("/api/v1/products?channel=nope")
    again = await cached_client.get("/api/v1/products?channel=nope")

    assert missing.status_code == again.status_code == 404
    assert again.headers["x-cache"] == "miss"
