"""Fixtures for the payments tests: the sandbox PSP's own store in a tmp file per test.

Import the fixtures into a test module (``from tests.payments_fixtures import psp_store``).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omnishop.kernel import clock
from omnishop.kernel.db import unit_of_work
from omnishop.kernel.outbox import OutboxEvent
from omnishop.payments import gateway, service
from omnishop.payments.sandbox import psp, store
from omnishop.payments.sandbox.store import Charge
from omnishop.payments.schemas import PaymentInput

SUCCESS_CARD = "4242424242424242"
DECLINED_CARD = "4000000000000002"
NO_FUNDS_CARD = "4000000000009995"
CHALLENGE_CARD = "4000000000003220"


@pytest.fixture
async def psp_store(tmp_path: Path) -> AsyncIterator[str]:
    """The sandbox PSP's database in a tmp file, so tests never touch ./var and stay apart."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'sandbox-psp.db'}"
    await store.use(url)
    try:
        yield url
    finally:
        await store.use(None)
        gateway.override("sandbox", None)


async def card_token(number: str = SUCCESS_CARD) -> str:
    return (
        await psp.tokenize(number=number, exp_month=12, exp_year=clock.now().year + 3, cvc="123")
    ).id


async def new_payment(
    sessions: async_sessionmaker[AsyncSession],
    *,
    method: str = "card",
    token: str | None = None,
    amount: int = 150_00,
    currency: str = "RUB",
    reference: str | None = None,
    return_url: str | None = "/checkout/return",
) -> service.PaymentInfo:
    if method == "card" and token is None:
        token = await card_token()
    async with unit_of_work(sessions) as session:
        return await service.create(
            session=session,
            reference=reference or f"cart:{uuid.uuid4()}",
            channel_id=None,
            customer_id=None,
            amount=amount,
            currency=currency,
            payment=PaymentInput.model_validate(
                {"method": method, "token": token, "return_url": return_url}
            ),
        )


async def charges_for(key: uuid.UUID) -> list[Charge]:
    async with unit_of_work(await store.sessions()) as session:
        return list(await session.scalars(select(Charge).where(Charge.idempotency_key == str(key))))


async def topics(session: AsyncSession, payment_id: uuid.UUID) -> list[str]:
    """Topics of the outbox events about one payment, oldest first."""
    rows = await session.scalars(select(OutboxEvent).order_by(OutboxEvent.created_at))
    return [r.topic for r in rows if r.payload.get("payment_id") == str(payment_id)]


async def count(session: AsyncSession, model: type[object]) -> int:
    return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def current(
    sessions: async_sessionmaker[AsyncSession], payment_id: uuid.UUID
) -> service.PaymentInfo:
    async with sessions() as session:
        return await service.get(session=session, payment_id=payment_id)
