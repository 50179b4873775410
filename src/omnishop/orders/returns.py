"""Returns and exchanges, asked in any channel for an order placed in any channel: request
(validated against the return window, what was delivered and what is returnable), approve or
reject, receive (restock at a location or write off). Settling the money is in
``orders.returns_settle`` (it talks to the payment provider outside our transaction).

Every function works in the caller's transaction: it flushes, never commits."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.catalog import returns as catalog_returns
from omnishop.channels import service as channels
from omnishop.inventory import reservations
from omnishop.inventory import service as inventory
from omnishop.kernel import clock, outbox
from omnishop.kernel.errors import Forbidden, NotFound, ValidationFailed
from omnishop.kernel.settings import get_settings
from omnishop.orders import loading
from omnishop.orders import return_rules as rules
from omnishop.orders.events import ReturnRequested
from omnishop.orders.models import Order, OrderLine, Shipment
from omnishop.orders.return_rules import (
    ReturnMethod,
    ReturnPolicy,
    ReturnStatus,
)
from omnishop.orders.returns_models import ReturnLine, ReturnRequest
from omnishop.orders.returns_reading import describe, describe_many, returned_units
from omnishop.orders.returns_schemas import ReturnCreate, ReturnInfo
from omnishop.orders.returns_steps import (
    approve,
    close,
    note,
    receive,
    reject,
)
from omnishop.orders.rules import TrackingStatus
from omnishop.pricing import service as pricing

__all__ = [
    "approve",
    "close",
    "find_order",
    "for_customer",
    "for_order",
    "for_token",
    "get",
    "list_returns",
    "receive",
    "reject",
    "request",
    "request_by_token",
    "returned_units",
]
# How long the replacement of an exchange stays held for the customer.
EXCHANGE_HOLD_DAYS = 30
LABEL_CARRIER = "return-label-placeholder"


async def request_by_token(
    *,
    session: AsyncSession,
    token: str,
    data: ReturnCreate,
    customer_id: uuid.UUID | None = None,
    policy: ReturnPolicy | None = None,
) -> ReturnInfo:
    """A customer asks, holding the order's status token (storefront, chat). A signed-in
    customer (``customer_id``) may only return their own orders."""
    order_id = await session.scalar(select(Order.id).where(Order.token == token))
    if order_id is None:
        raise NotFound("order not found", field="token")
    return await request(
        session=session,
        order_id=order_id,
        data=data,
        created_by=f"customer:{customer_id}" if customer_id else "order-token",
        customer_id=customer_id,
        policy=policy,
    )


def configured_policy() -> ReturnPolicy:
    """The return policy of this shop: the defaults with its settings."""
    settings = get_settings()
    return rules.policy_of(settings.return_days_by_channel, settings.non_returnable_categories)


async def find_order(
    *, session: AsyncSession, order_id: uuid.UUID | None, number: str | None
) -> uuid.UUID:
    """The id of the order staff name by id or by number (404 when unknown)."""
    query = select(Order.id).where(Order.id == order_id if order_id else Order.number == number)
    found = await session.scalar(query)
    if found is None:
        raise NotFound("order not found", field="order_id" if order_id else "order_number")
    return found


async def request(
    *,
    session: AsyncSession,
    order_id: uuid.UUID,
    data: ReturnCreate,
    created_by: str,
    customer_id: uuid.UUID | None = None,
    policy: ReturnPolicy | None = None,
) -> ReturnInfo:
    """Open a return of delivered units. Refused with a 4xx naming the line, and nothing
    written, when a line is unknown, not returnable, asks more units than are left, or the
    window has closed. Emits ``return.requested``."""
    policy = policy or configured_policy()
    order = await loading.lock(session, order_id)  # one request of an order at a time
    if customer_id is not None and order.customer_id not in (None, customer_id):
        raise Forbidden("this order belongs to another customer", field="token")
    channel = await channels.get(session=session, channel_id=order.channel_id)
    asked_in = (
        channel
        if data.channel is None
        else await channels.get_by_code(session=session, code=data.channel)
    )
    lines = {ln.id: ln for ln in await loading.lines_of(session, order.id)}
    delivered, delivered_at = await delivered_units(session, order)
    days = rules.window_days(
        policy, channel_code=channel.code, channel_kind=channel.kind, country=channel.country
    )
    rules.check_window(delivered_at, clock.now(), days)
    before = await returned_units(session=session, order_id=order.id)
    facts = await catalog_returns.return_facts(
        session=session, variant_ids=[ln.variant_id for ln in lines.values()]
    )
    rules.check_asks(
        [rules.Ask(a.order_line_id, a.quantity) for a in data.lines],
        {
            line_id: rules.LineFacts(
                sku=ln.sku,
                delivered=delivered.get(line_id, 0),
                returned=before.get(line_id, 0),
                returnable=ln.variant_id not in facts
                or rules.returnable(
                    policy, facts[ln.variant_id].attributes, facts[ln.variant_id].category_path
                ),
            )
            for line_id, ln in lines.items()
        },
    )
    if data.refund_to == rules.RefundTo.STORE_CREDIT and order.customer_id is None:
        raise ValidationFailed(
            "store credit needs a customer account on the order", field="refund_to"
        )
    if data.location_id is not None:
        await _check_location(session, data.location_id)

    sequence = 1 + int(
        await session.scalar(
            select(func.count())
            .select_from(ReturnRequest)
            .where(ReturnRequest.order_id == order.id)
        )
        or 0
    )
    number = rules.return_number(order.number, sequence)
    row = ReturnRequest(
        number=number,
        order_id=order.id,
        sequence=sequence,
        requested_channel_id=asked_in.id,
        customer_id=order.customer_id,
        status=ReturnStatus.REQUESTED,
        reason=data.reason,
        method=data.method,
        drop_off_location_id=data.location_id,
        label_carrier=LABEL_CARRIER if data.method == ReturnMethod.SHIP else None,
        label_tracking_number=f"RL-{number}" if data.method == ReturnMethod.SHIP else None,
        refund_to=data.refund_to,
        created_by=created_by,
        currency=order.currency,
    )
    session.add(row)
    await session.flush()

    prices = await _exchange_prices(session, order, data)
    return_lines: list[ReturnLine] = []
    for ask in data.lines:
        ln = lines[ask.order_line_id]
        paid = rules.money_part(_paid(order, ln), order.total, order.points_amount)
        amount = rules.refund_for_units(paid, ln.quantity, before.get(ln.id, 0), ask.quantity)
        hold_id = None
        if ask.exchange_variant_id is not None:
            hold = await reservations.reserve(
                session=session,
                variant_id=ask.exchange_variant_id,
                quantity=ask.quantity,
                reference=f"return:{row.id}",
                channel_id=order.channel_id,
                ttl=timedelta(days=EXCHANGE_HOLD_DAYS),
            )
            hold_id = hold.id
        return_lines.append(
            ReturnLine(
                return_id=row.id,
                order_line_id=ln.id,
                variant_id=ln.variant_id,
                quantity=ask.quantity,
                reason_code=ask.reason,
                amount=amount,
                exchange_variant_id=ask.exchange_variant_id,
                exchange_unit_amount=prices.get(ask.exchange_variant_id)
                if ask.exchange_variant_id
                else None,
                exchange_hold_id=hold_id,
            )
        )
    session.add_all(return_lines)
    row.lines_amount = sum(r.amount for r in return_lines)
    row.exchange_difference = rules.exchange_difference(
        sum(r.amount for r in return_lines if r.exchange_variant_id),
        sum((r.exchange_unit_amount or 0) * r.quantity for r in return_lines),
    )
    row.shipping_amount = await _shipping_share(session, order, lines, before, data)
    note(session, order, created_by, f"return {number} requested in {asked_in.code}")
    await session.flush()
    await outbox.emit(
        session,
        ReturnRequested(
            order_id=order.id,
            return_id=row.id,
            number=number,
            channel_id=asked_in.id,
            customer_id=str(order.customer_id) if order.customer_id else None,
            refund_to=str(data.refund_to),
            lines=[
                {
                    "order_line_id": str(r.order_line_id),
                    "variant_id": str(r.variant_id),
                    "quantity": r.quantity,
                    "amount": r.amount,
                }
                for r in return_lines
            ],
        ),
    )
    return await describe(session, row)


def _paid(order: Order, line: OrderLine) -> int:
    """The line less its share of discounts, plus its tax when prices excluded it."""
    tax_on_top = 0 if order.tax_included else line.tax_amount
    return rules.line_paid(line.unit_amount, line.quantity, line.discount_amount, tax_on_top)


async def delivered_units(
    session: AsyncSession, order: Order
) -> tuple[dict[uuid.UUID, int], datetime | None]:
    """Units per line the customer has (delivered shipments, or handed over at a store) and
    since when."""
    shipments = list(
        await session.scalars(
            select(Shipment)
            .where(Shipment.order_id == order.id, Shipment.status == TrackingStatus.DELIVERED)
            .execution_options(populate_existing=True)
        )
    )
    units: dict[uuid.UUID, int] = defaultdict(int)
    for s in shipments:
        for ln in s.lines:
            units[uuid.UUID(str(ln["order_line_id"]))] += int(ln["quantity"])
    dates = [s.delivered_at for s in shipments if s.delivered_at is not None]
    since = order.delivered_at or (max(dates) if dates else None)
    return dict(units), since


async def _check_location(session: AsyncSession, location_id: uuid.UUID) -> None:
    known = {loc.id for loc in await inventory.list_locations(session=session)}
    if location_id not in known:
        raise NotFound("location not found", field="location_id")


async def _exchange_prices(
    session: AsyncSession, order: Order, data: ReturnCreate
) -> dict[uuid.UUID, int]:
    wanted = [a.exchange_variant_id for a in data.lines if a.exchange_variant_id is not None]
    if not wanted:
        return {}
    prices = await pricing.prices_for_variants(
        session=session, variant_ids=wanted, channel_id=order.channel_id
    )
    out: dict[uuid.UUID, int] = {}
    for index, ask in enumerate(data.lines):
        if ask.exchange_variant_id is None:
            continue
        price = prices.get(ask.exchange_variant_id)
        if price is None or price.currency != order.currency:
            raise ValidationFailed(
                "the replacement variant is not sold in the order's channel and currency",
                field=f"lines[{index}].exchange_variant_id",
            )
        out[ask.exchange_variant_id] = price.amount
    return out


async def _shipping_share(
    session: AsyncSession,
    order: Order,
    lines: dict[uuid.UUID, OrderLine],
    before: dict[uuid.UUID, int],
    data: ReturnCreate,
) -> int:
    """The order's shipping, when this return brings every unit back (once per order). An
    exchange keeps the order delivered: no shipping back for a return with one."""
    if any(ask.exchange_variant_id is not None for ask in data.lines):
        return 0
    refunded_before = await session.scalar(
        select(func.count())
        .select_from(ReturnRequest)
        .where(
            ReturnRequest.order_id == order.id,
            ReturnRequest.rejected_at.is_(None),  # a rejected return gives nothing back
            ReturnRequest.shipping_amount > 0,
        )
    )
    after = dict(before)
    for ask in data.lines:
        after[ask.order_line_id] = after.get(ask.order_line_id, 0) + ask.quantity
    ordered = sum(ln.quantity for ln in lines.values())
    return rules.shipping_refund(
        rules.money_part(order.shipping_amount, order.total, order.points_amount),
        ordered,
        sum(after.values()),
        bool(refunded_before),
    )


async def get(*, session: AsyncSession, return_id: uuid.UUID) -> ReturnInfo:
    """One return with its lines, refund and the order's returned units."""
    row = await session.get(ReturnRequest, return_id, populate_existing=True)
    if row is None:
        raise NotFound("return not found", field="return_id")
    return await describe(session, row)


async def for_order(*, session: AsyncSession, order_id: uuid.UUID) -> list[ReturnInfo]:
    """Every return of an order, oldest first."""
    rows = await session.scalars(
        select(ReturnRequest)
        .where(ReturnRequest.order_id == order_id)
        .order_by(ReturnRequest.sequence)
        .execution_options(populate_existing=True)
    )
    return await describe_many(session, list(rows))


async def for_token(*, session: AsyncSession, token: str) -> list[ReturnInfo]:
    """The returns of the order behind a buyer's status token."""
    order_id = await session.scalar(select(Order.id).where(Order.token == token))
    if order_id is None:
        raise NotFound("order not found", field="token")
    return await for_order(session=session, order_id=order_id)


async def for_customer(
    *, session: AsyncSession, customer_id: uuid.UUID, limit: int = 50
) -> list[ReturnInfo]:
    """A customer's returns over every order and channel, newest first (storefront, chat)."""
    rows = await session.scalars(
        select(ReturnRequest)
        .where(ReturnRequest.customer_id == customer_id)
        .order_by(ReturnRequest.created_at.desc(), ReturnRequest.id)
        .limit(limit)
        .execution_options(populate_existing=True)
    )
    return await describe_many(session, list(rows))


async def list_returns(
    *,
    session: AsyncSession,
    status: ReturnStatus | None = None,
    limit: int = 50,
    statuses: Sequence[str] = (),
) -> list[ReturnInfo]:
    """Newest returns first, by status (the staff queue)."""
    query = select(ReturnRequest).order_by(ReturnRequest.created_at.desc()).limit(limit)
    wanted = [status.value] if status is not None else list(statuses)
    if wanted:
        query = query.where(ReturnRequest.status.in_(wanted))
    rows = await session.scalars(query.execution_options(populate_existing=True))
    return await describe_many(session, list(rows))
