"""Periodic worker jobs: due jobs run in their own transaction, a failure never stops the rest,
and the inventory job gives lapsed cart holds back."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omnishop.inventory import jobs as inventory_jobs
from omnishop.inventory import reservations, service
from omnishop.kernel import clock, schedule
from omnishop.kernel.db import unit_of_work
from tests.integration.test_inventory import level, location, variant

runs: list[str] = []


@pytest.fixture
def only_test_jobs() -> Iterator[None]:
    saved = dict(schedule.JOBS)
    schedule.JOBS.clear()
    runs.clear()
    yield
    schedule.JOBS.clear()
    schedule.JOBS.update(saved)


@pytest.mark.usefixtures("only_test_jobs")
async def test_a_due_job_runs_once_per_interval_and_a_failing_one_does_not_stop_it(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    @schedule.every(10, name="tick")
    async def tick(session: AsyncSession) -> None:
        runs.append("tick")

    @schedule.every(10, name="broken")
    async def broken(session: AsyncSession) -> None:
        raise RuntimeError("boom")

    first = await schedule.run_due(sessions, now=1000.0)
    too_soon = await schedule.run_due(sessions, now=1005.0)
    later = await schedule.run_due(sessions, now=1011.0)

    assert (first, too_soon, later) == (1, 0, 1)
    assert runs == ["tick", "tick"]


@pytest.mark.usefixtures("only_test_jobs")
async def test_the_worker_job_releases_lapsed_holds(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    schedule.every(15, name="release")(inventory_jobs.release_expired_holds)
    start = datetime(2026, 1, 1, 12, tzinfo=UTC)
    clock.freeze(start)
    async with unit_of_work(sessions) as session:
        vid, lid = await variant(session), await location(session, "main")
        await service.set_on_hand(session=session, variant_id=vid, location_id=lid, quantity=3)
        await reservations.reserve(
            session=session,
            variant_id=vid,
            quantity=2,
            reference="cart",
            channel_id=None,
            ttl=timedelta(minutes=15),
        )

    clock.freeze(start + timedelta(minutes=16))
    await schedule.run_due(sessions, now=0.0)

    async with sessions() as session:
        assert await level(session, vid, lid) == (3, 0)
        assert await reservations.holds_for(session=session, reference="cart") == []
