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


# Returns (orders.returns). ``lines``: [{"order_line_id", "variant_id", "quantity", "amount"}]
# as JSON-safe dicts, amounts in minor units.


@event
@dataclasses.dataclass(frozen=True)
class ReturnRequested(Event):
    topic = "orders.return_requested"
    public_topic = "return.requested"
    order_id: uuid.UUID
    return_id: uuid.UUID
    number: str
    channel_id: uuid.UUID  # where the customer asked (web, telegram, a store counter...)
    customer_id: str | None
    refund_to: str
    lines: list[dict[str, object]]


@event
@dataclasses.dataclass(frozen=True)
class ReturnReceived(Event):
    topic = "orders.return_received"
    public_topic = "return.received"
    order_id: uuid.UUID
    return_id: uuid.UUID
    number: str
    channel_id: uuid.UUID
    # [{"order_line_id", "variant_id", "quantity", "condition", "location_id"|None}]
    lines: list[dict[str, object]]


@event
@dataclasses.dataclass(frozen=True)
class ReturnRefunded(Event):
    """Money went back: to the original payment, or (``store_credit``) as credit loyalty
    adds to the customer's balance. Emitted once per return."""

    topic = "orders.return_refunded"
    public_topic = "return.refunded"
    order_id: uuid.UUID
    return_id: uuid.UUID
    amount: int
    currency: str
    store_credit: bool
    customer_id: str | None
    channel_id: uuid.UUID  # where the return was asked
    lines: list[dict[str, object]]
    number: str = ""


@event
@dataclasses.dataclass(frozen=True)
class OrderReadyForPickup(Event):
    """A click & collect order waits at its location (the customer is told how to collect)."""

    topic = "orders.ready_for_pickup"
    public_topic = "order.ready_for_pickup"
    order_id: uuid.UUID
    number: str
    channel_id: uuid.UUID
    customer_id: str | None
    location_id: uuid.UUID
    expires_at: str  # ISO 8601, UTC: uncollected after this, the order is canceled
    actor: str


@event
@dataclasses.dataclass(frozen=True)
class OrderCollected(Event):
    """A click & collect order (or an in-store sale) was handed over at its location."""

    topic = "orders.collected"
    public_topic = "order.collected"
    order_id: uuid.UUID
    number: str
    channel_id: uuid.UUID
    customer_id: str | None
    location_id: uuid.UUID
    actor: str
