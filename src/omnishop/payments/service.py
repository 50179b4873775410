"""Payment use cases. The contract the checkout completion, orders jobs and the API call.

Functions taking ``factory`` talk to the PSP: they open their own units of work and never
hold one of ours open across a PSP call (a slow PSP must not keep our locks). Each is safe to
repeat: the PSP dedupes on our idempotency keys, and our records move by conditional UPDATEs.
The others flush into the caller's transaction.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any, overload

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omnishop.channels import service as channels
from omnishop.kernel import clock, money
from omnishop.kernel.db import unit_of_work
from omnishop.kernel.errors import Conflict, ValidationFailed
from omnishop.kernel.logging import get_logger
from omnishop.payments import gateway as gateways
from omnishop.payments import recording, refunds, rules
from omnishop.payments.errors import PaymentOperationFailed, RefundExceedsCaptured, RefundKeyReused
from omnishop.payments.gateway import AuthorizeRequest, GatewayResult
from omnishop.payments.info import PaymentInfo
from omnishop.payments.models import Payment, ProviderEvent, Refund
from omnishop.payments.recording import PaymentNotFound, load
from omnishop.payments.rules import Method, Status
from omnishop.payments.schemas import PaymentInput, PaymentRead, RefundRead

__all__ = [
    "PaymentInfo",
    "PaymentNotFound",
    "PaymentOperationFailed",
    "RefundExceedsCaptured",
    "RefundKeyReused",
    "attach_order",
    "authorize",
    "capture",
    "create",
    "get",
    "mark_collected",
    "receive_webhook",
    "refund",
    "sync",
    "unattached",
    "void",
]

log = get_logger(__name__)
Factory = async_sessionmaker[AsyncSession]
CAPTURED_LIKE = ("captured", "partially_refunded", "refunded")
# A card pays with a single-use token (tok_) or a customer's saved payment method (pm_).
_TOKEN_PREFIX: dict[Method, tuple[str, ...]] = {
    Method.CARD: ("tok_", "pm_"),
    Method.WALLET: ("wtok_",),
    Method.TELEGRAM: ("",),  # the telegram_payment_charge_id, whatever its shape
}


@overload
def customer_ref(customer_id: uuid.UUID) -> str: ...
@overload
def customer_ref(customer_id: None) -> None: ...
@overload
def customer_ref(customer_id: uuid.UUID | None) -> str | None: ...
def customer_ref(customer_id: uuid.UUID | None) -> str | None:
    """Who the buyer is at the PSP: a saved payment method (pm_) is bound to it and charges
    only when the payment's customer is the one it was saved for."""
    return f"cus_{customer_id.hex}" if customer_id is not None else None


def _check_return_url(url: str | None) -> None:
    if url is None:
        return
    relative = url.startswith("/") and not url.startswith("//")
    if not (relative or re.match(r"^https?://[^\s/]+", url)) or any(c.isspace() for c in url):
        raise ValidationFailed(
            "return_url must be an http(s) URL or a path", field="payment.return_url"
        )


async def create(
    *,
    session: AsyncSession,
    reference: str,
    channel_id: uuid.UUID | None,
    customer_id: uuid.UUID | None,
    amount: int,
    currency: str,
    payment: PaymentInput,
    provider: str = "sandbox",
) -> PaymentInfo:
    """A pending payment; no PSP call yet. Cash and card-present (in-store sales, store
    channels only) are taken by the ``in_person`` provider whatever ``provider`` says."""
    found = rules.find_pan(payment.model_dump())
    if found is not None:
        raise rules.CardNumberNotAccepted(field=f"payment.{found}")
    if amount <= 0:
        raise ValidationFailed("amount must be positive", field="amount")
    if currency != currency.upper():
        raise ValidationFailed("currency must be an upper-case ISO 4217 code", field="currency")
    money.check_currency(currency)
    method = Method(payment.method)
    prefix = _TOKEN_PREFIX.get(method)
    if prefix is None and payment.token is not None:
        raise ValidationFailed(f"{method.value} takes no token", field="payment.token")
    if prefix is not None and not (payment.token or "").startswith(prefix):
        raise ValidationFailed(
            f"{method.value} needs a token starting with {' or '.join(prefix)}",
            field="payment.token",
        )
    _check_return_url(payment.return_url)
    if method in rules.IN_PERSON:
        channel = await channels.get(session=session, channel_id=channel_id) if channel_id else None
        rules.check_in_person(method, channel.kind if channel else None)
    if method == Method.TELEGRAM:
        channel = await channels.get(session=session, channel_id=channel_id) if channel_id else None
        rules.check_telegram(method, channel.kind if channel else None)
    provider = rules.provider_for(method, provider)
    gateways.get(provider)  # an unknown provider is a clear error now, not at authorize
    row = Payment(
        reference=reference,
        channel_id=channel_id,
        customer_id=customer_id,
        provider=provider,
        method=method.value,
        token=payment.token,
        return_url=payment.return_url,
        amount=amount,
        currency=currency,
        status=Status.PENDING.value,
    )
    session.add(row)
    await session.flush()
    return PaymentInfo.of(row)


async def authorize(factory: Factory, *, payment_id: uuid.UUID) -> PaymentInfo:
    """Ask the PSP to authorize (skipped for cod/pay_at_pickup) and record the outcome. A PSP
    that cannot be reached fails the payment (a charge it made anyway is voided later)."""
    async with unit_of_work(factory) as session:
        payment = await load(session, payment_id)
        if payment.method in rules.OFFLINE or payment.status != Status.PENDING:
            return PaymentInfo.of(payment)
        request = AuthorizeRequest(
            idempotency_key=str(payment.id),
            amount=payment.amount,
            currency=payment.currency,
            method=payment.method,
            token=payment.token,
            return_url=payment.return_url,
            description=payment.reference,
            customer_ref=customer_ref(payment.customer_id),
        )
        provider = payment.provider
    gateway = gateways.get(provider)
    started = time.monotonic()
    try:
        result = await gateway.authorize(request)
    except Exception as exc:  # an unreachable PSP or one answering nonsense
        log.warning("authorize failed at the provider", payment_id=str(payment_id), error=repr(exc))
        async with unit_of_work(factory) as session:
            recording.log_attempt(
                session,
                payment_id=payment_id,
                operation="authorize",
                key=request.idempotency_key,
                started=started,
                error=repr(exc)[:1000],
            )
            failure = GatewayResult(
                status="failed",
                provider_ref=None,
                failure_code="provider_unavailable",
                failure_message="the payment provider could not be reached",
            )
            payment, _ = await recording.apply(session, payment_id, failure, seen=Status.PENDING)
            return PaymentInfo.of(payment)
    return await _record(
        factory,
        payment_id,
        "authorize",
        request.idempotency_key,
        started,
        result,
        seen=Status.PENDING,
    )


async def _record(
    factory: Factory,
    payment_id: uuid.UUID,
    operation: str,
    key: str,
    started: float,
    result: GatewayResult,
    *,
    reason: str | None = None,
    seen: str | None = None,
) -> PaymentInfo:
    """Log the call and record its outcome in one unit of work. ``seen``: the status read
    before the call, when known (see ``recording.apply``)."""
    async with unit_of_work(factory) as session:
        recording.log_attempt(
            session,
            payment_id=payment_id,
            operation=operation,
            key=key,
            started=started,
            result=result,
        )
        payment, compensate = await recording.apply(
            session, payment_id, result, reason=reason, seen=seen
        )
        info = PaymentInfo.of(payment)
    if compensate and result.provider_ref:
        await _void_at_provider(factory, info, result.provider_ref)
    return info


async def _void_at_provider(factory: Factory, info: PaymentInfo, provider_ref: str) -> None:
    """Release a charge the PSP holds for a payment we gave up. Failures are logged: the
    reconcile job (``sync``) tries again."""
    key = f"void:{info.id}"
    started = time.monotonic()
    try:
        result = await gateways.get(info.provider).void(provider_ref, key)
    except Exception as exc:
        log.error("could not void at the provider", payment_id=str(info.id), error=repr(exc))
        result = None
    async with unit_of_work(factory) as session:
        recording.log_attempt(
            session,
            payment_id=info.id,
            operation="void",
            key=key,
            started=started,
            result=result,
            error=None if result is not None else "provider unreachable",
        )


async def attach_order(
    *, session: AsyncSession, payment_id: uuid.UUID, order_id: uuid.UUID
) -> None:
    """Link the payment to the order placed on it (once; another order is a 409)."""
    attached = await session.scalar(
        update(Payment)
        .where(
            Payment.id == payment_id, (Payment.order_id.is_(None)) | (Payment.order_id == order_id)
        )
        .values(order_id=order_id, updated_at=clock.now())
        .returning(Payment.id)
        .execution_options(synchronize_session=False)
    )
    if attached is None:
        await load(session, payment_id)  # 404 when unknown
        raise Conflict("the payment belongs to another order", field="order_id")


async def capture(
    factory: Factory, *, payment_id: uuid.UUID, amount: int | None = None
) -> PaymentInfo:
    """Capture an authorization (all of it by default); idempotent."""
    async with unit_of_work(factory) as session:
        payment = await load(session, payment_id)
        if payment.status in CAPTURED_LIKE:
            return PaymentInfo.of(payment)
        if payment.method in rules.OFFLINE:
            raise Conflict("cash payments are captured by mark_collected", field="payment_id")
        rules.transition(payment.status, Status.CAPTURED)
        if payment.status != Status.AUTHORIZED or payment.provider_ref is None:
            raise rules.InvalidPaymentTransition(
                f"a {payment.status} payment cannot be captured", field="payment_id"
            )
        wanted = payment.authorized_amount if amount is None else amount
        if not 0 < wanted <= payment.authorized_amount:
            raise ValidationFailed(
                "amount must be between 1 and the authorized amount", field="amount"
            )
        provider, ref = payment.provider, payment.provider_ref
    key = f"capture:{payment_id}"
    started = time.monotonic()
    result = await gateways.get(provider).capture(ref, wanted, key)
    info = await _record(
        factory, payment_id, "capture", key, started, result, seen=Status.AUTHORIZED
    )
    if result.status not in CAPTURED_LIKE:
        raise PaymentOperationFailed(
            result.failure_message or "the capture was refused", reason=result.failure_code
        )
    return info


async def void(factory: Factory, *, payment_id: uuid.UUID, reason: str) -> PaymentInfo:
    """Undo a payment: void an authorization, refund what was captured, cancel a pending one.
    Idempotent: a payment already failed, canceled or refunded is returned as it is."""
    async with unit_of_work(factory) as session:
        payment = await load(session, payment_id)
        status = Status(payment.status)
        if status == Status.PENDING and await recording.move(
            session, payment, Status.CANCELED, next_action=None
        ):
            await recording.emit_for(session, payment, reason)
        info = PaymentInfo.of(payment)
        pending_void = await session.scalar(
            select(Refund).where(
                Refund.payment_id == payment_id, Refund.key == f"void:{payment_id}"
            )
        )
    if status == Status.PENDING:
        if info.status == Status.CANCELED and info.method not in rules.OFFLINE:
            # Our authorize may have reached the PSP before a crash: release what it holds.
            await _release_orphan(factory, info)
        return (
            info
            if info.status == Status.CANCELED
            else await void(factory, payment_id=payment_id, reason=reason)
        )
    if status in (Status.REQUIRES_ACTION, Status.AUTHORIZED) and info.provider_ref:
        key = f"void:{payment_id}"
        started = time.monotonic()
        result = await gateways.get(info.provider).void(info.provider_ref, key)
        info = await _record(
            factory, payment_id, "void", key, started, result, reason=reason, seen=status
        )
        if info.status in CAPTURED_LIKE:  # captured at the PSP meanwhile: refund instead
            return await void(factory, payment_id=payment_id, reason=reason)
        return info
    if status in (Status.CAPTURED, Status.PARTIALLY_REFUNDED):
        left = info.captured_amount - info.refunded_amount
        amount = pending_void.amount if pending_void is not None else left
        if amount <= 0:
            return info
        return await refund(factory, payment_id=payment_id, amount=amount, key=f"void:{payment_id}")
    return info


async def _release_orphan(factory: Factory, info: PaymentInfo) -> None:
    try:
        found = await gateways.get(info.provider).retrieve(str(info.id))
    except Exception as exc:
        log.warning("could not look the payment up at the provider", error=repr(exc))
        return
    if found is not None and found.provider_ref and rules.must_void(info.status, found.status):
        await _void_at_provider(factory, info, found.provider_ref)


async def refund(
    factory: Factory,
    *,
    payment_id: uuid.UUID,
    amount: int,
    key: str,
    reason: str | None = None,
) -> PaymentInfo:
    """Refund part or all of what was captured; idempotent per ``key``. Asking for more than
    is left (counting refunds in flight) is a 409 ``refund_exceeds_captured``, even from two
    concurrent callers."""
    return await refunds.refund(
        factory, payment_id=payment_id, amount=amount, key=key, reason=reason
    )


async def refund_id(*, session: AsyncSession, payment_id: uuid.UUID, key: str) -> uuid.UUID | None:
    """The refund made on this payment under ``key`` (what a caller records it by), if any."""
    return await session.scalar(
        select(Refund.id).where(Refund.payment_id == payment_id, Refund.key == key)
    )


async def sync(factory: Factory, *, payment_id: uuid.UUID) -> PaymentInfo:
    """Ask the PSP what became of the authorization and record that truth (reconciliation
    after a crash). A charge the PSP never saw fails the payment."""
    async with unit_of_work(factory) as session:
        payment = await load(session, payment_id)
        info = PaymentInfo.of(payment)
    if info.method in rules.OFFLINE:
        return info
    key = str(payment_id)
    started = time.monotonic()
    result = await gateways.get(info.provider).retrieve(key)
    if result is None:
        result = GatewayResult(
            status="failed",
            provider_ref=None,
            failure_code="not_at_provider",
            failure_message="the payment provider has no such charge",
        )
    return await _record(factory, payment_id, "retrieve", key, started, result, seen=info.status)


async def get(*, session: AsyncSession, payment_id: uuid.UUID) -> PaymentInfo:
    """One payment; 404 ``payment_not_found`` when unknown."""
    return PaymentInfo.of(await load(session, payment_id))


async def describe(*, session: AsyncSession, payment_id: uuid.UUID) -> PaymentRead:
    """The staff view of a payment, with its refunds."""
    payment = await load(session, payment_id)
    refunds = await session.scalars(
        select(Refund).where(Refund.payment_id == payment_id).order_by(Refund.created_at)
    )
    read = PaymentRead.model_validate(payment, from_attributes=True)
    read.refunds = [RefundRead.model_validate(r, from_attributes=True) for r in refunds]
    return read


async def unattached(
    *, session: AsyncSession, older_than: datetime, limit: int = 100
) -> list[PaymentInfo]:
    """Open payments (pending/requires_action/authorized/captured) with no order, created
    before ``older_than``, oldest first: what the reconcile job must settle."""
    rows = await session.scalars(
        select(Payment)
        .where(
            Payment.order_id.is_(None),
            Payment.status.in_([s.value for s in rules.OPEN]),
            Payment.created_at < older_than,
        )
        .order_by(Payment.created_at, Payment.id)
        .limit(limit)
    )
    return [PaymentInfo.of(row) for row in rows]


async def receive_webhook(
    factory: Factory, *, provider: str, headers: Mapping[str, str], body: bytes
) -> None:
    """Verify (401/400, nothing changes), dedupe on the event id, then apply a notification.
    A redelivered event changes nothing."""
    event = gateways.get(provider).parse_webhook(headers, body)
    payment_id = _uuid(event.charge.idempotency_key)
    async with unit_of_work(factory) as session:
        seen = await session.scalar(
            select(ProviderEvent.id).where(
                ProviderEvent.provider == provider, ProviderEvent.event_id == event.id
            )
        )
        if seen is not None:
            return
        known = payment_id is not None and await session.get(Payment, payment_id) is not None
        # Inserted first: a concurrent delivery of the same event fails on the unique key.
        session.add(
            ProviderEvent(
                provider=provider,
                event_id=event.id,
                type=event.type,
                payment_id=payment_id if known else None,
            )
        )
        await session.flush()
        if not known or payment_id is None:
            log.info("webhook for an unknown payment", event_id=event.id)
            return
        payment, compensate = await recording.apply(session, payment_id, event.charge)
        info = PaymentInfo.of(payment)
    if compensate and event.charge.provider_ref:
        await _void_at_provider(factory, info, event.charge.provider_ref)


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


async def mark_collected(*, session: AsyncSession, payment_id: uuid.UUID) -> PaymentInfo:
    """A cash-on-delivery / pay-at-pickup payment was collected: it is captured. Idempotent."""
    payment = await load(session, payment_id)
    if payment.method not in rules.OFFLINE:
        raise Conflict("only cash on delivery or pay at pickup is collected", field="payment_id")
    if payment.status in CAPTURED_LIKE:
        return PaymentInfo.of(payment)
    if await recording.move(
        session,
        payment,
        Status.CAPTURED,
        authorized_amount=payment.amount,
        captured_amount=payment.amount,
    ):
        await recording.emit_for(session, payment)
    return PaymentInfo.of(payment)
