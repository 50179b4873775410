"""Shapes of returns: what customers and staff send (Pydantic, unknown fields refused) and
what the returns service gives back (frozen dataclasses the API renders directly)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from omnishop.orders.return_rules import Condition, ReasonCode, RefundTo, ReturnMethod

ChannelCode = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,39}$")]


class ReturnLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    order_line_id: uuid.UUID
    quantity: Annotated[int, Field(gt=0, le=1_000_000)]
    reason: ReasonCode = ReasonCode.OTHER
    # An exchange: this variant instead of money back (same quantity).
    exchange_variant_id: uuid.UUID | None = None


class ReturnCreate(BaseModel):
    """A return request. ``channel``: where the customer asked (web, telegram, a store
    counter...); the order's own channel when absent."""

    model_config = ConfigDict(extra="forbid")

    channel: ChannelCode | None = None
    reason: Annotated[str, Field(max_length=500)] | None = None
    method: ReturnMethod = ReturnMethod.DROP_OFF
    # The store the parcel is dropped off at (required for drop_off).
    location_id: uuid.UUID | None = None
    refund_to: RefundTo = RefundTo.ORIGINAL
    lines: Annotated[list[ReturnLineIn], Field(min_length=1, max_length=500)]

    @model_validator(mode="after")
    def _drop_off_needs_a_location(self) -> ReturnCreate:
        if self.method == ReturnMethod.DROP_OFF and self.location_id is None:
            raise ValueError("location_id is required to drop the return off at a store")
        return self


class StaffReturnCreate(ReturnCreate):
    """Staff open a return for any order (by id or number) on behalf of a customer."""

    order_id: uuid.UUID | None = None
    order_number: Annotated[str, Field(min_length=1, max_length=20)] | None = None
    channel: ChannelCode  # type: ignore[assignment]

    @model_validator(mode="after")
    def _one_order(self) -> StaffReturnCreate:
        if (self.order_id is None) == (self.order_number is None):
            raise ValueError("give exactly one of order_id and order_number")
        return self


class RejectRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Annotated[str, Field(min_length=1, max_length=500)]


class ReceiveLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    order_line_id: uuid.UUID
    condition: Condition = Condition.RESELLABLE
    # Where a resellable unit goes back on hand; the drop-off store by default.
    location_id: uuid.UUID | None = None


class ReceiveRequest(BaseModel):
    """What arrived, line by line; lines not listed are received resellable at the drop-off
    location (or ``location_id``)."""

    model_config = ConfigDict(extra="forbid")

    location_id: uuid.UUID | None = None
    lines: Annotated[list[ReceiveLineIn], Field(max_length=500)] = []

    @field_validator("lines")
    @classmethod
    def _distinct(cls, lines: list[ReceiveLineIn]) -> list[ReceiveLineIn]:
        if len({ln.order_line_id for ln in lines}) != len(lines):
            raise ValueError("each order line may appear once")
        return lines


class RefundRequest(BaseModel):
    """Settle a received return. ``payment_token``: a card token to charge an exchange's
    price difference with, when the replacement costs more."""

    model_config = ConfigDict(extra="forbid")

    payment_token: Annotated[str, Field(min_length=1, max_length=200)] | None = None


@dataclass(frozen=True)
class ReturnLineInfo:
    id: uuid.UUID
    order_line_id: uuid.UUID
    variant_id: uuid.UUID
    sku: str
    name: str
    quantity: int
    reason: str
    amount: int
    condition: str | None
    restock_location_id: uuid.UUID | None
    written_off: bool
    exchange_variant_id: uuid.UUID | None
    exchange_unit_amount: int | None


@dataclass(frozen=True)
class RefundInfo:
    amount: int
    currency: str
    kind: str
    status: str
    payment_id: uuid.UUID | None
    payment_refund_id: uuid.UUID | None
    charge_payment_id: uuid.UUID | None
    created_at: datetime


@dataclass(frozen=True)
class ReturnInfo:
    id: uuid.UUID
    number: str
    order_id: uuid.UUID
    order_number: str
    status: str
    requested_channel: str
    customer_id: uuid.UUID | None
    reason: str | None
    method: str
    drop_off_location_id: uuid.UUID | None
    label_carrier: str | None
    label_tracking_number: str | None
    refund_to: str
    created_by: str
    currency: str
    lines_amount: int
    shipping_amount: int
    exchange_difference: int
    rejection_reason: str | None
    created_at: datetime
    approved_at: datetime | None
    received_at: datetime | None
    refunded_at: datetime | None
    lines: list[ReturnLineInfo]
    refund: RefundInfo | None = None
    # Units of each order line returned so far over every active return of the order.
    order_returned: dict[str, int] = field(default_factory=dict)
    order_fully_returned: bool = False
