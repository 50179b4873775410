"""What a customer may still return of one of their orders, asked before they choose (the chat
bot shows it as buttons): the lines with units left to return, until when, and how the units
come back. The same checks, in the same order, as ``returns.request``, which stays the one
place a return is opened and re-checks everything under the order's lock. Read-only."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.catalog import returns as catalog_returns
from omnishop.channels import service as channels
from omnishop.inventory import service as inventory
from omnishop.kernel import clock
from omnishop.kernel.errors import Forbidden, NotFound, ValidationFailed
from omnishop.orders import loading
from omnishop.orders import return_rules as rules
from omnishop.orders.models import Order
from omnishop.orders.return_rules import NotReturnable, ReturnMethod, ReturnPolicy
from omnishop.orders.returns import configured_policy, delivered_units
from omnishop.orders.returns_reading import returned_units


class NothingToReturn(ValidationFailed):
    code: ClassVar[str] = "nothing_to_return"
    title: ClassVar[str] = "Everything delivered is already being returned"


@dataclass(frozen=True)
class ReturnableLine:
    order_line_id: uuid.UUID
    sku: str
    name: str
    left: int  # units delivered and not in a return yet


@dataclass(frozen=True)
class ReturnOffer:
    order_id: uuid.UUID
    order_number: str
    order_token: str
    currency: str
    window_ends_at: datetime
    method: ReturnMethod
    # Where a drop-off goes: the store the order was collected at.
    location_id: uuid.UUID | None
    location_name: str | None
    location_address: str | None
    lines: list[ReturnableLine]


def method_for(delivery: Mapping[str, Any]) -> tuple[ReturnMethod, uuid.UUID | None]:
    """Collected at a store (or bought at its counter): brought back to that store. Delivered
    by a carrier: sent back with a return label."""
    raw = delivery.get("pickup_location_id") or delivery.get("location_id")
    if delivery.get("kind") == "pickup" and raw:
        try:
            return ReturnMethod.DROP_OFF, uuid.UUID(str(raw))
        except ValueError:
            pass
    return ReturnMethod.SHIP, None


async def offer(
    *,
    session: AsyncSession,
    order_id: uuid.UUID,
    customer_id: uuid.UUID,
    policy: ReturnPolicy | None = None,
) -> ReturnOffer:
    """The customer's own order's returnable lines. Another's order (or a guest order) is a 403
    before anything about it is read; then, like ``returns.request``: 422
    ``return_window_closed`` (not delivered yet, or too late), ``not_returnable`` (nothing in
    it may be returned), ``nothing_to_return`` (every delivered unit is in a return)."""
    policy = policy or configured_policy()
    order = await session.get(Order, order_id, populate_existing=True)
    if order is None:
        raise NotFound("order not found", field="order_id")
    if order.customer_id != customer_id:
        raise Forbidden("this order belongs to another customer", field="order_id")
    channel = await channels.get(session=session, channel_id=order.channel_id)
    delivered, delivered_at = await delivered_units(session, order)
    days = rules.window_days(
        policy, channel_code=channel.code, channel_kind=channel.kind, country=channel.country
    )
    ends = rules.check_window(delivered_at, clock.now(), days)
    lines = await loading.lines_of(session, order.id)
    before = await returned_units(session=session, order_id=order.id)
    facts = await catalog_returns.return_facts(
        session=session, variant_ids=[ln.variant_id for ln in lines]
    )
    returnable, refused = [], []
    for ln in lines:
        left = delivered.get(ln.id, 0) - before.get(ln.id, 0)
        if left <= 0:
            continue
        fact = facts.get(ln.variant_id)
        if fact is None or rules.returnable(policy, fact.attributes, fact.category_path):
            returnable.append(ReturnableLine(ln.id, ln.sku, ln.name, left))
        else:
            refused.append(ln.sku)
    if not returnable and refused:
        raise NotReturnable(f"{refused[0]} cannot be returned", field="order", sku=refused[0])
    if not returnable:
        raise NothingToReturn("every delivered unit is already in a return", field="order")
    method, location_id = method_for(order.delivery or {})
    store = None
    if location_id is not None:
        known = {loc.id: loc for loc in await inventory.list_locations(session=session)}
        store = known.get(location_id)
        if store is None:  # the store closed since: the units travel back instead
            method, location_id = ReturnMethod.SHIP, None
    return ReturnOffer(
        order_id=order.id,
        order_number=order.number,
        order_token=order.token,
        currency=order.currency,
        window_ends_at=ends,
        method=method,
        location_id=location_id,
        location_name=store.name if store else None,
        location_address=", ".join(x for x in (store.city, store.address) if x) if store else None,
        lines=returnable,
    )
