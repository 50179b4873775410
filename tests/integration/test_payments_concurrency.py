"""Real concurrency on SQLite and PostgreSQL: refunds racing on one payment never exceed the
capture, and a racing authorize charges once. These tests commit, so they delete their rows."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from omnishop.kernel import clock
from omnishop.kernel.db import make_sessionmaker, unit_of_work
from omnishop.kernel.errors import DomainError
from omnishop.kernel.outbox import OutboxEvent
from omnishop.payments import service
from omnishop.payments.models import Payment, Refund
from tests.payments_fixtures import charges_for, new_payment, psp_store, topics

__all__ = ["psp_store"]
pytestmark = pytest.mark.usefixtures("psp_store")


@pytest.fixture
async def committed(engine: AsyncEngine) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    factory = make_sessionmaker(engine)
    started = clock.now()
    yield factory
    async with unit_of_work(factory) as session:
        ids = select(Payment.id).where(Payment.reference.like("race-%"))
        await session.execute(delete(Refund).where(Refund.payment_id.in_(ids)))
        await session.execute(delete(Payment).where(Payment.reference.like("race-%")))
        await session.execute(delete(OutboxEvent).where(OutboxEvent.created_at >= started))


async def _captured(factory: async_sessionmaker[AsyncSession]) -> uuid.UUID:
    created = await new_payment(factory, reference=f"race-{uuid.uuid4()}", amount=100_00)
    await service.authorize(factory, payment_id=created.id)
    await service.capture(factory, payment_id=created.id)
    return created.id


async def test_concurrent_refunds_never_exceed_the_capture(
    committed: async_sessionmaker[AsyncSession],
) -> None:
    payment_id = await _captured(committed)

    async def refund(n: int) -> bool:
        try:
            await service.refund(committed, payment_id=payment_id, amount=30_00, key=f"r{n}")
        except DomainError:
            return False
        return True

    outcomes = await asyncio.gather(*(refund(n) for n in range(8)))
    assert sum(outcomes) == 3  # 3 x 30.00 fits in 100.00, a fourth would not
    async with committed() as session:
        payment = await session.get(Payment, payment_id)
        assert payment is not None
        assert (payment.refunded_amount, payment.refund_pending) == (90_00, 0)
        assert payment.status == "partially_refunded"
    [charge] = await charges_for(payment_id)
    assert charge.refunded_amount == 90_00


async def test_concurrent_refunds_with_one_key_refund_once(
    committed: async_sessionmaker[AsyncSession],
) -> None:
    payment_id = await _captured(committed)
    results = await asyncio.gather(
        *(
            service.refund(committed, payment_id=payment_id, amount=60_00, key="same")
            for _ in range(5)
        ),
        return_exceptions=True,
    )
    assert any(not isinstance(r, BaseException) for r in results)
    async with committed() as session:
        payment = await session.get(Payment, payment_id)
        assert payment is not None and payment.refunded_amount == 60_00
    [charge] = await charges_for(payment_id)
    assert charge.refunded_amount == 60_00


async def test_concurrent_authorize_charges_once(
    committed: async_sessionmaker[AsyncSession],
) -> None:
    created = await new_payment(committed, reference=f"race-{uuid.uuid4()}")
    infos = await asyncio.gather(
        *(service.authorize(committed, payment_id=created.id) for _ in range(5))
    )
    assert {i.status for i in infos} == {"authorized"}
    assert len(await charges_for(created.id)) == 1
    async with committed() as session:
        assert await topics(session, created.id) == ["payments.authorized"]
