"""Event handlers and periodic jobs of the orders domain: the order follows its payment.

- ``order.placed``: an authorized online payment is captured (auto-capture), then the order
  is paid; a payment captured before the order existed (reconciliation) marks it paid.
- ``payment.captured`` / ``payment.refunded`` / ``payment.canceled``: the order's payment
  status follows (forward only, so repeats and late news change nothing).
- ``order.canceled``: the payment is voided, refunded or canceled (payments.service.void).

Every handler is idempotent: capture and void are idempotent at the PSP and here, and
payment status only moves forward."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.kernel import clock
from omnishop.kernel.db import step_outside, unit_of_work
from omnishop.kernel.errors import DomainError
from omnishop.kernel.events import handles
from omnishop.kernel.logging import get_logger
from omnishop.kernel.schedule import every
from omnishop.orders import rules, service
from omnishop.orders.events import OrderCanceled, OrderPlaced
from omnishop.orders.rules import OrderStatus
from omnishop.payments import service as payments
from omnishop.payments.events import PaymentCanceled, PaymentCaptured, PaymentRefunded
from omnishop.payments.service import PaymentInfo

log = get_logger(__name__)
# How long after delivery an order stays open for returns before it is completed.
RETURN_WINDOW = timedelta(days=14)


def _uuid(value: object) -> uuid.UUID | None:
    # Optional ids come back from the outbox as strings.
    return None if value is None else uuid.UUID(str(value))


async def _follow(session: AsyncSession, order_id: uuid.UUID, info: PaymentInfo) -> None:
    await service.set_payment_status(
        session=session, order_id=order_id, payment_status=rules.payment_status_of(info.status)
    )


@handles(OrderPlaced)
async def capture_when_placed(session: AsyncSession, event: OrderPlaced) -> None:
    """Auto-capture: take the money of an authorized online payment once the order exists."""
    payment_id = _uuid(event.payment_id)
    if payment_id is None:
        return
    order = await service.get(session=session, order_id=event.order_id)
    info = await payments.get(session=session, payment_id=payment_id)
    if order.status == OrderStatus.CANCELED or not rules.captures_automatically(
        event.payment_method, info.status
    ):
        await _follow(session, order.id, info)  # captured already, or cash: just follow
        return
    factory = await step_outside(session)
    try:
        info = await payments.capture(factory, payment_id=payment_id)
    except DomainError as exc:  # refused by the PSP: retrying will not help, staff will see it
        log.warning(
            "auto-capture refused", order=event.number, payment=str(payment_id), error=exc.detail
        )
        async with unit_of_work(factory) as own:
            await _follow(own, order.id, await payments.get(session=own, payment_id=payment_id))
        return
    async with unit_of_work(factory) as own:
        await _follow(own, order.id, info)


async def _order_of(
    session: AsyncSession, order_id: object, payment_id: uuid.UUID
) -> uuid.UUID | None:
    known = _uuid(order_id)
    if known is not None:
        return known
    order = await service.get_by_payment(session=session, payment_id=payment_id)
    return None if order is None else order.id


@handles(PaymentCaptured)
async def paid_when_captured(session: AsyncSession, event: PaymentCaptured) -> None:
    """The money arrived: the order is paid (if it was placed yet; placing checks again)."""
    order_id = await _order_of(session, event.order_id, event.payment_id)
    if order_id is not None:
        await service.mark_paid(session=session, order_id=order_id)


@handles(PaymentRefunded)
@handles(PaymentCanceled)
async def follow_payment(session: AsyncSession, event: PaymentRefunded | PaymentCanceled) -> None:
    """The order's payment status follows a refund or a cancellation of its payment."""
    order_id = await _order_of(session, event.order_id, event.payment_id)
    if order_id is not None:
        await _follow(
            session, order_id, await payments.get(session=session, payment_id=event.payment_id)
        )


@handles(OrderCanceled)
async def void_when_canceled(session: AsyncSession, event: OrderCanceled) -> None:
    """Give the money back: void an authorization, refund a capture, cancel a pending one."""
    payment_id = _uuid(event.payment_id)
    if payment_id is None:
        return
    factory = await step_outside(session)
    try:
        info = await payments.void(
            factory, payment_id=payment_id, reason=f"order {event.number} canceled: {event.reason}"
        )
    except DomainError as exc:
        log.error(
            "void after cancel refused",
            order=event.number,
            payment=str(payment_id),
            error=exc.detail,
        )
        return
    async with unit_of_work(factory) as own:
        await _follow(own, event.order_id, info)


@every(3600, name="orders.complete_delivered")
async def complete_delivered(session: AsyncSession) -> None:
    """Delivered orders past the return window become completed."""
    await service.complete_delivered(session=session, delivered_before=clock.now() - RETURN_WINDOW)
