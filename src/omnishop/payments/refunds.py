"""Refunds: reserved against the capture by one conditional UPDATE before the PSP is asked,
so concurrent refunds can never together exceed what was captured; idempotent per key."""

from __future__ import annotations

import time
import uuid

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omnishop.kernel import clock
from omnishop.kernel.db import unit_of_work
from omnishop.kernel.errors import Conflict, ValidationFailed
from omnishop.payments import gateway as gateways
from omnishop.payments import recording, rules
from omnishop.payments.errors import PaymentOperationFailed, RefundExceedsCaptured, RefundKeyReused
from omnishop.payments.info import PaymentInfo
from omnishop.payments.models import Payment, Refund
from omnishop.payments.recording import load
from omnishop.payments.rules import Status

Factory = async_sessionmaker[AsyncSession]


async def refund(
    factory: Factory,
    *,
    payment_id: uuid.UUID,
    amount: int,
    key: str,
    reason: str | None = None,
) -> PaymentInfo:
    """Refund part or all of what was captured; idempotent per ``key``. Asking for more than
    is left (counting refunds in flight) is a 409, even from two concurrent callers."""
    if amount <= 0:
        raise ValidationFailed("amount must be positive", field="amount")
    if not key or len(key) > 200:
        raise ValidationFailed("key must be 1 to 200 characters", field="key")
    row = await _reserve_refund(factory, payment_id, amount, key, reason)
    if row.status != "pending":
        async with unit_of_work(factory) as session:
            return PaymentInfo.of(await load(session, payment_id))
    async with unit_of_work(factory) as session:
        payment = await load(session, payment_id)
        provider, ref = payment.provider, payment.provider_ref or ""
    psp_key = f"refund:{row.id}"
    started = time.monotonic()
    result = await gateways.get(provider).refund(ref, amount, psp_key)
    succeeded = result.operation_ref is not None and result.failure_code is None
    async with unit_of_work(factory) as session:
        recording.log_attempt(
            session,
            payment_id=payment_id,
            operation="refund",
            key=psp_key,
            started=started,
            result=result,
        )
        finished = await session.scalar(
            update(Refund)
            .where(Refund.id == row.id, Refund.status == "pending")
            .values(
                status="succeeded" if succeeded else "failed",
                provider_ref=result.operation_ref,
                failure_code=result.failure_code,
                updated_at=clock.now(),
            )
            .returning(Refund.id)
            .execution_options(synchronize_session=False)
        )
        payment = await load(session, payment_id)
        if finished is not None and succeeded:
            await recording.add_refunded(session, payment, amount, pending=amount)
            await recording.emit_refunded(session, payment, amount)
        elif finished is not None:
            await session.execute(
                update(Payment)
                .where(Payment.id == payment_id)
                .values(refund_pending=Payment.refund_pending - amount)
                .execution_options(synchronize_session=False)
            )
        info = PaymentInfo.of(await load(session, payment_id))
    if not succeeded:
        raise PaymentOperationFailed(
            result.failure_message or "the refund was refused", reason=result.failure_code
        )
    return info


async def _reserve_refund(
    factory: Factory, payment_id: uuid.UUID, amount: int, key: str, reason: str | None
) -> Refund:
    """The refund row for ``key``: the existing one, or a new pending one whose amount is
    reserved against the capture by one conditional UPDATE."""
    for _ in range(3):
        try:
            async with unit_of_work(factory) as session:
                payment = await load(session, payment_id)
                existing = await session.scalar(
                    select(Refund).where(Refund.payment_id == payment_id, Refund.key == key)
                )
                if existing is not None:
                    if existing.amount != amount:
                        raise RefundKeyReused(
                            "this key was used for a refund of another amount", field="key"
                        )
                    return existing
                if payment.status not in (Status.CAPTURED, Status.PARTIALLY_REFUNDED):
                    raise rules.InvalidPaymentTransition(
                        f"a {payment.status} payment cannot be refunded", field="payment_id"
                    )
                reserved = await session.scalar(
                    update(Payment)
                    .where(
                        Payment.id == payment_id,
                        Payment.status.in_(
                            [Status.CAPTURED.value, Status.PARTIALLY_REFUNDED.value]
                        ),
                        Payment.captured_amount - Payment.refunded_amount - Payment.refund_pending
                        >= amount,
                    )
                    .values(refund_pending=Payment.refund_pending + amount, updated_at=clock.now())
                    .returning(Payment.id)
                    .execution_options(synchronize_session=False)
                )
                if reserved is None:
                    raise RefundExceedsCaptured(
                        "the refund is larger than what is left to refund", field="amount"
                    )
                row = Refund(payment_id=payment_id, amount=amount, key=key, reason=reason)
                session.add(row)
                await session.flush()
                return row
        except IntegrityError:
            continue  # the same key raced in from another caller: read theirs
    raise Conflict("the refund is being created by another request; retry", field="key")
