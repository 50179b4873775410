"""Order status pushes: when an order is paid, shipped or ready for pickup, every browser that
opted in for it (its confirmation page, or its signed-in customer) gets a web push.

Runs in the worker after commit. Idempotent: each (subscription, notification) is recorded
once sent, so a redelivered event does not push twice; subscriptions the push service calls
gone (404/410) are deleted. No transaction stays open while push services answer."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.customers import push
from omnishop.customers.push_rules import delivery_key
from omnishop.kernel import i18n
from omnishop.kernel.db import step_outside, unit_of_work
from omnishop.kernel.events import handles
from omnishop.kernel.settings import get_settings
from omnishop.orders import events, service
from omnishop.orders.schemas import OrderInfo

# The storefront's order status page for a token (the buyer's link, no sign-in needed).
STATUS_PAGE = "/order/{token}"


def _messages(kind: str, order: OrderInfo) -> dict[str, push.PushMessage]:
    """The notification in every UI locale (each subscription gets its own language)."""
    url = STATUS_PAGE.format(token=order.token)
    tag = f"o{order.id.hex[:24]}"
    out = {}
    for locale in i18n.LOCALES:
        title = i18n.gettext("Order %(number)s", locale) % {"number": order.number}
        if kind == "paid":
            body = i18n.gettext("Payment received. We are preparing your order.", locale)
        elif kind == "shipped":
            body = i18n.gettext("Your order is on its way.", locale)
        else:
            body = i18n.gettext("Your order is ready for pickup.", locale)
        out[locale] = push.PushMessage(title=title, body=body, url=url, tag=tag)
    return out


async def notify(session: AsyncSession, order_id: uuid.UUID, kind: str, key: str) -> None:
    """Push ``kind`` news of an order to its opted-in browsers, at most once each per ``key``."""
    order = await service.get(session=session, order_id=order_id)
    targets = await push.targets_for_order(
        session=session, order_id=order.id, customer_id=order.customer_id, key=key
    )
    if not targets:
        return
    messages = _messages(kind, order)
    factory = await step_outside(session)
    outcomes = await push.deliver(targets, messages, settings=get_settings())
    async with unit_of_work(factory) as uow:
        await push.record(session=uow, key=key, outcomes=outcomes)


@handles(events.OrderPaid)
async def push_when_paid(session: AsyncSession, event: events.OrderPaid) -> None:
    await notify(session, event.order_id, "paid", delivery_key(event.topic, str(event.order_id)))


@handles(events.OrderShipped)
async def push_when_shipped(session: AsyncSession, event: events.OrderShipped) -> None:
    key = delivery_key(event.topic, str(event.order_id), str(event.shipment_id))
    await notify(session, event.order_id, "shipped", key)


@handles(events.OrderReadyForPickup)
async def push_when_ready(session: AsyncSession, event: events.OrderReadyForPickup) -> None:
    await notify(session, event.order_id, "ready", delivery_key(event.topic, str(event.order_id)))
