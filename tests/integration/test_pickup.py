"""Click & collect on SQLite and PostgreSQL: ready → wrong code refused (and counted) → right
code → delivered; locking after too many wrong codes; uncollected orders expire, release
their stock and give the money back."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

import omnishop.orders.jobs  # noqa: F401  (the cancel handler voids the payment)
from omnishop.inventory.operations import get_level
from omnishop.inventory.schemas import LevelRead
from omnishop.kernel import clock, outbox
from omnishop.kernel.db import unit_of_work
from omnishop.kernel.outbox import OutboxEvent
from omnishop.orders import pickup
from omnishop.orders import service as orders
from omnishop.orders.pickup_jobs import expire_uncollected_pickups
from omnishop.orders.pickup_rules import (
    MAX_ATTEMPTS,
    NotAPickupOrder,
    PickupCodeWrong,
    PickupLocked,
)
from omnishop.orders.schemas import OrderInfo
from omnishop.payments import service as payments
from omnishop.payments.schemas import PaymentInput
from tests.integration.pickup_fixtures import Shop, open_shop, pickup_order
from tests.payments_fixtures import card_token, psp_store

__all__ = ["psp_store"]
pytestmark = pytest.mark.usefixtures("psp_store")
Sessions = async_sessionmaker[AsyncSession]


async def setup(sessions: Sessions, method: str = "card") -> tuple[Shop, OrderInfo]:
    async with unit_of_work(sessions) as session:
        shop = await open_shop(session)
    token = await card_token() if method == "card" else None
    order = await pickup_order(
        sessions, shop, payment=PaymentInput.model_validate({"method": method, "token": token})
    )
    await outbox.drain(sessions)  # auto-capture: the order is paid
    return shop, order


async def level(sessions: Sessions, shop: Shop) -> LevelRead:
    async with sessions() as session:
        return await get_level(session=session, variant_id=shop.kettle, location_id=shop.tverskaya)


async def order_now(sessions: Sessions, order: OrderInfo) -> OrderInfo:
    async with sessions() as session:
        return await orders.get(session=session, order_id=order.id)


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


async def test_ready_then_a_wrong_code_is_refused_and_the_right_one_delivers(
    sessions: Sessions,
) -> None:
    shop, order = await setup(sessions)
    assert (await order_now(sessions, order)).status == "paid"
    async with unit_of_work(sessions) as session:
        ready = await pickup.mark_ready(session=session, order_id=order.id)
        topics = [e.topic for e in await session.scalars(select(OutboxEvent))]
    assert ready.status == "ready" and len(ready.code) == 6 and ready.code.isdigit()
    assert ready.expires_at == ready.ready_at + timedelta(days=7)
    assert "orders.ready_for_pickup" in topics
    # Ready does not move stock: the unit stays committed at the store.
    assert (await level(sessions, shop)).committed == 1

    with pytest.raises(PickupCodeWrong) as refused:
        await pickup.handover(sessions, order_id=order.id, code=wrong(ready.code))
    assert refused.value.extra["attempts_left"] == MAX_ATTEMPTS - 1
    async with sessions() as session:  # the wrong try was committed, not rolled back
        assert (await pickup.get(session=session, order_id=order.id)).attempts_left == 4
    assert (await order_now(sessions, order)).status == "paid"

    done = await pickup.handover(sessions, order_id=order.id, code=ready.qr_payload)

    after = await order_now(sessions, order)
    assert done.status == "collected" and done.collected_at is not None
    assert after.status == "delivered"
    (shipment,) = after.shipments
    assert (shipment.kind, shipment.status) == ("pickup", "delivered")
    stock = await level(sessions, shop)
    assert (stock.on_hand, stock.committed) == (2, 0)  # 3 on hand, one handed over
    async with sessions() as session:
        topics = [e.topic for e in await session.scalars(select(OutboxEvent))]
    assert "orders.collected" in topics and "orders.delivered" in topics
    # Handing over twice is refused: it is collected.
    with pytest.raises(Exception, match="collected"):
        await pickup.handover(sessions, order_id=order.id, code=ready.code)


async def test_too_many_wrong_codes_lock_until_a_new_code_is_issued(sessions: Sessions) -> None:
    _, order = await setup(sessions)
    async with unit_of_work(sessions) as session:
        ready = await pickup.mark_ready(session=session, order_id=order.id)
    for _ in range(MAX_ATTEMPTS - 1):
        with pytest.raises(PickupCodeWrong):
            await pickup.handover(sessions, order_id=order.id, code=wrong(ready.code))
    with pytest.raises(PickupLocked):
        await pickup.handover(sessions, order_id=order.id, code=wrong(ready.code))
    with pytest.raises(PickupLocked):  # even the right code, once locked
        await pickup.handover(sessions, order_id=order.id, code=ready.code)

    async with unit_of_work(sessions) as session:
        again = await pickup.mark_ready(session=session, order_id=order.id)
    assert again.code != ready.code and not again.locked and again.attempts_left == MAX_ATTEMPTS
    with pytest.raises(PickupCodeWrong):  # the old code is dead
        await pickup.handover(sessions, order_id=order.id, code=ready.code)
    assert (await pickup.handover(sessions, order_id=order.id, code=again.code)).status == (
        "collected"
    )


async def test_marking_ready_twice_keeps_the_code(sessions: Sessions) -> None:
    _, order = await setup(sessions)
    async with unit_of_work(sessions) as session:
        first = await pickup.mark_ready(session=session, order_id=order.id)
        second = await pickup.mark_ready(session=session, order_id=order.id)
    assert first == second


async def test_an_uncollected_order_expires_releases_stock_and_refunds(sessions: Sessions) -> None:
    shop, order = await setup(sessions)
    start = clock.now()
    clock.freeze(start)
    async with unit_of_work(sessions) as session:
        await pickup.mark_ready(session=session, order_id=order.id)
    assert (await level(sessions, shop)).available == 2

    clock.freeze(start + timedelta(days=6, hours=23))
    async with unit_of_work(sessions) as session:
        await expire_uncollected_pickups(session)
    assert (await order_now(sessions, order)).status == "paid"  # not yet

    clock.freeze(start + timedelta(days=7, minutes=1))
    async with unit_of_work(sessions) as session:
        await expire_uncollected_pickups(session)
        await expire_uncollected_pickups(session)  # a second run changes nothing
    after = await order_now(sessions, order)
    assert (after.status, after.cancel_reason) == ("canceled", "not collected")
    stock = await level(sessions, shop)
    assert (stock.on_hand, stock.committed, stock.available) == (3, 0, 3)
    async with sessions() as session:
        assert (await pickup.get(session=session, order_id=order.id)).status == "expired"

    await outbox.drain(sessions)  # the cancel handler gives the money back

    assert after.payment_id is not None
    async with sessions() as session:
        paid = await payments.get(session=session, payment_id=after.payment_id)
    assert paid.status == "refunded"
    assert (await order_now(sessions, order)).payment_status == "refunded"


async def test_an_expired_authorization_only_order_is_voided(sessions: Sessions) -> None:
    """Pay at pickup: nothing was charged, the pending payment is canceled."""
    _, order = await setup(sessions, method="pay_at_pickup")
    start = clock.now()
    clock.freeze(start)
    async with unit_of_work(sessions) as session:
        await pickup.mark_ready(session=session, order_id=order.id)
    clock.freeze(start + timedelta(days=8))
    async with unit_of_work(sessions) as session:
        await expire_uncollected_pickups(session)
    await outbox.drain(sessions)
    after = await order_now(sessions, order)
    assert after.status == "canceled" and after.payment_status == "voided"


async def test_pay_at_pickup_is_collected_at_the_hand_over(sessions: Sessions) -> None:
    _, order = await setup(sessions, method="pay_at_pickup")
    async with unit_of_work(sessions) as session:
        ready = await pickup.mark_ready(session=session, order_id=order.id)
    await pickup.handover(sessions, order_id=order.id, code=ready.code)
    await outbox.drain(sessions)
    after = await order_now(sessions, order)
    assert (after.status, after.payment_status) == ("delivered", "paid")


async def test_a_shipped_order_has_no_pickup(sessions: Sessions) -> None:
    _, order = await setup(sessions)
    async with unit_of_work(sessions) as session:
        from omnishop.orders.models import Order

        row = await session.get(Order, order.id)
        assert row is not None
        row.delivery = {"kind": "shipping", "method": "courier"}
    with pytest.raises(NotAPickupOrder):
        async with unit_of_work(sessions) as session:
            await pickup.mark_ready(session=session, order_id=order.id)
