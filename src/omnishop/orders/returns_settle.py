"""Settling a received return: money back to the original payment (through the PSP, partial
or full), in cash at the counter for an offline payment, or as store credit (an event the
loyalty domain credits); an exchange's replacement is handed over and a price difference is
charged or refunded.

Like ``payments.service.refund`` this owns its units of work and never holds one open across
a PSP call. It is safe to repeat: the return's one ``ReturnRefund`` row (unique per return)
fixes the amount and the payment key, the PSP dedupes on that key, and ``return.refunded`` is
emitted by the one conditional UPDATE that marks the refund succeeded."""

from __future__ import annotations

import uuid

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omnishop.inventory import fulfilment
from omnishop.kernel import clock, outbox
from omnishop.kernel.db import unit_of_work
from omnishop.kernel.errors import DomainError, ValidationFailed
from omnishop.orders import loading
from omnishop.orders import return_rules as rules
from omnishop.orders.events import ReturnRefunded
from omnishop.orders.models import Order, OrderHistory
from omnishop.orders.return_rules import RefundTo, ReturnStatus
from omnishop.orders.returns_models import ReturnLine, ReturnRefund, ReturnRequest
from omnishop.orders.returns_reading import describe, returned_units
from omnishop.orders.returns_schemas import ReturnInfo
from omnishop.orders.returns_steps import lines_of_return, lock_return
from omnishop.payments import rules as payment_rules
from omnishop.payments import service as payments
from omnishop.payments.errors import PaymentOperationFailed
from omnishop.payments.schemas import PaymentInput

Factory = async_sessionmaker[AsyncSession]
SETTLED = (ReturnStatus.REFUNDED, ReturnStatus.CREDITED, ReturnStatus.CLOSED)


async def refund(
    factory: Factory,
    *,
    return_id: uuid.UUID,
    actor: str,
    payment_token: str | None = None,
) -> ReturnInfo:
    """Give the money of a received return back, once: to the original payment (refunded
    through its provider: the PSP for a card, ``in_person`` for a POS sale; cash on delivery
    and pay at pickup: cash at the counter) or as store credit. An exchange for something
    dearer is charged to ``payment_token`` first (a declined card: 409, try another)."""
    async with unit_of_work(factory) as session:
        row = await lock_return(session, return_id)
        if row.status in SETTLED:
            return await describe(session, row)
        target = (
            ReturnStatus.CREDITED
            if row.refund_to == RefundTo.STORE_CREDIT
            else ReturnStatus.REFUNDED
        )
        rules.transition(row.status, target)
        record = await _record(session, row)
        if record.status == "succeeded":  # nothing to ask a PSP for
            await _finish(session, row, record, actor)
            return await describe(session, row)
        charge = _charge_needed(row, await lines_of_return(session, row.id))
        charge_id = record.charge_payment_id
        if charge > 0 and (charge_id is None or await _given_up(session, charge_id)):
            # none yet, or the last card was declined: a new payment with the token given
            charge_id = await _start_charge(session, row, record, charge, payment_token)
        kind, amount, key = record.kind, record.amount, record.key
        payment_id = record.payment_id
    if charge_id is not None:
        charged = await payments.authorize(factory, payment_id=charge_id)
        if charged.status not in ("authorized", *payments.CAPTURED_LIKE):
            raise PaymentOperationFailed(
                charged.failure_message or "the payment for the difference was declined",
                field="payment_token",
                reason=charged.failure_code or charged.status,
            )
        await payments.capture(factory, payment_id=charge_id)
    refund_id = None
    if kind == "payment" and amount > 0 and payment_id is not None:
        try:
            await payments.refund(
                factory,
                payment_id=payment_id,
                amount=amount,
                key=key,
                reason=f"return {row.number}",
            )
        except DomainError as exc:
            async with unit_of_work(factory) as session:
                await session.execute(
                    update(ReturnRefund)
                    .where(ReturnRefund.id == record.id, ReturnRefund.status == "pending")
                    .values(status="failed", failure=exc.detail[:500], updated_at=clock.now())
                    .execution_options(synchronize_session=False)
                )
            raise
        async with factory() as session:
            refund_id = await payments.refund_id(session=session, payment_id=payment_id, key=key)
    async with unit_of_work(factory) as session:
        row = await lock_return(session, return_id)
        done = await session.scalar(
            update(ReturnRefund)
            .where(ReturnRefund.id == record.id, ReturnRefund.status == "pending")
            .values(status="succeeded", payment_refund_id=refund_id, updated_at=clock.now())
            .returning(ReturnRefund.id)
            .execution_options(synchronize_session=False)
        )
        if done is not None:
            fresh = await session.get(ReturnRefund, record.id, populate_existing=True)
            assert fresh is not None
            await _finish(session, row, fresh, actor)
        return await describe(session, row)


async def _given_up(session: AsyncSession, payment_id: uuid.UUID) -> bool:
    info = await payments.get(session=session, payment_id=payment_id)
    return info.status in ("failed", "canceled")


def _charge_needed(row: ReturnRequest, lines: list[ReturnLine]) -> int:
    money = sum(ln.amount for ln in lines if ln.exchange_variant_id is None)
    return rules.settle(money, row.shipping_amount, row.exchange_difference).charge


async def _record(session: AsyncSession, row: ReturnRequest) -> ReturnRefund:
    """The return's refund row: the one made before (a failed one is tried again with a
    new key), or a new one; a new one also hands an exchange's replacement over."""
    record = await session.scalar(
        select(ReturnRefund)
        .where(ReturnRefund.return_id == row.id)
        .execution_options(populate_existing=True)
    )
    if record is not None:
        if record.status == "failed":
            record.attempt += 1
            record.key = f"return:{row.id}:{record.attempt}"
            record.status = "pending"
            record.failure = None
            await session.flush()
        return record
    lines = await lines_of_return(session, row.id)
    money = sum(ln.amount for ln in lines if ln.exchange_variant_id is None)
    settlement = rules.settle(money, row.shipping_amount, row.exchange_difference)
    order = await session.get(Order, row.order_id)
    assert order is not None
    kind, payment_id = await _kind(session, row, order, settlement.refund)
    record = ReturnRefund(
        return_id=row.id,
        order_id=row.order_id,
        amount=settlement.refund,
        currency=row.currency,
        kind=kind,
        payment_id=payment_id,
        key=f"return:{row.id}",
        # Store credit, cash at the counter and an even exchange need no PSP.
        status="pending"
        if (kind == "payment" and settlement.refund > 0) or settlement.charge > 0
        else "succeeded",
    )
    session.add(record)
    await session.flush()  # the unique return_id: a concurrent settlement stops here
    await _hand_over(session, row, lines)
    return record


async def _kind(
    session: AsyncSession, row: ReturnRequest, order: Order, amount: int
) -> tuple[str, uuid.UUID | None]:
    if row.refund_to == RefundTo.STORE_CREDIT:
        return "store_credit", None
    if amount == 0:
        return "none", order.payment_id
    if order.payment_id is None:
        return "cash", None
    payment = await payments.get(session=session, payment_id=order.payment_id)
    if payment.method in payment_rules.OFFLINE:
        return "cash", payment.id
    return "payment", payment.id


async def _hand_over(session: AsyncSession, row: ReturnRequest, lines: list[ReturnLine]) -> None:
    """An exchange's held replacement becomes committed and leaves its location."""
    for ln in lines:
        if ln.exchange_hold_id is None or ln.exchange_variant_id is None:
            continue
        hold = await fulfilment.commit_hold(
            session=session, reservation_id=ln.exchange_hold_id, reference=f"return:{row.number}"
        )
        await fulfilment.ship(
            session=session,
            variant_id=hold.variant_id,
            location_id=hold.location_id,
            quantity=hold.quantity,
            reference=f"return:{row.number}",
        )


async def _start_charge(
    session: AsyncSession,
    row: ReturnRequest,
    record: ReturnRefund,
    amount: int,
    token: str | None,
) -> uuid.UUID:
    """The payment for an exchange's price difference, recorded on the refund row so a retry
    reuses it (the PSP dedupes on the payment's id)."""
    if token is None:
        raise ValidationFailed(
            f"the replacement costs {amount} more: a payment_token is needed",
            field="payment_token",
            amount=amount,
        )
    order = await session.get(Order, row.order_id)
    assert order is not None
    created = await payments.create(
        session=session,
        reference=f"return:{row.id}",
        channel_id=order.channel_id,
        customer_id=order.customer_id,
        amount=amount,
        currency=row.currency,
        payment=PaymentInput(method=payment_rules.Method.CARD, token=token),
    )
    record.charge_payment_id = created.id
    await session.flush()
    return created.id


async def _finish(
    session: AsyncSession, row: ReturnRequest, record: ReturnRefund, actor: str
) -> None:
    """The money went back: the return is refunded or credited, ``return.refunded`` once."""
    row.status = ReturnStatus.CREDITED if record.kind == "store_credit" else ReturnStatus.REFUNDED
    row.refunded_at = clock.now()
    order = await session.get(Order, row.order_id, populate_existing=True)
    assert order is not None
    lines = await lines_of_return(session, row.id)
    back = await returned_units(session=session, order_id=order.id)
    note = f"return {row.number}: {record.amount} {record.currency} back ({record.kind})"
    ordered = {ln.id: ln.quantity for ln in await loading.lines_of(session, order.id)}
    if rules.fully_returned(ordered, back):
        note += "; the order is returned in full"
    session.add(
        OrderHistory(
            order_id=order.id,
            from_status=order.status,
            to_status=order.status,
            actor=actor[:100],
            note=note,
        )
    )
    await session.flush()
    await outbox.emit(
        session,
        ReturnRefunded(
            order_id=order.id,
            return_id=row.id,
            amount=record.amount,
            currency=record.currency,
            store_credit=record.kind == "store_credit",
            customer_id=str(order.customer_id) if order.customer_id else None,
            channel_id=row.requested_channel_id,
            lines=[
                {
                    "order_line_id": str(ln.order_line_id),
                    "variant_id": str(ln.variant_id),
                    "quantity": ln.quantity,
                    "amount": ln.amount,
                    "exchange": ln.exchange_variant_id is not None,
                }
                for ln in lines
            ],
            number=row.number,
        ),
    )
