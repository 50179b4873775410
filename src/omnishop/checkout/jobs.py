"""Checkout's worker side: late payment outcomes become orders, orphaned charges are undone."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.checkout import maintenance  # noqa: F401  (registers the idle-cart job)
from omnishop.checkout.completion import settle_later
from omnishop.kernel import clock, schedule
from omnishop.kernel.db import sibling_factory, step_outside
from omnishop.kernel.events import handles
from omnishop.orders import service as orders
from omnishop.orders.events import OrderCanceled
from omnishop.payments import service as payments
from omnishop.payments.events import PaymentAuthorized, PaymentCanceled, PaymentFailed
from omnishop.pricing import promotion_service as promotions

# A payment without an order younger than this may still belong to a live request.
GRACE = timedelta(minutes=2)
# A buyer gets this long to pass a 3-D Secure challenge or confirm in the bank app.
ACTION_WINDOW = timedelta(minutes=30)


@handles(PaymentAuthorized)
@handles(PaymentFailed)
@handles(PaymentCanceled)
async def on_payment_outcome(
    session: AsyncSession, event: PaymentAuthorized | PaymentFailed | PaymentCanceled
) -> None:
    """A payment's outcome arrived after its request (3-D Secure passed or failed, the PSP's
    webhook said so): the waiting cart becomes an order, or opens again."""
    paid = await payments.get(session=session, payment_id=event.payment_id)
    await settle_later(await step_outside(session), paid)


@handles(OrderCanceled)
async def give_vouchers_back(session: AsyncSession, event: OrderCanceled) -> None:
    """A canceled order gives back the voucher uses its cart took (the total and the
    per-customer count). Idempotent: the redemption rows go with the first delivery."""
    order = await orders.get(session=session, order_id=event.order_id)
    await promotions.release(session=session, cart_id=order.cart_id)


@schedule.every(30, name="checkout.reconcile", writes=False)
async def reconcile(session: AsyncSession) -> int:
    """Payments left without an order (the process died mid-completion, a buyer walked away
    from a challenge): ask the provider for the truth, then place the order or void."""
    now = clock.now()
    factory = sibling_factory(session)
    overdue = {
        p.id for p in await payments.unattached(session=session, older_than=now - ACTION_WINDOW)
    }
    settled = 0
    for stale in await payments.unattached(session=session, older_than=now - GRACE):
        if stale.status == "requires_action" and stale.id not in overdue:
            continue
        truth = await payments.sync(factory, payment_id=stale.id)
        if truth.status == "requires_action":
            truth = await payments.void(factory, payment_id=stale.id, reason="challenge abandoned")
        await settle_later(factory, truth, recovering=True)
        settled += 1
    return settled
