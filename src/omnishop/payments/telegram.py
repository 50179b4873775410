"""Money Telegram Payments already collected in a bot's chat (a ``successful_payment``).

Registered as the provider ``telegram`` so a chat purchase goes through the same payment
records, events and completion as every other one. There is no PSP call of ours: Telegram
(with the payment provider behind the bot) has the money when the update arrives, so an
authorisation is a capture, keyed on the ``telegram_payment_charge_id`` (the payment's token:
one payment per charge, however often Telegram redelivers the update).

Refunds are recorded here and done by staff in the payment provider's dashboard (the Bot API
can refund only Telegram Stars, ``refundStarPayment`` for XTR, which this shop does not
sell in); the refund record says so."""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.payments import gateway, recording
from omnishop.payments.gateway import (
    AuthorizeRequest,
    GatewayResult,
    WebhookEvent,
    WebhookMalformed,
)
from omnishop.payments.info import PaymentInfo
from omnishop.payments.models import Payment
from omnishop.payments.rules import TELEGRAM_PROVIDER, Method, Status

NAME = TELEGRAM_PROVIDER
# The payment a chat took but no order could be placed for: staff give the money back.
REFUND_REQUIRED = "refund_required"


class TelegramGateway:
    name = NAME

    async def authorize(self, request: AuthorizeRequest) -> GatewayResult:
        return GatewayResult(
            status="captured",
            provider_ref=f"tg_{request.token}",
            amount=request.amount,
            currency=request.currency,
            captured_amount=request.amount,
            idempotency_key=request.idempotency_key,
        )

    async def capture(self, provider_ref: str, amount: int, idempotency_key: str) -> GatewayResult:
        return GatewayResult(status="captured", provider_ref=provider_ref, captured_amount=amount)

    async def void(self, provider_ref: str, idempotency_key: str) -> GatewayResult:
        return GatewayResult(status="canceled", provider_ref=provider_ref)

    async def refund(self, provider_ref: str, amount: int, idempotency_key: str) -> GatewayResult:
        # Recorded for staff, who return the money in the payment provider's dashboard.
        return GatewayResult(
            status="refunded",
            provider_ref=provider_ref,
            refunded_amount=amount,
            operation_ref=f"tg_manual_{idempotency_key}",
        )

    async def retrieve(self, idempotency_key: str) -> GatewayResult | None:
        return None  # nothing outside our records: the successful_payment is the truth

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> WebhookEvent:
        raise WebhookMalformed("telegram payments arrive as bot updates, not PSP webhooks")


gateway.register(NAME, TelegramGateway)


async def by_charge(*, session: AsyncSession, charge_id: str) -> PaymentInfo | None:
    """The payment recorded for this telegram_payment_charge_id, if any."""
    row = await session.scalar(
        select(Payment)
        .where(Payment.provider == NAME, Payment.token == charge_id)
        .order_by(Payment.created_at)
        .limit(1)
    )
    return PaymentInfo.of(row) if row is not None else None


async def collect(*, session: AsyncSession, payment_id: uuid.UUID) -> PaymentInfo:
    """In the caller's transaction: the pending telegram payment becomes captured (no I/O:
    the money is already taken), with its events, like any PSP's capture."""
    payment = await recording.load(session, payment_id)
    result = await TelegramGateway().authorize(
        AuthorizeRequest(
            idempotency_key=str(payment.id),
            amount=payment.amount,
            currency=payment.currency,
            method=payment.method,
            token=payment.token,
            return_url=None,
            description=payment.reference,
        )
    )
    row, _ = await recording.apply(session, payment_id, result, seen=Status.PENDING)
    return PaymentInfo.of(row)


async def record_unplaced(
    *,
    session: AsyncSession,
    channel_id: uuid.UUID | None,
    customer_id: uuid.UUID | None,
    charge_id: str,
    provider_charge_id: str | None,
    amount: int,
    currency: str,
    reason: str,
) -> PaymentInfo:
    """Compensation: money Telegram took for an order we could not place. Recorded (never a
    silent loss) as given up, flagged ``refund_required`` for staff to refund at the provider;
    terminal, so the reconcile job leaves it alone. Idempotent on the charge id."""
    found = await by_charge(session=session, charge_id=charge_id)
    if found is not None:
        return found
    row = Payment(
        reference=f"telegram:{charge_id}",
        channel_id=channel_id,
        customer_id=customer_id,
        provider=NAME,
        method=Method.TELEGRAM.value,
        token=charge_id,
        provider_ref=f"tg_{charge_id}",
        amount=max(amount, 1),  # a positive amount, as every payment row
        currency=currency.upper()[:3],
        status=Status.CANCELED.value,
        failure_code=REFUND_REQUIRED,
        failure_message=(f"{reason}; provider charge {provider_charge_id or '-'}")[:500],
    )
    session.add(row)
    await session.flush()
    return PaymentInfo.of(row)
