"""Payment use cases. The contract the checkout completion, orders jobs and the API call.

Functions taking ``factory`` talk to the PSP: they open their own units of work and never
hold one of ours open across a PSP call. The others flush into the caller's transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omnishop.payments import rules
from omnishop.payments.schemas import PaymentInput

Factory = async_sessionmaker[AsyncSession]


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

    @property
    def places_order(self) -> bool:
        """Whether the order may be placed on this payment (authorized/captured, or offline)."""
        return rules.places_order(self.status, self.method)


async def create(
    *,
    session: AsyncSession,
    reference: str,
    channel_id: uuid.UUID | None,
    customer_id: uuid.UUID | None,
    amount: int,
    currency: str,
    payment: PaymentInput,
) -> PaymentInfo:
    """A pending payment; no PSP call yet."""
    raise NotImplementedError


async def authorize(factory: Factory, *, payment_id: uuid.UUID) -> PaymentInfo:
    """Ask the PSP to authorize (skipped for cod/pay_at_pickup) and record the outcome."""
    raise NotImplementedError


async def attach_order(
    *, session: AsyncSession, payment_id: uuid.UUID, order_id: uuid.UUID
) -> None:
    """Link the payment to the order placed on it."""
    raise NotImplementedError


async def capture(
    factory: Factory, *, payment_id: uuid.UUID, amount: int | None = None
) -> PaymentInfo:
    """Capture an authorization (all of it by default); idempotent."""
    raise NotImplementedError


async def void(factory: Factory, *, payment_id: uuid.UUID, reason: str) -> PaymentInfo:
    """Undo a payment: void an authorization, refund a capture, cancel a pending one."""
    raise NotImplementedError


async def refund(factory: Factory, *, payment_id: uuid.UUID, amount: int, key: str) -> PaymentInfo:
    """Refund part or all of the captured amount; idempotent per ``key``."""
    raise NotImplementedError


async def sync(factory: Factory, *, payment_id: uuid.UUID) -> PaymentInfo:
    """Ask the PSP what happened to the authorization and record that truth."""
    raise NotImplementedError


async def get(*, session: AsyncSession, payment_id: uuid.UUID) -> PaymentInfo:
    """One payment; 404 when unknown."""
    raise NotImplementedError


async def unattached(
    *, session: AsyncSession, older_than: datetime, limit: int = 100
) -> list[PaymentInfo]:
    """Open payments (pending/requires_action/authorized/captured) with no order yet."""
    raise NotImplementedError


async def receive_webhook(
    factory: Factory, *, provider: str, headers: Mapping[str, str], body: bytes
) -> None:
    """Verify, dedupe and apply a PSP notification."""
    raise NotImplementedError


async def mark_collected(*, session: AsyncSession, payment_id: uuid.UUID) -> PaymentInfo:
    """A cash-on-delivery / pay-at-pickup payment was collected: it is captured."""
    raise NotImplementedError
