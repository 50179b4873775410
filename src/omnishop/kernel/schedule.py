"""Periodic jobs run by the worker (release expired holds, later: expiring points, syncs).

Each job runs in its own unit of work and must be safe to run in several worker processes
at once (conditional updates, not read-then-write). A failing job is logged and retried on
its next tick; it never stops the worker.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omnishop.kernel.db import unit_of_work
from omnishop.kernel.logging import get_logger

log = get_logger(__name__)
Job = Callable[[AsyncSession], Awaitable[object]]
J = TypeVar("J", bound=Job)


@dataclass
class Periodic:
    name: str
    seconds: float
    job: Job
    # False for a job that runs its own units of work (it gets a session that holds no
    # write lock, so on SQLite those units of work can write).
    writes: bool = True
    next_run: float = field(default=0.0)


JOBS: dict[str, Periodic] = {}


def every(seconds: float, name: str | None = None, *, writes: bool = True) -> Callable[[J], J]:
    """Register ``job`` to run about every ``seconds`` in the worker."""

    def register(job: J) -> J:
        key = name or f"{job.__module__}.{job.__qualname__}"
        JOBS[key] = Periodic(key, seconds, job, writes)
        return job

    return register


async def run_due(factory: async_sessionmaker[AsyncSession], *, now: float | None = None) -> int:
    """Run every job whose time has come; returns how many ran without error."""
    moment = time.monotonic() if now is None else now
    ran = 0
    for periodic in list(JOBS.values()):
        if periodic.next_run > moment:
            continue
        periodic.next_run = moment + periodic.seconds
        try:
            async with unit_of_work(factory, writes=periodic.writes) as session:
                await periodic.job(session)
            ran += 1
        except Exception as exc:
            log.error("periodic job failed", job=periodic.name, error=repr(exc))
    return ran
