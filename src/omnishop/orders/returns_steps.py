"""Moving a return along: approve or reject it, receive it (restock resellable units at a
location, write damaged ones off), close it. Each takes the return's row first, so two staff
members acting on one return run one after the other; repeating a step changes nothing.

Every function works in the caller's transaction: it flushes, never commits."""

from __future__ import annotations

import uuid

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.inventory import reservations
from omnishop.inventory import returns as inventory_returns
from omnishop.kernel import clock, outbox
from omnishop.kernel.errors import NotFound, ValidationFailed
from omnishop.orders import return_rules as rules
from omnishop.orders.events import ReturnReceived
from omnishop.orders.models import Order, OrderHistory
from omnishop.orders.return_rules import Condition, ReturnStatus
from omnishop.orders.returns_models import ReturnLine, ReturnRequest
from omnishop.orders.returns_reading import describe
from omnishop.orders.returns_schemas import ReceiveRequest, ReturnInfo


def note(session: AsyncSession, order: Order, actor: str, note: str) -> None:
    """Returns leave the order's status alone; its history tells what happened."""
    session.add(
        OrderHistory(
            order_id=order.id,
            from_status=order.status,
            to_status=order.status,
            actor=actor[:100],
            note=note,
        )
    )


async def lock_return(session: AsyncSession, return_id: uuid.UUID) -> ReturnRequest:
    """The return, fresh, after taking its row for this transaction."""
    touched = await session.execute(
        update(ReturnRequest)
        .where(ReturnRequest.id == return_id)
        .values(updated_at=clock.now())
        .returning(ReturnRequest.id)
        .execution_options(synchronize_session=False)
    )
    if touched.scalar() is None:
        raise NotFound("return not found", field="return_id")
    row = await session.get(ReturnRequest, return_id, populate_existing=True)
    assert row is not None
    return row


async def order_of(session: AsyncSession, order_id: uuid.UUID) -> Order:
    order = await session.get(Order, order_id)
    assert order is not None
    return order


async def approve(*, session: AsyncSession, return_id: uuid.UUID, actor: str) -> ReturnInfo:
    """Accept a requested return. Approving an approved one changes nothing."""
    row = await lock_return(session, return_id)
    if row.status != ReturnStatus.APPROVED:
        row.status = rules.transition(row.status, ReturnStatus.APPROVED)
        row.approved_at = clock.now()
        row.decided_by = actor[:100]
        note(session, await order_of(session, row.order_id), actor, f"return {row.number} approved")
        await session.flush()
    return await describe(session, row)


async def reject(
    *, session: AsyncSession, return_id: uuid.UUID, reason: str, actor: str
) -> ReturnInfo:
    """Refuse a return (its units may be asked again); the hold of an exchange is released."""
    if not reason.strip():
        raise ValidationFailed("a reason is required", field="reason")
    row = await lock_return(session, return_id)
    if row.status == ReturnStatus.REJECTED:
        return await describe(session, row)
    row.status = rules.transition(row.status, ReturnStatus.REJECTED)
    row.rejected_at = clock.now()
    row.rejection_reason = reason
    row.decided_by = actor[:100]
    for line in await lines_of_return(session, row.id):
        if line.exchange_hold_id is not None:
            await reservations.release(session=session, reservation_id=line.exchange_hold_id)
    note(
        session,
        await order_of(session, row.order_id),
        actor,
        f"return {row.number} rejected: {reason}",
    )
    await session.flush()
    return await describe(session, row)


async def lines_of_return(session: AsyncSession, return_id: uuid.UUID) -> list[ReturnLine]:
    return list(
        await session.scalars(
            select(ReturnLine)
            .where(ReturnLine.return_id == return_id)
            .order_by(ReturnLine.id)
            .execution_options(populate_existing=True)
        )
    )


async def receive(
    *, session: AsyncSession, return_id: uuid.UUID, data: ReceiveRequest, actor: str
) -> ReturnInfo:
    """The parcel arrived: each line is inspected; resellable units go back on hand at a
    location (a ``receive`` movement referencing the return), damaged ones are written off.
    Emits ``return.received``. Receiving a received return changes nothing."""
    row = await lock_return(session, return_id)
    if row.status in (ReturnStatus.RECEIVED, ReturnStatus.REFUNDED, ReturnStatus.CREDITED):
        return await describe(session, row)
    rules.transition(row.status, ReturnStatus.RECEIVED)
    lines = await lines_of_return(session, row.id)
    by_line = {ln.order_line_id: ln for ln in lines}
    inspected = {ln.order_line_id: ln for ln in data.lines}
    for index, asked in enumerate(data.lines):
        if asked.order_line_id not in by_line:
            raise ValidationFailed(
                "this order line is not in the return", field=f"lines[{index}].order_line_id"
            )
    default_location = data.location_id or row.drop_off_location_id
    for line in lines:
        given = inspected.get(line.order_line_id)
        condition = given.condition if given else Condition.RESELLABLE
        line.condition = condition
        if condition == Condition.DAMAGED:
            line.written_off = True
            continue
        location_id = (given.location_id if given else None) or default_location
        if location_id is None:
            raise ValidationFailed(
                "say where the returned units go back on hand", field="location_id"
            )
        await inventory_returns.restock_returned(
            session=session,
            variant_id=line.variant_id,
            location_id=location_id,
            quantity=line.quantity,
            reference=f"return:{row.number}",
            actor=actor[:100],
        )
        line.restock_location_id = location_id
    row.status = ReturnStatus.RECEIVED
    row.received_at = clock.now()
    order = await order_of(session, row.order_id)
    note(session, order, actor, f"return {row.number} received")
    await session.flush()
    await outbox.emit(
        session,
        ReturnReceived(
            order_id=row.order_id,
            return_id=row.id,
            number=row.number,
            channel_id=row.requested_channel_id,
            lines=[
                {
                    "order_line_id": str(ln.order_line_id),
                    "variant_id": str(ln.variant_id),
                    "quantity": ln.quantity,
                    "condition": ln.condition,
                    "location_id": str(ln.restock_location_id) if ln.restock_location_id else None,
                }
                for ln in lines
            ],
        ),
    )
    return await describe(session, row)


async def close(*, session: AsyncSession, return_id: uuid.UUID, actor: str) -> ReturnInfo:
    """Archive a settled or rejected return. Closing a closed one changes nothing."""
    row = await lock_return(session, return_id)
    if row.status != ReturnStatus.CLOSED:
        row.status = rules.transition(row.status, ReturnStatus.CLOSED)
        row.closed_at = clock.now()
        await session.flush()
    return await describe(session, row)
