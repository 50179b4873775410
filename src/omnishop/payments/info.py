"""The read model of a payment handed to other domains (re-exported by ``service``)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from omnishop.payments import rules
from omnishop.payments.models import Payment


@dataclass(frozen=True)
class PaymentInfo:
    id: uuid.UUID
    reference: str
    order_id: uuid.UUID | None
    method: str
    status: str
    amount: int
    currency: str
    captured_amount: int
    refunded_amount: int
    next_action: dict[str, Any] | None
    failure_code: str | None
    failure_message: str | None
    provider_ref: str | None
    authorized_amount: int = 0
    provider: str = "sandbox"
    card_brand: str | None = None
    card_last4: str | None = None
    channel_id: uuid.UUID | None = None
    customer_id: uuid.UUID | None = None

    @property
    def places_order(self) -> bool:
        """Whether the order may be placed on this payment (authorized/captured, or offline)."""
        return rules.places_order(self.status, self.method)

    @classmethod
    def of(cls, payment: Payment) -> PaymentInfo:
        return cls(
            id=payment.id,
            reference=payment.reference,
            order_id=payment.order_id,
            method=payment.method,
            status=payment.status,
            amount=payment.amount,
            currency=payment.currency,
            captured_amount=payment.captured_amount,
            refunded_amount=payment.refunded_amount,
            next_action=payment.next_action,
            failure_code=payment.failure_code,
            failure_message=payment.failure_message,
            provider_ref=payment.provider_ref,
            authorized_amount=payment.authorized_amount,
            provider=payment.provider,
            card_brand=payment.card_brand,
            card_last4=payment.card_last4,
            channel_id=payment.channel_id,
            customer_id=payment.customer_id,
        )
