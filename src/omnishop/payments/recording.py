"""Recording what the PSP said: conditional status moves, events, the attempt log.

Every status change is ``UPDATE ... WHERE status = <seen>``, so two recorders of one outcome
(the authorize call and its webhook, two workers) move the payment and emit its event once.
"""

from __future__ import annotations

import time
import uuid
from typing import Any, ClassVar

from sqlalchemy import case, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.kernel import clock, outbox
from omnishop.kernel.errors import NotFound
from omnishop.kernel.logging import get_logger
from omnishop.payments import events, rules
from omnishop.payments.gateway import GatewayResult
from omnishop.payments.models import Payment, PaymentAttempt
from omnishop.payments.rules import Status

log = get_logger(__name__)
RETRIES = 5


class PaymentNotFound(NotFound):
    code: ClassVar[str] = "payment_not_found"


async def load(session: AsyncSession, payment_id: uuid.UUID) -> Payment:
    """The payment as it is in the database now (never a stale identity-map copy)."""
    payment = await session.get(Payment, payment_id, populate_existing=True)
    if payment is None:
        raise PaymentNotFound("payment not found", field="payment_id")
    return payment


def log_attempt(
    session: AsyncSession,
    *,
    payment_id: uuid.UUID,
    operation: str,
    key: str,
    started: float,
    result: GatewayResult | None = None,
    error: str | None = None,
) -> None:
    outcome = "error" if result is None else result.status
    if result is not None and result.failure_code and error is None:
        error = f"{result.failure_code}: {result.failure_message or ''}"[:1000]
    session.add(
        PaymentAttempt(
            payment_id=payment_id,
            operation=operation,
            idempotency_key=key,
            outcome=outcome,
            provider_ref=None if result is None else result.provider_ref,
            error=error,
            latency_ms=int((time.monotonic() - started) * 1000),
        )
    )


async def move(session: AsyncSession, payment: Payment, target: Status, **values: Any) -> bool:
    """Move from the status we saw to ``target`` if nobody moved it first; True if we did.
    Either way ``payment`` is left as the database has it now."""
    seen = payment.status
    rules.transition(seen, target)
    moved = await _update(session, payment.id, seen, target, values)
    if moved is None:
        await session.refresh(payment)
        return False
    if moved is not payment:  # not expected: the identity map holds one object per row
        await session.refresh(payment)
    return True


async def _update(
    session: AsyncSession,
    payment_id: uuid.UUID,
    seen: str,
    target: Status,
    values: dict[str, Any],
) -> Payment | None:
    """``UPDATE ... WHERE status = <seen> RETURNING *``: the moved payment (the one in the
    identity map, refreshed from the returned row), or None if it was not at ``seen``."""
    moved: Payment | None = await session.scalar(
        update(Payment)
        .where(Payment.id == payment_id, Payment.status == seen)
        .values(status=target.value, updated_at=clock.now(), **values)
        .returning(Payment)
        .execution_options(synchronize_session=False, populate_existing=True)
    )
    return moved


async def emit_for(session: AsyncSession, payment: Payment, reason: str | None = None) -> None:
    """The event announcing the status the payment just reached."""
    common: dict[str, Any] = {
        "payment_id": payment.id,
        "reference": payment.reference,
        "order_id": payment.order_id,
        "currency": payment.currency,
    }
    status = Status(payment.status)
    if status == Status.AUTHORIZED:
        await outbox.emit(
            session,
            events.PaymentAuthorized(
                **common, amount=payment.authorized_amount, method=payment.method
            ),
        )
    elif status == Status.CAPTURED:
        await outbox.emit(session, events.PaymentCaptured(**common, amount=payment.captured_amount))
    elif status == Status.FAILED:
        await outbox.emit(
            session,
            events.PaymentFailed(
                **common, amount=payment.amount, failure_code=payment.failure_code
            ),
        )
    elif status == Status.CANCELED:
        await outbox.emit(
            session, events.PaymentCanceled(**common, amount=payment.amount, reason=reason)
        )


def _values_for(target: Status, result: GatewayResult) -> dict[str, Any]:
    values: dict[str, Any] = {"provider_ref": result.provider_ref}
    if result.card_brand:
        values.update(card_brand=result.card_brand, card_last4=result.card_last4)
    if target == Status.REQUIRES_ACTION:
        values["next_action"] = result.next_action
    elif target in (Status.AUTHORIZED, Status.CAPTURED):
        values.update(
            authorized_amount=result.amount,
            next_action=None,
            failure_code=None,
            failure_message=None,
        )
        if target == Status.CAPTURED:
            values["captured_amount"] = result.captured_amount or result.amount
    elif target == Status.FAILED:
        values.update(
            next_action=None,
            failure_code=result.failure_code or "failed",
            failure_message=result.failure_message,
        )
    else:
        values["next_action"] = None
    return values


async def apply(
    session: AsyncSession,
    payment_id: uuid.UUID,
    result: GatewayResult,
    *,
    reason: str | None = None,
    seen: str | None = None,
) -> tuple[Payment, bool]:
    """Bring our record up to what the PSP reports. Returns the payment as it is now and
    whether the PSP's charge must be voided because we had already given the payment up.

    ``seen`` is the status the caller read before calling the PSP: the move from it is tried
    straight away (one conditional UPDATE, no read); only if somebody moved the payment
    meanwhile is it read again and the move retried from what it became."""
    payment: Payment | None = None
    if seen is not None:
        target = rules.settle(seen, result.status)
        if target is not None:
            rules.transition(seen, target)
            payment = await _update(session, payment_id, seen, target, _values_for(target, result))
            if payment is not None:
                await emit_for(session, payment, reason)
    if payment is None:
        payment = await load(session, payment_id)
        for _ in range(RETRIES):
            target = rules.settle(payment.status, result.status)
            if target is None:
                break
            # move leaves ``payment`` current, moved or not: the next round settles from it.
            if await move(session, payment, target, **_values_for(target, result)):
                await emit_for(session, payment, reason)
                break
    await _external_refunds(session, payment, result)
    if rules.must_void(payment.status, result.status):
        log.warning("payment given up but held at the provider", payment_id=str(payment_id))
        return payment, True
    return payment, False


async def _external_refunds(session: AsyncSession, payment: Payment, result: GatewayResult) -> None:
    """Refunds made at the PSP (its dashboard) that we did not send ourselves."""
    ours = payment.refunded_amount + payment.refund_pending
    extra = result.refunded_amount - ours
    if extra <= 0 or payment.status not in (Status.CAPTURED, Status.PARTIALLY_REFUNDED):
        return
    if await add_refunded(
        session, payment, extra, pending=0, seen_refunded=payment.refunded_amount
    ):
        await emit_refunded(session, payment, extra)


async def add_refunded(
    session: AsyncSession,
    payment: Payment,
    amount: int,
    *,
    pending: int,
    seen_refunded: int | None = None,
) -> bool:
    """refunded += amount (and refund_pending -= pending), status follows, in one UPDATE."""
    new_total = Payment.refunded_amount + amount
    stmt = (
        update(Payment)
        .where(
            Payment.id == payment.id,
            Payment.status.in_([Status.CAPTURED.value, Status.PARTIALLY_REFUNDED.value]),
        )
        .values(
            refunded_amount=new_total,
            refund_pending=Payment.refund_pending - pending,
            status=case(
                (new_total >= Payment.captured_amount, Status.REFUNDED.value),
                else_=Status.PARTIALLY_REFUNDED.value,
            ),
            updated_at=clock.now(),
        )
        .returning(Payment.id)
        .execution_options(synchronize_session=False)
    )
    if seen_refunded is not None:
        stmt = stmt.where(Payment.refunded_amount == seen_refunded)
    moved = await session.scalar(stmt)
    await session.refresh(payment)
    return moved is not None


async def emit_refunded(session: AsyncSession, payment: Payment, amount: int) -> None:
    await outbox.emit(
        session,
        events.PaymentRefunded(
            payment_id=payment.id,
            reference=payment.reference,
            order_id=payment.order_id,
            amount=amount,
            refunded_total=payment.refunded_amount,
            currency=payment.currency,
        ),
    )


async def find(session: AsyncSession, provider_ref: str) -> Payment | None:
    found: Payment | None = await session.scalar(
        select(Payment).where(Payment.provider_ref == provider_ref)
    )
    return found
