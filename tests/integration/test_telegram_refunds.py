"""Telegram charges no order could be placed for, on SQLite and PostgreSQL: each waits once in
``telegram_refunds`` with its charge ids and chat; staff record it refunded at the provider
once (who, when, a note), a second time changes nothing, and only a charge that waits for a
refund can be recorded so."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omnishop.channels.models import Channel
from omnishop.kernel import clock
from omnishop.kernel.db import unit_of_work
from omnishop.kernel.errors import NotFound, ValidationFailed
from omnishop.payments import service as payments
from omnishop.payments import telegram
from omnishop.payments.models import Payment, TelegramRefund
from omnishop.payments.schemas import TelegramPayment
from tests.integration.test_cart_fixtures import open_shop

Sessions = async_sessionmaker[AsyncSession]


async def unplaced(sessions: Sessions, code: str, charge: str) -> uuid.UUID:
    """A charge Telegram took for a cart that was already ordered: flagged for a refund."""
    async with unit_of_work(sessions) as session:
        shop = await open_shop(session, code=code)
        recorded = await telegram.record_unplaced(
            session=session, channel_id=shop.channel.id, customer_id=None, charge_id=charge,
            provider_charge_id=f"psp-{charge}", amount=250000, currency="RUB",
            reason="order not placed: conflict: the cart was ordered already",
            conversation_id=uuid.UUID(int=7),
        )  # fmt: skip
        return recorded.id


async def test_staff_record_a_refund_at_the_provider_once(sessions: Sessions) -> None:
    payment_id = await unplaced(sessions, "tgr-a", "ch-a")
    async with sessions() as session:
        waiting = await session.get(TelegramRefund, payment_id)
        assert waiting is not None
        assert (waiting.status, waiting.charge_id, waiting.provider_charge_id) == (
            "refund_required", "ch-a", "psp-ch-a",
        )  # fmt: skip
        assert waiting.conversation_id == uuid.UUID(int=7) and waiting.amount == 250000
        assert "already" in waiting.reason

    at = clock.now()
    clock.freeze(at)
    async with unit_of_work(sessions) as session:
        first = await telegram.mark_refunded(
            session=session, payment_id=payment_id, actor="staff:1", note="  YooKassa r-42 "
        )
    clock.freeze(None)
    async with unit_of_work(sessions) as session:
        again = await telegram.mark_refunded(
            session=session, payment_id=payment_id, actor="staff:2", note="again"
        )

    assert (first.status, first.refunded_by, first.note) == ("refunded", "staff:1", "YooKassa r-42")
    assert first.refunded_at is not None and first.refunded_at.timestamp() == at.timestamp()
    assert again == first  # the first record stands
    async with sessions() as session:
        payment = await session.get(Payment, payment_id)
        assert payment is not None
        assert (payment.status, payment.failure_code) == ("canceled", "refunded_at_provider")


async def test_only_a_charge_waiting_for_a_refund_is_recorded_refunded(sessions: Sessions) -> None:
    waiting = await unplaced(sessions, "tgr-b", "ch-b")
    async with unit_of_work(sessions) as session:
        shop = await open_shop(session, code="tgr-c")
        await session.execute(
            update(Channel).where(Channel.code == "tgr-c").values(kind="telegram")
        )
        paid = await payments.create(
            session=session, reference="cart:x", channel_id=shop.channel.id, customer_id=None,
            amount=1000, currency="RUB", payment=TelegramPayment(method="telegram", token="ch-c"),
        )  # fmt: skip
        await telegram.collect(session=session, payment_id=paid.id)

    async with unit_of_work(sessions) as session:
        with pytest.raises(NotFound):
            await telegram.mark_refunded(
                session=session, payment_id=paid.id, actor="staff:1", note="no"
            )
        with pytest.raises(ValidationFailed):
            await telegram.mark_refunded(
                session=session, payment_id=waiting, actor="staff:1", note="   "
            )

    async with sessions() as session:
        rows = list(await session.scalars(select(TelegramRefund)))
        assert [(r.payment_id, r.status) for r in rows] == [(waiting, "refund_required")]
        captured = await session.get(Payment, paid.id)
        assert captured is not None and captured.failure_code is None
