"""Real concurrency on SQLite and PostgreSQL (a fresh database, real commits): burns racing
for one balance never overspend it, and the same burn retried concurrently counts once."""

from __future__ import annotations

import asyncio
import uuid

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from omnishop.customers.models import Customer
from omnishop.kernel.db import make_sessionmaker, unit_of_work
from omnishop.loyalty import service
from omnishop.loyalty.models import LoyaltyAccount, LoyaltyEntry

BUYERS = 30


async def test_concurrent_burns_never_take_the_balance_below_zero(
    fresh_engine: AsyncEngine,
) -> None:
    factory = make_sessionmaker(fresh_engine)
    async with unit_of_work(factory) as session:
        customer = Customer(email="race@example.com")
        session.add(customer)
        await session.flush()
        await service.earn(session=session, customer_id=customer.id, points=100, reference="seed")

    async def spend(n: int) -> bool:
        try:
            async with unit_of_work(factory) as session:
                await service.burn(
                    session=session,
                    customer_id=customer.id,
                    points=10,
                    reference=f"order:{n}",
                    channel_id=None,
                )
            return True
        except service.InsufficientPoints:
            return False

    outcomes = await asyncio.gather(*(spend(n) for n in range(BUYERS)))

    async with factory() as session:
        balance = await session.scalar(
            select(LoyaltyAccount.balance).where(LoyaltyAccount.customer_id == customer.id)
        )
        total = await session.scalar(select(func.sum(LoyaltyEntry.points)))
        burns = await session.scalar(
            select(func.count()).select_from(LoyaltyEntry).where(LoyaltyEntry.kind == "burn")
        )
    assert sum(outcomes) == 10
    assert (balance, total, burns) == (0, 0, 10)


async def test_the_same_burn_retried_concurrently_is_taken_once(
    fresh_engine: AsyncEngine,
) -> None:
    factory = make_sessionmaker(fresh_engine)
    async with unit_of_work(factory) as session:
        customer = Customer(email="retry@example.com")
        session.add(customer)
        await session.flush()
        await service.earn(session=session, customer_id=customer.id, points=100, reference="seed")
    reference = f"order:{uuid.uuid4()}"

    async def spend() -> int:
        async with unit_of_work(factory) as session:
            posted = await service.burn(
                session=session,
                customer_id=customer.id,
                points=60,
                reference=reference,
                channel_id=None,
            )
        return posted.entry.points

    outcomes = await asyncio.gather(*(spend() for _ in range(8)))

    async with factory() as session:
        balance = await session.scalar(
            select(LoyaltyAccount.balance).where(LoyaltyAccount.customer_id == customer.id)
        )
    assert outcomes == [-60] * 8  # every caller sees the one burn
    assert balance == 40
