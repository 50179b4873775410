"""Orders use cases: place an order from a held, paid-for draft; read it; follow its payment;
cancel it. Shipments and tracking live in ``orders.shipping`` (re-exported here).

Every function works in the caller's transaction: it flushes, never commits."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.channels import service as channels
from omnishop.inventory import fulfilment
from omnishop.inventory.errors import HoldReleased
from omnishop.inventory.models import Reservation
from omnishop.kernel import clock, ids, outbox
from omnishop.kernel.errors import NotFound, ValidationFailed
from omnishop.kernel.money import check_currency
from omnishop.orders import loading, rules
from omnishop.orders.drafts import OrderDraft
from omnishop.orders.errors import HoldsMismatch, OrderExists
from omnishop.orders.events import OrderCanceled, OrderPaid, OrderPlaced
from omnishop.orders.listing import customer_orders, list_orders
from omnishop.orders.models import Allocation, Order, OrderHistory, OrderLine, OrderSequence
from omnishop.orders.rules import OrderStatus, PaymentStatus
from omnishop.orders.schemas import OrderInfo
from omnishop.orders.shipping import add_tracking_event, create_shipment

__all__ = [
    "add_tracking_event",
    "cancel",
    "complete_delivered",
    "create_shipment",
    "customer_orders",
    "get",
    "get_by_cart",
    "get_by_payment",
    "get_by_token",
    "list_orders",
    "mark_paid",
    "place",
    "set_payment_status",
]


async def place(*, session: AsyncSession, draft: OrderDraft) -> OrderInfo:
    """Turn a draft into an order in the caller's transaction: every hold becomes committed
    stock allocated at its location, the order gets its channel's next number, and
    ``order.placed`` is emitted. A cart already ordered is a 409 ``order_exists``."""
    if not draft.lines:
        raise ValidationFailed("an order needs at least one line", field="lines")
    currency = check_currency(draft.currency)
    totals = rules.totals(
        [(ln.quantity, ln.unit_amount) for ln in draft.lines], draft.shipping_amount
    )
    total = rules.payable(
        totals,
        line_discounts=[ln.discount_amount for ln in draft.lines],
        line_subtotals=[ln.quantity * ln.unit_amount for ln in draft.lines],
        discount=draft.discount_amount,
        tax=draft.tax_amount,
        tax_included=draft.tax_included,
        duty=draft.duty_amount,
        points_amount=draft.points_amount,
    )
    hold_ids = [h for ln in draft.lines for h in ln.hold_ids]
    if len(set(hold_ids)) != len(hold_ids):
        if await _exists_for_cart(session, draft.cart_id):
            raise OrderExists("this cart already has an order", field="cart_id")
        raise HoldsMismatch("a hold is listed twice", field="lines")
    channel = await channels.get(session=session, channel_id=draft.channel_id)
    order_id = draft.order_id or ids.new_id()
    # No look for an earlier order of this cart first: the unique cart_id is the guard. Its
    # holds, number and order row go in one savepoint, so a refusal leaves nothing behind.
    inserting = False
    try:
        async with session.begin_nested():
            holds = await fulfilment.commit_holds(session, hold_ids, f"order:{order_id}")
            by_id = {h.id: h for h in holds}
            _check_holds(draft, by_id)
            number = rules.order_number(channel.code, await _next_number(session, channel.id))
            order = Order(
                id=order_id,
                number=number,
                channel_id=channel.id,
                customer_id=draft.customer_id,
                cart_id=draft.cart_id,
                token=ids.new_token(24),
                email=draft.email,
                phone=draft.phone,
                locale=draft.locale,
                status=OrderStatus.PLACED,
                payment_status=PaymentStatus.PENDING,
                payment_id=draft.payment_id,
                payment_method=draft.payment_method,
                currency=currency,
                subtotal=totals.subtotal,
                shipping_amount=totals.shipping,
                total=total,
                discount_amount=draft.discount_amount,
                tax_amount=draft.tax_amount,
                tax_included=draft.tax_included,
                duty_amount=draft.duty_amount,
                points_spent=draft.points_spent,
                points_amount=draft.points_amount,
                adjustments=[dict(a) for a in draft.adjustments],
                delivery=dict(draft.delivery),
                placed_at=clock.now(),
            )
            session.add(order)
            inserting = True
            await session.flush()
    except IntegrityError as exc:
        if not inserting:
            raise
        # the unique cart_id: the guard against a double order
        raise OrderExists("this cart already has an order", field="cart_id") from exc
    except (HoldReleased, HoldsMismatch) as exc:
        # Most likely an order of this cart (maybe a concurrent one) committed the holds.
        if await _exists_for_cart(session, draft.cart_id):
            raise OrderExists("this cart already has an order", field="cart_id") from exc
        raise

    # Lines before allocations: without ORM relationships the flush does not order them.
    order_lines: list[OrderLine] = []
    allocations: list[Allocation] = []
    for index, draft_line in enumerate(draft.lines):
        line_holds = [by_id[h] for h in draft_line.hold_ids]
        line = OrderLine(
            id=ids.new_id(),
            order_id=order.id,
            position=index,
            variant_id=draft_line.variant_id,
            sku=draft_line.sku,
            name=draft_line.name,
            quantity=draft_line.quantity,
            unit_amount=draft_line.unit_amount,
            total=draft_line.quantity * draft_line.unit_amount,
            discount_amount=draft_line.discount_amount,
            tax_amount=draft_line.tax_amount,
        )
        order_lines.append(line)
        allocations.extend(
            Allocation(
                id=ids.new_id(),
                order_line_id=line.id,
                location_id=h.location_id,
                quantity=h.quantity,
                shipped=0,
                released=0,
                reservation_id=h.id,
            )
            for h in line_holds
        )
    rows: list[Allocation | OrderHistory] = [*allocations]
    rows.append(
        OrderHistory(
            order_id=order.id,
            from_status=None,
            to_status=OrderStatus.PLACED,
            actor="checkout",
            note=f"placed in {channel.code}",
        )
    )
    session.add_all(order_lines)
    await session.flush()
    session.add_all(rows)
    await session.flush()
    await outbox.emit(
        session,
        OrderPlaced(
            order_id=order.id,
            number=number,
            channel_id=channel.id,
            customer_id=str(draft.customer_id) if draft.customer_id else None,
            payment_id=str(draft.payment_id) if draft.payment_id else None,
            payment_method=draft.payment_method,
            total=total,
            currency=currency,
        ),
    )
    # Built from the rows just written: a new order has no shipments yet.
    return loading.build(order, channel.code, order_lines, allocations)


def _check_holds(draft: OrderDraft, by_id: Mapping[uuid.UUID, Reservation]) -> None:
    for index, draft_line in enumerate(draft.lines):
        line_holds = [by_id[h] for h in draft_line.hold_ids]
        if (
            not line_holds
            or any(h.variant_id != draft_line.variant_id for h in line_holds)
            or sum(h.quantity for h in line_holds) != draft_line.quantity
        ):
            raise HoldsMismatch(
                "the holds of this line are not its variant and quantity",
                field=f"lines[{index}].hold_ids",
            )


async def _exists_for_cart(session: AsyncSession, cart_id: uuid.UUID) -> bool:
    return await session.scalar(select(Order.id).where(Order.cart_id == cart_id)) is not None


async def _next_number(session: AsyncSession, channel_id: uuid.UUID) -> int:
    """The channel's next order number: one UPDATE..RETURNING (the row lock orders
    concurrent placements), or the first row of a channel's sequence."""
    bump = (
        update(OrderSequence)
        .where(OrderSequence.channel_id == channel_id)
        .values(last=OrderSequence.last + 1)
        .returning(OrderSequence.last)
        .execution_options(synchronize_session=False)
    )
    n = (await session.execute(bump)).scalar()
    if n is not None:
        return int(n)
    try:
        async with session.begin_nested():
            await session.execute(insert(OrderSequence).values(channel_id=channel_id, last=1))
        return 1
    except IntegrityError:  # another order of this channel created the row meanwhile
        return int((await session.execute(bump)).scalar_one())


async def get(
    *, session: AsyncSession, order_id: uuid.UUID, with_history: bool = False
) -> OrderInfo:
    """One order with its lines, allocations and shipments (and history on request)."""
    order = await session.get(Order, order_id, populate_existing=True)
    if order is None:
        raise NotFound("order not found", field="order_id")
    return await loading.info(session, order, with_history=with_history)


async def get_by_token(*, session: AsyncSession, token: str) -> OrderInfo:
    """The order behind a buyer's status-page token."""
    order = await session.scalar(
        select(Order).where(Order.token == token).execution_options(populate_existing=True)
    )
    if order is None:
        raise NotFound("order not found", field="token")
    return await loading.info(session, order)


async def get_by_cart(*, session: AsyncSession, cart_id: uuid.UUID) -> OrderInfo | None:
    """The order a cart became, if it did."""
    order = await session.scalar(
        select(Order).where(Order.cart_id == cart_id).execution_options(populate_existing=True)
    )
    return None if order is None else await loading.info(session, order)


async def get_by_payment(*, session: AsyncSession, payment_id: uuid.UUID) -> OrderInfo | None:
    """The order a payment pays for, if it was placed."""
    order = await session.scalar(
        select(Order)
        .where(Order.payment_id == payment_id)
        .execution_options(populate_existing=True)
    )
    return None if order is None else await loading.info(session, order)


async def mark_paid(
    *, session: AsyncSession, order_id: uuid.UUID, actor: str = "payments"
) -> OrderInfo:
    """The money arrived (captured, or cash collected). Idempotent."""
    return await set_payment_status(
        session=session, order_id=order_id, payment_status=PaymentStatus.PAID, actor=actor
    )


async def set_payment_status(
    *, session: AsyncSession, order_id: uuid.UUID, payment_status: str, actor: str = "payments"
) -> OrderInfo:
    """Follow the payment: the order's payment status only moves forward, so repeated or late
    news changes nothing. Becoming paid moves a placed order to paid and emits ``order.paid``."""
    target = PaymentStatus(payment_status)
    order = await loading.lock(session, order_id)
    new = rules.next_payment_status(order.payment_status, target)
    if new == order.payment_status:
        return await loading.info(session, order)
    order.payment_status = new
    to_status = order.status
    if new == PaymentStatus.PAID and order.status == OrderStatus.PLACED:
        to_status = rules.transition(order.status, OrderStatus.PAID)
    session.add(
        OrderHistory(
            order_id=order.id,
            from_status=order.status,
            to_status=to_status,
            actor=actor,
            note=f"payment {new.value}",
        )
    )
    became_paid = new == PaymentStatus.PAID and order.status != OrderStatus.CANCELED
    order.status = to_status
    await session.flush()
    if became_paid:
        await outbox.emit(
            session,
            OrderPaid(
                order_id=order.id,
                number=order.number,
                channel_id=order.channel_id,
                total=order.total,
                currency=order.currency,
            ),
        )
    return await loading.info(session, order)


async def cancel(
    *,
    session: AsyncSession,
    order_id: uuid.UUID,
    reason: str,
    actor: str,
    with_history: bool = False,
) -> OrderInfo:
    """Cancel an order that has not fully shipped: its unshipped committed stock goes back on
    sale and ``order.canceled`` is emitted (a job then voids or refunds the payment).
    Canceling a canceled order changes nothing."""
    if not reason.strip():
        raise ValidationFailed("a reason is required", field="reason")
    order = await loading.lock(session, order_id)
    if order.status == OrderStatus.CANCELED:
        return await loading.info(session, order, with_history=with_history)
    rules.transition(order.status, OrderStatus.CANCELED)
    lines = {ln.id: ln for ln in await loading.lines_of(session, order.id)}
    back: dict[tuple[uuid.UUID, uuid.UUID], int] = defaultdict(int)
    for a in await loading.allocations_of(session, list(lines)):
        open_units = a.quantity - a.shipped - a.released
        if open_units > 0:
            back[(lines[a.order_line_id].variant_id, a.location_id)] += open_units
            a.released += open_units
    for (variant_id, location_id), quantity in back.items():
        await fulfilment.release_committed(
            session=session,
            variant_id=variant_id,
            location_id=location_id,
            quantity=quantity,
            reference=f"order:{order.id}",
        )
    session.add(
        OrderHistory(
            order_id=order.id,
            from_status=order.status,
            to_status=OrderStatus.CANCELED,
            actor=actor,
            note=reason,
        )
    )
    order.status = OrderStatus.CANCELED
    order.canceled_at = clock.now()
    order.cancel_reason = reason
    await session.flush()
    await outbox.emit(
        session,
        OrderCanceled(
            order_id=order.id,
            number=order.number,
            channel_id=order.channel_id,
            payment_id=str(order.payment_id) if order.payment_id else None,
            reason=reason,
            actor=actor,
        ),
    )
    return await loading.info(session, order, with_history=with_history)


async def complete_delivered(
    *, session: AsyncSession, delivered_before: datetime, limit: int = 200
) -> int:
    """Delivered orders whose return window has passed become completed; how many. Each
    move is a conditional UPDATE, so two workers never complete an order twice."""
    due = list(
        await session.scalars(
            select(Order.id)
            .where(Order.status == OrderStatus.DELIVERED, Order.delivered_at <= delivered_before)
            .order_by(Order.delivered_at)
            .limit(limit)
        )
    )
    done = 0
    for order_id in due:
        moved = await session.execute(
            update(Order)
            .where(Order.id == order_id, Order.status == OrderStatus.DELIVERED)
            .values(status=OrderStatus.COMPLETED, updated_at=clock.now())
            .execution_options(synchronize_session=False)
        )
        if moved.rowcount:  # type: ignore[attr-defined]
            session.add(
                OrderHistory(
                    order_id=order_id,
                    from_status=OrderStatus.DELIVERED,
                    to_status=OrderStatus.COMPLETED,
                    actor="system",
                    note="return window passed",
                )
            )
            done += 1
    await session.flush()
    return done
