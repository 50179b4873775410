"""Events of the orders domain; each has a public topic merchants' webhooks subscribe to.

Optional ids are strings (``None`` when absent) so the outbox round-trip keeps their type."""

from __future__ import annotations

import dataclasses
import uuid

from omnishop.kernel.events import Event, event


@event
@dataclasses.dataclass(frozen=True)
class OrderPlaced(Event):
    topic = "orders.placed"
    public_topic = "order.placed"
    order_id: uuid.UUID
    number: str
    channel_id: uuid.UUID
    customer_id: str | None
    payment_id: str | None
    payment_method: str
    total: int
    currency: str


@event
@dataclasses.dataclass(frozen=True)
class OrderPaid(Event):
    topic = "orders.paid"
    public_topic = "order.paid"
    order_id: uuid.UUID
    number: str
    channel_id: uuid.UUID
    total: int
    currency: str


@event
@dataclasses.dataclass(frozen=True)
class OrderShipped(Event):
    topic = "orders.shipped"
    public_topic = "order.shipped"
    order_id: uuid.UUID
    number: str
    channel_id: uuid.UUID
    shipment_id: uuid.UUID
    carrier: str | None
    tracking_number: str | None
    # True when this shipment left the last open units (the order is now `shipped`).
    complete: bool


@event
@dataclasses.dataclass(frozen=True)
class OrderDelivered(Event):
    topic = "orders.delivered"
    public_topic = "order.delivered"
    order_id: uuid.UUID
    number: str
    channel_id: uuid.UUID


@event
@dataclasses.dataclass(frozen=True)
class OrderCanceled(Event):
    topic = "orders.canceled"
    public_topic = "order.canceled"
    order_id: uuid.UUID
    number: str
    channel_id: uuid.UUID
    payment_id: str | None
    reason: str
    actor: str
