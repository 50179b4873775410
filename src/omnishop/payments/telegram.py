"""Money Telegram Payments already collected in a bot's chat (a ``successful_payment``).

Registered as the provider ``telegram`` so a chat purchase goes through the same payment
records, events and completion as every other one. There is no PSP call of ours: Telegram
(with the payment provider behind the bot) has the money when the update arrives, so an
authorisation is a capture, keyed on the ``telegram_payment_charge_id`` (the payment's token:
one payment per charge, however often Telegram redelivers the update).

Refunds are recorded here and done by staff in the payment provider's dashboard (the Bot API
can refund only Telegram Stars, ``refundStarPayment`` for XTR, which this shop does not
sell in); the refund record says so. A charge no order could be placed for waits in
``telegram_refunds`` until staff record it refunded at the provider (``mark_refunded``)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.kernel import clock
from omnishop.kernel.errors import NotFound, ValidationFailed
from omnishop.payments import gateway, recording
from omnishop.payments.gateway import (
    AuthorizeRequest,
    GatewayResult,
    WebhookEvent,
    WebhookMalformed,
)
from omnishop.payments.info import PaymentInfo
from omnishop.payments.models import Payment, TelegramRefund
from omnishop.payments.rules import TELEGRAM_PROVIDER, Method, Status

NAME = TELEGRAM_PROVIDER
# The payment a chat took but no order could be placed for: staff give the money back.
REFUND_REQUIRED = "refund_required"
# ... and once staff have given it back at the provider (the payment stays canceled: it never
# paid for anything of ours).
REFUNDED = "refunded"
REFUNDED_AT_PROVIDER = "refunded_at_provider"
NOTE_MAX = 1000


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
    conversation_id: uuid.UUID | None = None,
) -> PaymentInfo:
    """Compensation: money Telegram took for an order we could not place. Recorded (never a
    silent loss) as given up, flagged ``refund_required`` for staff to refund at the provider
    (listed with the chat it came from in ``telegram_refunds``); terminal, so the reconcile
    job leaves it alone. Idempotent on the charge id."""
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
    session.add(
        TelegramRefund(
            payment_id=row.id,
            charge_id=charge_id,
            provider_charge_id=provider_charge_id,
            channel_id=channel_id,
            customer_id=customer_id,
            conversation_id=conversation_id,
            amount=row.amount,
            currency=row.currency,
            reason=reason[:500],
            status=REFUND_REQUIRED,
        )
    )
    await session.flush()
    return PaymentInfo.of(row)


@dataclass(frozen=True)
class RefundCase:
    payment_id: uuid.UUID
    charge_id: str
    provider_charge_id: str | None
    customer_id: uuid.UUID | None
    conversation_id: uuid.UUID | None
    amount: int
    currency: str
    reason: str
    status: str
    created_at: datetime
    refunded_by: str | None
    refunded_at: datetime | None
    note: str | None

    @classmethod
    def of(cls, row: TelegramRefund) -> RefundCase:
        return cls(
            payment_id=row.payment_id,
            charge_id=row.charge_id,
            provider_charge_id=row.provider_charge_id,
            customer_id=row.customer_id,
            conversation_id=row.conversation_id,
            amount=row.amount,
            currency=row.currency,
            reason=row.reason,
            status=row.status,
            created_at=row.created_at,
            refunded_by=row.refunded_by,
            refunded_at=row.refunded_at,
            note=row.note,
        )


async def mark_refunded(
    *, session: AsyncSession, payment_id: uuid.UUID, actor: str, note: str
) -> RefundCase:
    """Staff gave the money of a ``refund_required`` charge back at the provider: recorded
    once, with who, when and their note (e.g. the provider's refund id), and the payment's
    flag becomes ``refunded_at_provider``. Again on a refunded one changes nothing (the first
    record stands); a payment that never waited for a refund is a 404; a blank note a 422."""
    note = note.strip()
    if not note or len(note) > NOTE_MAX:
        raise ValidationFailed(f"a note of 1 to {NOTE_MAX} characters is required", field="note")
    now = clock.now()
    # One conditional UPDATE: of two staff pressing at once, one records it.
    moved = await session.scalar(
        update(TelegramRefund)
        .where(TelegramRefund.payment_id == payment_id, TelegramRefund.status == REFUND_REQUIRED)
        .values(
            status=REFUNDED, refunded_by=actor[:200], refunded_at=now, note=note, updated_at=now
        )
        .returning(TelegramRefund.payment_id)
        .execution_options(synchronize_session=False)
    )
    if moved is not None:
        await session.execute(
            update(Payment)
            .where(Payment.id == payment_id, Payment.failure_code == REFUND_REQUIRED)
            .values(failure_code=REFUNDED_AT_PROVIDER, updated_at=now)
            .execution_options(synchronize_session=False)
        )
    row = await session.get(TelegramRefund, payment_id, populate_existing=True)
    if row is None:
        raise NotFound("no telegram payment waits for a refund with this id", field="payment_id")
    return RefundCase.of(row)
