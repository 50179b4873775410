"""In-person payments (cash, card on the store's terminal): captured at once by the in_person
provider, refunded through the same refund path, and only in store channels."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omnishop import handlers
from omnishop.checkout import pos
from omnishop.customers import contacts
from omnishop.kernel import outbox
from omnishop.kernel.db import unit_of_work
from omnishop.kernel.errors import ValidationFailed
from omnishop.kernel.outbox import OutboxEvent
from omnishop.orders import service as orders
from omnishop.payments import service as payments
from omnishop.payments.schemas import InPersonPayment
from tests.integration.pickup_fixtures import Shop, open_shop

Sessions = async_sessionmaker[AsyncSession]


async def setup(sessions: Sessions) -> Shop:
    async with unit_of_work(sessions) as session:
        return await open_shop(session)


@pytest.mark.parametrize("method", ["cash", "card_present"])
async def test_an_in_person_payment_is_captured_at_once_and_refunds_at_the_counter(
    sessions: Sessions, method: str
) -> None:
    shop = await setup(sessions)
    sale = await pos.sell(
        sessions,
        location_code="cc-arbat",
        lines=[pos.SaleLine(quantity=2, sku=shop.kettle_sku)],
        method=method,
    )
    paid = sale.payment
    assert (paid.status, paid.provider, paid.captured_amount) == ("captured", "in_person", 500000)

    part = await payments.refund(sessions, payment_id=paid.id, amount=250000, key="return-1")
    again = await payments.refund(sessions, payment_id=paid.id, amount=250000, key="return-1")
    assert (part.status, part.refunded_amount) == ("partially_refunded", 250000)
    assert again.refunded_amount == 250000  # the same key refunds once
    rest = await payments.refund(sessions, payment_id=paid.id, amount=250000, key="return-2")
    assert (rest.status, rest.refunded_amount) == ("refunded", 500000)


async def test_cash_is_refused_outside_store_channels(sessions: Sessions) -> None:
    shop = await setup(sessions)
    async with unit_of_work(sessions) as session:
        with pytest.raises(ValidationFailed, match="store counter"):
            await payments.create(
                session=session, reference="cart:x", channel_id=shop.web.id, customer_id=None,
                amount=100, currency="RUB", payment=InPersonPayment(method="cash"),
            )  # fmt: skip
        with pytest.raises(ValidationFailed, match="store counter"):
            await payments.create(
                session=session, reference="cart:y", channel_id=None, customer_id=None,
                amount=100, currency="RUB", payment=InPersonPayment(method="cash"),
            )  # fmt: skip
        made = await payments.create(
            session=session, reference="cart:z", channel_id=shop.store_channel.id,
            customer_id=None, amount=100, currency="RUB", payment=InPersonPayment(method="cash"),
        )  # fmt: skip
    assert made.provider == "in_person"


async def test_every_handler_digests_a_pos_sale_and_a_collected_pickup(sessions: Sessions) -> None:
    """With every domain's handlers (as the worker has them), the events of an in-store sale
    are all handled without error, and the order stays paid and delivered."""
    handlers.register()
    shop = await setup(sessions)
    async with unit_of_work(sessions) as session:
        customer = await contacts.find_or_create(session=session, phone="+79161234567")
    sale = await pos.sell(
        sessions,
        location_code="cc-tverskaya",
        lines=[pos.SaleLine(quantity=1, variant_id=shop.kettle)],
        method="cash",
        phone="+7 916 123 45 67",
    )
    assert sale.order.customer_id == customer

    await outbox.drain(sessions)

    async with sessions() as session:
        failed = list(
            await session.scalars(
                select(OutboxEvent).where(
                    (OutboxEvent.processed_at.is_(None)) | (OutboxEvent.last_error.is_not(None))
                )
            )
        )
        after = await orders.get(session=session, order_id=sale.order.id)
    assert [(e.topic, e.last_error) for e in failed] == []
    assert (after.status, after.payment_status) == ("delivered", "paid")


async def test_reconciling_cash_taken_without_an_order_keeps_it_captured(
    sessions: Sessions,
) -> None:
    """The process died after the cashier took the money and before the order was placed:
    reconciliation has no PSP to ask, and must not call the money it recorded "failed"."""
    shop = await setup(sessions)
    async with unit_of_work(sessions) as session:
        made = await payments.create(
            session=session, reference="cart:crashed", channel_id=shop.store_channel.id,
            customer_id=None, amount=100, currency="RUB", payment=InPersonPayment(method="cash"),
        )  # fmt: skip
    taken = await payments.authorize(sessions, payment_id=made.id)

    synced = await payments.sync(sessions, payment_id=made.id)

    assert taken.status == "captured"
    assert (synced.status, synced.captured_amount) == ("captured", 100)
