"""Payment events; each has a public topic merchants' webhook endpoints may subscribe to."""

from __future__ import annotations

import dataclasses
import uuid

from omnishop.kernel.events import Event, event


@event
@dataclasses.dataclass(frozen=True)
class PaymentAuthorized(Event):
    topic = "payments.authorized"
    public_topic = "payment.authorized"
    payment_id: uuid.UUID
    reference: str
    order_id: uuid.UUID | None
    amount: int
    currency: str
    method: str


@event
@dataclasses.dataclass(frozen=True)
class PaymentCaptured(Event):
    topic = "payments.captured"
    public_topic = "payment.captured"
    payment_id: uuid.UUID
    reference: str
    order_id: uuid.UUID | None
    amount: int
    currency: str


@event
@dataclasses.dataclass(frozen=True)
class PaymentFailed(Event):
    topic = "payments.failed"
    public_topic = "payment.failed"
    payment_id: uuid.UUID
    reference: str
    order_id: uuid.UUID | None
    failure_code: str | None
    amount: int
    currency: str


@event
@dataclasses.dataclass(frozen=True)
class PaymentRefunded(Event):
    topic = "payments.refunded"
    public_topic = "payment.refunded"
    payment_id: uuid.UUID
    reference: str
    order_id: uuid.UUID | None
    # This refund's amount; refunded_total is everything refunded so far.
    amount: int
    refunded_total: int
    currency: str


@event
@dataclasses.dataclass(frozen=True)
class PaymentCanceled(Event):
    topic = "payments.canceled"
    public_topic = "payment.canceled"
    payment_id: uuid.UUID
    reference: str
    order_id: uuid.UUID | None
    reason: str | None
    amount: int
    currency: str
