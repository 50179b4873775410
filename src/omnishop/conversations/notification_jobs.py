"""Order news to the customer's chat (opt-in only; see conversations.notifications)."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.conversations import cart_reminders, notifications, stock_watch
from omnishop.inventory.events import StockChanged
from omnishop.kernel.events import handles
from omnishop.kernel.settings import get_settings
from omnishop.orders import events
from omnishop.orders import service as orders


async def _order_news(
    session: AsyncSession,
    order_id: uuid.UUID,
    trigger: str,
    reference: str,
    tracking: str | None = None,
) -> notifications.Outcome:
    order = await orders.get(session=session, order_id=order_id)
    return await notifications.notify_order(
        session=session,
        customer_id=order.customer_id,
        trigger=trigger,
        reference=reference,
        number=order.number,
        tracking=tracking,
        url=f"{get_settings().base_url.rstrip('/')}/order/{order.token}",
    )


@handles(events.OrderPaid)
async def tell_paid(session: AsyncSession, event: events.OrderPaid) -> None:
    await _order_news(session, event.order_id, "order_paid", str(event.order_id))


@handles(events.OrderShipped)
async def tell_shipped(session: AsyncSession, event: events.OrderShipped) -> None:
    reference = f"{event.order_id}:{event.shipment_id}"
    await _order_news(session, event.order_id, "order_shipped", reference, event.tracking_number)


@handles(events.OrderReadyForPickup)
async def tell_ready(session: AsyncSession, event: events.OrderReadyForPickup) -> None:
    await _order_news(session, event.order_id, "order_ready_for_pickup", str(event.order_id))


@handles(events.OrderDelivered)
async def tell_delivered(session: AsyncSession, event: events.OrderDelivered) -> None:
    await _order_news(session, event.order_id, "order_delivered", str(event.order_id))


@handles(StockChanged)
async def tell_back_in_stock(session: AsyncSession, event: StockChanged) -> None:
    await stock_watch.back_in_stock(session=session, variant_id=event.variant_id)


__all__ = ["cart_reminders"]  # its periodic job registers on import
