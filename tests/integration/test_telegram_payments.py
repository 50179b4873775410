"""The ``telegram`` provider: a charge Telegram Payments already took is captured at once in
the caller's transaction, found again by its charge id, refused outside telegram channels, and
recorded for a refund by staff when no order can be placed for it."""

from __future__ import annotations

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omnishop.channels.models import Channel
from omnishop.kernel.db import unit_of_work
from omnishop.kernel.errors import ValidationFailed
from omnishop.payments import service as payments
from omnishop.payments import telegram
from omnishop.payments.schemas import TelegramPayment
from tests.integration.test_cart_fixtures import open_shop

Sessions = async_sessionmaker[AsyncSession]


async def test_a_telegram_charge_is_captured_at_once_and_found_by_its_id(
    sessions: Sessions,
) -> None:
    async with unit_of_work(sessions) as session:
        shop = await open_shop(session, code="tgp")
        await session.execute(update(Channel).where(Channel.code == "tgp").values(kind="telegram"))
        started = await payments.create(
            session=session, reference="cart:x", channel_id=shop.channel.id, customer_id=None,
            amount=250000, currency="RUB",
            payment=TelegramPayment(method="telegram", token="charge-9"),
        )  # fmt: skip
        assert (started.provider, started.status) == ("telegram", "pending")
        paid = await telegram.collect(session=session, payment_id=started.id)
        assert (paid.status, paid.captured_amount) == ("captured", 250000)
    async with sessions() as session:
        found = await telegram.by_charge(session=session, charge_id="charge-9")
        assert found is not None and found.id == started.id
        assert await telegram.by_charge(session=session, charge_id="charge-10") is None
    # A refund is recorded (staff return the money in the provider's dashboard).
    back = await payments.refund(sessions, payment_id=started.id, amount=250000, key="r-1")
    assert (back.status, back.refunded_amount) == ("refunded", 250000)


async def test_a_telegram_charge_is_refused_in_a_web_channel(sessions: Sessions) -> None:
    async with unit_of_work(sessions) as session:
        shop = await open_shop(session, code="tgw")
        with pytest.raises(ValidationFailed, match="telegram channel"):
            await payments.create(
                session=session, reference="cart:x", channel_id=shop.channel.id,
                customer_id=None, amount=100, currency="RUB",
                payment=TelegramPayment(method="telegram", token="charge-1"),
            )  # fmt: skip


async def test_an_unplaced_charge_is_recorded_once_for_a_refund(sessions: Sessions) -> None:
    async with unit_of_work(sessions) as session:
        shop = await open_shop(session, code="tgu")
        first = await telegram.record_unplaced(
            session=session, channel_id=shop.channel.id, customer_id=None, charge_id="ch-u",
            provider_charge_id="psp-u", amount=100, currency="RUB", reason="cart gone",
        )  # fmt: skip
        again = await telegram.record_unplaced(
            session=session, channel_id=shop.channel.id, customer_id=None, charge_id="ch-u",
            provider_charge_id="psp-u", amount=100, currency="RUB", reason="cart gone",
        )  # fmt: skip
    assert again.id == first.id
    assert (first.status, first.failure_code) == ("canceled", telegram.REFUND_REQUIRED)
    assert first.order_id is None and first.amount == 100
