"""Pure rules of the orders domain: the order and payment state machines, order numbers,
totals, which allocations a shipment takes and what a tracking event does to a shipment."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import ClassVar

from omnishop.kernel.errors import Conflict, ValidationFailed


class OrderStatus(StrEnum):
    PLACED = "placed"
    PAID = "paid"
    FULFILLING = "fulfilling"  # part of the units shipped
    SHIPPED = "shipped"  # every allocated unit shipped
    DELIVERED = "delivered"
    COMPLETED = "completed"
    CANCELED = "canceled"


class PaymentStatus(StrEnum):
    PENDING = "pending"
    AUTHORIZED = "authorized"
    PAID = "paid"
    PARTIALLY_REFUNDED = "partially_refunded"
    REFUNDED = "refunded"
    VOIDED = "voided"


S = OrderStatus
# Cash on delivery and pay-at-pickup orders are fulfilled before they are paid, so
# placed may go straight to fulfilling/shipped; payment then only moves payment_status.
TRANSITIONS: Mapping[OrderStatus, frozenset[OrderStatus]] = {
    S.PLACED: frozenset({S.PAID, S.FULFILLING, S.SHIPPED, S.CANCELED}),
    S.PAID: frozenset({S.FULFILLING, S.SHIPPED, S.CANCELED}),
    S.FULFILLING: frozenset({S.SHIPPED, S.CANCELED}),
    S.SHIPPED: frozenset({S.DELIVERED}),
    S.DELIVERED: frozenset({S.COMPLETED}),
    S.COMPLETED: frozenset(),
    S.CANCELED: frozenset(),
}
CANCELABLE = frozenset(s for s, targets in TRANSITIONS.items() if S.CANCELED in targets)
SHIPPABLE = frozenset({S.PLACED, S.PAID, S.FULFILLING})


class InvalidOrderTransition(Conflict):
    code: ClassVar[str] = "invalid_order_transition"
    title: ClassVar[str] = "The order cannot move to that status"


def can_transition(current: str, target: str) -> bool:
    return OrderStatus(target) in TRANSITIONS[OrderStatus(current)]


def transition(current: str, target: str) -> OrderStatus:
    """``target`` if the order may move there from ``current``, else 409."""
    if not can_transition(current, target):
        raise InvalidOrderTransition(
            f"an order that is {current} cannot become {target}",
            field="status",
            order_status=current,
        )
    return OrderStatus(target)


P = PaymentStatus
PAYMENT_TRANSITIONS: Mapping[PaymentStatus, frozenset[PaymentStatus]] = {
    P.PENDING: frozenset({P.AUTHORIZED, P.PAID, P.VOIDED}),
    P.AUTHORIZED: frozenset({P.PAID, P.VOIDED}),
    P.PAID: frozenset({P.PARTIALLY_REFUNDED, P.REFUNDED}),
    P.PARTIALLY_REFUNDED: frozenset({P.PARTIALLY_REFUNDED, P.REFUNDED}),
    P.REFUNDED: frozenset(),
    P.VOIDED: frozenset(),
}


def next_payment_status(current: str, target: str) -> PaymentStatus:
    """The order's payment status after news of ``target``: moves forward only, so late or
    repeated news (a capture after the refund it preceded) changes nothing."""
    if current == target:
        return PaymentStatus(current)
    if PaymentStatus(target) in PAYMENT_TRANSITIONS[PaymentStatus(current)]:
        return PaymentStatus(target)
    # Skipping steps is fine when it is forward: pending → refunded (captured then refunded).
    reachable = _reachable(PaymentStatus(current))
    return PaymentStatus(target) if PaymentStatus(target) in reachable else PaymentStatus(current)


def _reachable(start: PaymentStatus) -> set[PaymentStatus]:
    seen: set[PaymentStatus] = set()
    todo = [start]
    while todo:
        for nxt in PAYMENT_TRANSITIONS[todo.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


# A payment's status (payments.rules) as the order shows it.
_FROM_PAYMENT = {
    "pending": P.PENDING,
    "requires_action": P.PENDING,
    "failed": P.PENDING,
    "authorized": P.AUTHORIZED,
    "captured": P.PAID,
    "partially_refunded": P.PARTIALLY_REFUNDED,
    "refunded": P.REFUNDED,
    "canceled": P.VOIDED,
}


def payment_status_of(payment_status: str) -> PaymentStatus:
    """The order-side name of a payment's status (unknown ones count as pending)."""
    return _FROM_PAYMENT.get(payment_status, P.PENDING)


ONLINE_METHODS = frozenset({"card", "wallet", "sbp"})


def captures_automatically(method: str, payment_status: str) -> bool:
    """An online payment that is authorized is captured once the order is placed."""
    return method in ONLINE_METHODS and payment_status == "authorized"


def order_number(channel_code: str, n: int) -> str:
    """``WEB-RU-000042``: the channel's code (its first six characters) and a running number."""
    if n <= 0:
        raise ValueError("order numbers start at 1")
    prefix = channel_code[:6].rstrip("-").upper() or "ORDER"
    return f"{prefix}-{n:06d}"


@dataclass(frozen=True)
class Totals:
    subtotal: int
    shipping: int
    total: int


def totals(lines: Sequence[tuple[int, int]], shipping: int) -> Totals:
    """Totals from (quantity, unit_amount) pairs, integer minor units throughout."""
    if shipping < 0:
        raise ValidationFailed("shipping cannot be negative", field="shipping_amount")
    subtotal = 0
    for index, (quantity, unit) in enumerate(lines):
        if quantity <= 0:
            raise ValidationFailed("quantity must be positive", field=f"lines[{index}].quantity")
        if unit < 0:
            raise ValidationFailed("price cannot be negative", field=f"lines[{index}].unit_amount")
        subtotal += quantity * unit
    return Totals(subtotal=subtotal, shipping=shipping, total=subtotal + shipping)


def payable(
    totals: Totals,
    *,
    line_discounts: Sequence[int],
    line_subtotals: Sequence[int],
    discount: int,
    tax: int,
    tax_included: bool,
    duty: int,
    points_amount: int,
) -> int:
    """What the buyer pays for an order: subtotal - discount + shipping + tax (when added to
    the prices) + duty - points. Refuses a discount that is not the lines' discounts or
    exceeds a line, negative amounts and points worth more than the rest."""
    if min(discount, tax, duty, points_amount, *line_discounts, 0) < 0:
        raise ValidationFailed("adjustments cannot be negative", field="discount_amount")
    if sum(line_discounts) != discount:
        raise ValidationFailed(
            "the order discount must be the sum of its lines' discounts", field="discount_amount"
        )
    for index, (off, amount) in enumerate(zip(line_discounts, line_subtotals, strict=True)):
        if off > amount:
            raise ValidationFailed(
                "a line's discount exceeds its price", field=f"lines[{index}].discount_amount"
            )
    before_points = totals.total - discount + duty + (0 if tax_included else tax)
    if points_amount > before_points:
        raise ValidationFailed("points pay more than the order costs", field="points_amount")
    return before_points - points_amount


@dataclass(frozen=True)
class Slot:
    """Units of an order line at a location still waiting to ship."""

    allocation_id: uuid.UUID
    order_line_id: uuid.UUID
    location_id: uuid.UUID
    open: int  # allocated - shipped - released


@dataclass(frozen=True)
class Take:
    allocation_id: uuid.UUID
    order_line_id: uuid.UUID
    location_id: uuid.UUID
    quantity: int


class NothingToShip(Conflict):
    code: ClassVar[str] = "nothing_to_ship"
    title: ClassVar[str] = "Nothing left to ship"


class SeveralLocations(ValidationFailed):
    code: ClassVar[str] = "several_locations"
    title: ClassVar[str] = "A shipment leaves from one location"


def pick_shipment(
    slots: Sequence[Slot],
    wanted: Mapping[uuid.UUID, int] | None,
    location_id: uuid.UUID | None = None,
) -> list[Take]:
    """Which allocations a shipment takes. ``wanted`` maps order line → units (None: all that
    is unshipped). One shipment leaves from one location: the one given, or the only one the
    units are at; units at several locations without a location named is a 422."""
    candidates = [s for s in slots if s.open > 0]
    if location_id is not None:
        candidates = [s for s in candidates if s.location_id == location_id]
    takes: list[Take] = []
    if wanted is None:
        takes = [Take(s.allocation_id, s.order_line_id, s.location_id, s.open) for s in candidates]
        if not takes:
            raise NothingToShip("every unit of this order has shipped or was canceled")
    else:
        known = {s.order_line_id for s in slots}
        for line_id, quantity in wanted.items():
            field = f"lines[{line_id}]"
            if line_id not in known:
                raise ValidationFailed("no such line in this order", field=field)
            if quantity <= 0:
                raise ValidationFailed("quantity must be positive", field=field)
            remaining = quantity
            for slot in (s for s in candidates if s.order_line_id == line_id):
                n = min(remaining, slot.open)
                if n:
                    takes.append(Take(slot.allocation_id, line_id, slot.location_id, n))
                    remaining -= n
                if remaining == 0:
                    break
            if remaining:
                raise NothingToShip(
                    f"only {quantity - remaining} unit(s) of this line are left to ship"
                    + (" from that location" if location_id else ""),
                    field=field,
                )
    locations = sorted({str(t.location_id) for t in takes})
    if len(locations) > 1:
        raise SeveralLocations(
            "these units are at several locations; ship each with its location_id",
            field="location_id",
            locations=locations,
        )
    return takes


def status_after_shipping(current: str, open_units: int) -> OrderStatus:
    """Fulfilling while units remain open, shipped when none do."""
    target = S.SHIPPED if open_units == 0 else S.FULFILLING
    if current == target:
        return target
    return transition(current, target)


class TrackingStatus(StrEnum):
    SHIPPED = "shipped"  # a new shipment: the parcel left the location
    LABEL_CREATED = "label_created"
    IN_TRANSIT = "in_transit"
    OUT_FOR_DELIVERY = "out_for_delivery"
    # A pickup shipment waits at the location (the ready-for-pickup flow comes in issue 6).
    READY_FOR_PICKUP = "ready_for_pickup"
    FAILED_ATTEMPT = "failed_attempt"
    EXCEPTION = "exception"
    RETURNED = "returned"
    DELIVERED = "delivered"


def shipment_status_after(current: str, latest_before: bool, event_status: str) -> str:
    """A shipment's status after a tracking event. Delivered and returned are final; an event
    older than one already seen (``latest_before``) only joins the history."""
    if current in (TrackingStatus.DELIVERED, TrackingStatus.RETURNED):
        return current
    if event_status == TrackingStatus.DELIVERED:
        return TrackingStatus.DELIVERED  # delivery is news whatever order events arrive in
    if latest_before:
        return current
    return TrackingStatus(event_status).value


def order_delivered(status: str, shipment_statuses: Sequence[str]) -> bool:
    """Every unit shipped and every shipment delivered."""
    return (
        status == S.SHIPPED
        and bool(shipment_statuses)
        and all(s == TrackingStatus.DELIVERED for s in shipment_statuses)
    )
