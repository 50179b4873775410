"""Reading returns: the info shape of one or many returns (loaded in a few queries), and the
units of an order already returned."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import func, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.channels import service as channels
from omnishop.orders import return_rules as rules
from omnishop.orders.models import Order, OrderLine
from omnishop.orders.returns_models import ReturnLine, ReturnRefund, ReturnRequest
from omnishop.orders.returns_schemas import RefundInfo, ReturnInfo, ReturnLineInfo


async def returned_units(
    *, session: AsyncSession, order_id: uuid.UUID, received_only: bool = False
) -> dict[uuid.UUID, int]:
    """Units per order line in the order's returns that count: every return but a rejected
    one (even once closed), so its units cannot be asked twice. ``received_only``: the units
    actually back (what the order shows as returned)."""
    rows = await session.execute(
        select(ReturnLine.order_line_id, func.sum(ReturnLine.quantity))
        .join(ReturnRequest, ReturnRequest.id == ReturnLine.return_id)
        .where(
            ReturnRequest.order_id == order_id,
            ReturnRequest.rejected_at.is_(None),
            ReturnRequest.received_at.is_not(None) if received_only else true(),
        )
        .group_by(ReturnLine.order_line_id)
    )
    return {line_id: int(n or 0) for line_id, n in rows}


async def describe(session: AsyncSession, row: ReturnRequest) -> ReturnInfo:
    return (await describe_many(session, [row]))[0]


async def describe_many(session: AsyncSession, rows: Sequence[ReturnRequest]) -> list[ReturnInfo]:
    if not rows:
        return []
    ids = [r.id for r in rows]
    order_ids = {r.order_id for r in rows}
    lines: dict[uuid.UUID, list[ReturnLine]] = defaultdict(list)
    for ln in await session.scalars(
        select(ReturnLine)
        .where(ReturnLine.return_id.in_(ids))
        .order_by(ReturnLine.id)
        .execution_options(populate_existing=True)
    ):
        lines[ln.return_id].append(ln)
    refunds = {
        r.return_id: r
        for r in await session.scalars(
            select(ReturnRefund)
            .where(ReturnRefund.return_id.in_(ids))
            .execution_options(populate_existing=True)
        )
    }
    orders = {o.id: o for o in await session.scalars(select(Order).where(Order.id.in_(order_ids)))}
    order_lines = {
        ln.id: ln
        for ln in await session.scalars(select(OrderLine).where(OrderLine.order_id.in_(order_ids)))
    }
    codes = await channels.codes(
        session=session, channel_ids={r.requested_channel_id for r in rows}
    )
    returned = {oid: await returned_units(session=session, order_id=oid) for oid in order_ids}
    out = []
    for r in rows:
        ordered = {k: ln.quantity for k, ln in order_lines.items() if ln.order_id == r.order_id}
        back = returned[r.order_id]
        refund = refunds.get(r.id)
        out.append(
            ReturnInfo(
                id=r.id,
                number=r.number,
                order_id=r.order_id,
                order_number=orders[r.order_id].number,
                status=r.status,
                requested_channel=codes[r.requested_channel_id],
                customer_id=r.customer_id,
                reason=r.reason,
                method=r.method,
                drop_off_location_id=r.drop_off_location_id,
                label_carrier=r.label_carrier,
                label_tracking_number=r.label_tracking_number,
                refund_to=r.refund_to,
                created_by=r.created_by,
                currency=r.currency,
                lines_amount=r.lines_amount,
                shipping_amount=r.shipping_amount,
                exchange_difference=r.exchange_difference,
                rejection_reason=r.rejection_reason,
                created_at=r.created_at,
                approved_at=r.approved_at,
                received_at=r.received_at,
                refunded_at=r.refunded_at,
                lines=[
                    ReturnLineInfo(
                        id=ln.id,
                        order_line_id=ln.order_line_id,
                        variant_id=ln.variant_id,
                        sku=order_lines[ln.order_line_id].sku,
                        name=order_lines[ln.order_line_id].name,
                        quantity=ln.quantity,
                        reason=ln.reason_code,
                        amount=ln.amount,
                        condition=ln.condition,
                        restock_location_id=ln.restock_location_id,
                        written_off=ln.written_off,
                        exchange_variant_id=ln.exchange_variant_id,
                        exchange_unit_amount=ln.exchange_unit_amount,
                    )
                    for ln in lines[r.id]
                ],
                refund=None
                if refund is None
                else RefundInfo(
                    amount=refund.amount,
                    currency=refund.currency,
                    kind=refund.kind,
                    status=refund.status,
                    payment_id=refund.payment_id,
                    payment_refund_id=refund.payment_refund_id,
                    charge_payment_id=refund.charge_payment_id,
                    created_at=refund.created_at,
                ),
                order_returned={str(k): v for k, v in back.items()},
                order_fully_returned=rules.fully_returned(ordered, back),
            )
        )
    return out
