"""The order follows its payment through the worker, on SQLite and PostgreSQL, against the
sandbox PSP: auto-capture after placing, paid on capture, void or refund on cancel."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omnishop.kernel import clock, outbox
from omnishop.kernel.db import unit_of_work
from omnishop.orders import jobs, service
from omnishop.orders.schemas import OrderInfo, ShipmentCreate, TrackingEventCreate
from omnishop.payments import service as payments
from tests.integration.test_orders_service import Shop, make_draft, shop
from tests.payments_fixtures import current, new_payment, psp_store

__all__ = ["psp_store"]
pytestmark = pytest.mark.usefixtures("psp_store")
Sessions = async_sessionmaker[AsyncSession]


async def placed(
    sessions: Sessions, *, method: str = "card", authorize: bool = True, capture: bool = False
) -> tuple[OrderInfo, uuid.UUID]:
    """Given a shop and a payment (authorized by the sandbox for cards), an order placed on it
    the way checkout completion does: place + attach_order in one transaction."""
    async with unit_of_work(sessions) as session:
        s: Shop = await shop(session)
    payment = await new_payment(sessions, method=method)
    if authorize:
        payment = await payments.authorize(sessions, payment_id=payment.id)
    if capture:
        await payments.capture(sessions, payment_id=payment.id)
    async with unit_of_work(sessions) as session:
        draft = replace(await make_draft(session, s, payment_method=method), payment_id=payment.id)
        order = await service.place(session=session, draft=draft)
        await payments.attach_order(session=session, payment_id=payment.id, order_id=order.id)
    return order, payment.id


async def order_now(sessions: Sessions, order_id: uuid.UUID) -> OrderInfo:
    async with sessions() as session:
        return await service.get(session=session, order_id=order_id)


async def test_an_authorized_card_is_captured_after_placing_and_the_order_is_paid(
    sessions: Sessions,
) -> None:
    order, payment_id = await placed(sessions)
    assert (await current(sessions, payment_id)).status == "authorized"

    await outbox.drain(sessions)
    await outbox.drain(sessions)  # a second pass (events of the first) changes nothing more

    after = await order_now(sessions, order.id)
    assert (await current(sessions, payment_id)).status == "captured"
    assert (after.status, after.payment_status) == ("paid", "paid")


async def test_a_payment_captured_before_the_order_existed_marks_it_paid(
    sessions: Sessions,
) -> None:
    order, _ = await placed(sessions, capture=True)

    await outbox.drain(sessions)

    after = await order_now(sessions, order.id)
    assert (after.status, after.payment_status) == ("paid", "paid")


async def test_cash_on_delivery_waits_until_the_cash_is_collected(sessions: Sessions) -> None:
    order, payment_id = await placed(sessions, method="cod", authorize=False)
    await outbox.drain(sessions)
    waiting = await order_now(sessions, order.id)

    async with unit_of_work(sessions) as session:
        await payments.mark_collected(session=session, payment_id=payment_id)
    await outbox.drain(sessions)

    assert (waiting.status, waiting.payment_status) == ("placed", "pending")
    after = await order_now(sessions, order.id)
    assert (after.status, after.payment_status) == ("paid", "paid")


async def test_canceling_before_capture_voids_the_authorization(sessions: Sessions) -> None:
    order, payment_id = await placed(sessions)
    async with unit_of_work(sessions) as session:
        await service.cancel(session=session, order_id=order.id, reason="changed mind", actor="t")

    await outbox.drain(sessions)

    after = await order_now(sessions, order.id)
    assert (await current(sessions, payment_id)).status == "canceled"
    assert (after.status, after.payment_status) == ("canceled", "voided")


async def test_canceling_a_paid_order_refunds_it(sessions: Sessions) -> None:
    order, payment_id = await placed(sessions)
    await outbox.drain(sessions)
    async with unit_of_work(sessions) as session:
        await service.cancel(session=session, order_id=order.id, reason="out of time", actor="t")

    await outbox.drain(sessions)

    after = await order_now(sessions, order.id)
    payment = await current(sessions, payment_id)
    assert (payment.status, payment.refunded_amount) == ("refunded", payment.captured_amount)
    assert (after.status, after.payment_status) == ("canceled", "refunded")


async def test_delivered_orders_complete_after_the_return_window(sessions: Sessions) -> None:
    order, _ = await placed(sessions)
    async with unit_of_work(sessions) as session:
        shipment = await service.create_shipment(
            session=session, order_id=order.id, data=ShipmentCreate(carrier="cdek")
        )
        await service.add_tracking_event(
            session=session,
            shipment_id=shipment.id,
            data=TrackingEventCreate(status="delivered", occurred_at=clock.now()),
        )

    async with unit_of_work(sessions) as session:
        await jobs.complete_delivered(session)
    early = await order_now(sessions, order.id)
    clock.freeze(clock.now() + jobs.RETURN_WINDOW + timedelta(minutes=1))
    async with unit_of_work(sessions) as session:
        await jobs.complete_delivered(session)

    assert early.status == "delivered"
    assert (await order_now(sessions, order.id)).status == "completed"
