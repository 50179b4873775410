"""Shapes of the orders domain: what services return (frozen dataclasses the API renders
directly) and what staff send (Pydantic inputs that refuse unknown fields)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from omnishop.orders.rules import OrderStatus, PaymentStatus, TrackingStatus


@dataclass(frozen=True)
class AllocationInfo:
    location_id: uuid.UUID
    quantity: int
    shipped: int
    released: int


@dataclass(frozen=True)
class OrderLineInfo:
    id: uuid.UUID
    variant_id: uuid.UUID
    sku: str
    name: str
    quantity: int
    unit_amount: int
    total: int
    shipped: int
    canceled: int
    allocations: list[AllocationInfo]
    discount_amount: int = 0  # this line's share of the order's discounts
    tax_amount: int = 0
    # Units received back in returns (orders.returns), in any channel.
    returned: int = 0


@dataclass(frozen=True)
class TrackingEventInfo:
    id: uuid.UUID
    status: str
    description: str | None
    location: str | None
    occurred_at: datetime
    external_id: str | None


@dataclass(frozen=True)
class ShipmentLineInfo:
    order_line_id: uuid.UUID
    quantity: int


@dataclass(frozen=True)
class ShipmentInfo:
    id: uuid.UUID
    order_id: uuid.UUID
    kind: str
    location_id: uuid.UUID
    carrier: str | None
    tracking_number: str | None
    status: str
    lines: list[ShipmentLineInfo]
    shipped_at: datetime
    delivered_at: datetime | None
    events: list[TrackingEventInfo]


@dataclass(frozen=True)
class HistoryInfo:
    from_status: str | None
    to_status: str
    actor: str
    note: str | None
    at: datetime


@dataclass(frozen=True)
class OrderInfo:
    id: uuid.UUID
    number: str
    token: str
    status: str
    payment_status: str
    channel_id: uuid.UUID
    channel_code: str
    cart_id: uuid.UUID
    customer_id: uuid.UUID | None
    email: str | None
    phone: str | None
    locale: str
    currency: str
    subtotal: int
    shipping_amount: int
    total: int
    payment_id: uuid.UUID | None
    payment_method: str
    delivery: dict[str, Any]
    lines: list[OrderLineInfo]
    shipments: list[ShipmentInfo]
    placed_at: datetime
    canceled_at: datetime | None
    cancel_reason: str | None
    history: list[HistoryInfo] = field(default_factory=list)
    discount_amount: int = 0
    tax_amount: int = 0
    tax_included: bool = False
    duty_amount: int = 0
    points_spent: int = 0
    points_amount: int = 0
    adjustments: list[dict[str, Any]] = field(default_factory=list)
    # Every unit came back in returns (the order's status stays where delivery left it).
    fully_returned: bool = False


@dataclass(frozen=True)
class OrderSummary:
    id: uuid.UUID
    number: str
    token: str
    status: str
    payment_status: str
    channel_code: str
    email: str | None
    currency: str
    total: int
    items: int  # units ordered
    placed_at: datetime


@dataclass(frozen=True)
class OrderPage:
    data: list[OrderSummary]
    next_cursor: str | None


@dataclass(frozen=True)
class TrackingResult:
    """A tracking event posted; ``created`` is False when its external_id was seen before."""

    created: bool
    shipment: ShipmentInfo


class OrderFilters(BaseModel):
    """Staff list filters; every one optional."""

    model_config = ConfigDict(extra="forbid")

    channel: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,39}$")] | None = None
    status: OrderStatus | None = None
    payment_status: PaymentStatus | None = None
    email: Annotated[str, Field(min_length=1, max_length=254)] | None = None
    placed_from: AwareDatetime | None = None
    placed_to: AwareDatetime | None = None


class CancelRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Annotated[str, Field(min_length=1, max_length=500)]


class ShipmentLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    order_line_id: uuid.UUID
    quantity: Annotated[int, Field(gt=0, le=1_000_000)]


class ShipmentCreate(BaseModel):
    """A parcel leaving one location. No ``lines``: everything still unshipped."""

    model_config = ConfigDict(extra="forbid")

    carrier: Annotated[str, Field(min_length=1, max_length=60)] | None = None
    tracking_number: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    location_id: uuid.UUID | None = None
    lines: Annotated[list[ShipmentLineIn], Field(min_length=1, max_length=500)] | None = None

    @field_validator("lines")
    @classmethod
    def _distinct_lines(cls, lines: list[ShipmentLineIn] | None) -> list[ShipmentLineIn] | None:
        if lines is not None and len({ln.order_line_id for ln in lines}) != len(lines):
            raise ValueError("each order line may appear once")
        return lines


class TrackingEventCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: TrackingStatus
    description: Annotated[str, Field(max_length=500)] | None = None
    location: Annotated[str, Field(max_length=200)] | None = None
    occurred_at: AwareDatetime
    # The carrier's id of this event: posting it again changes nothing.
    external_id: Annotated[str, Field(min_length=1, max_length=100)] | None = None
