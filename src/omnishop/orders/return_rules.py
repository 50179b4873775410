"""Pure rules of returns and exchanges: the return window, what may be returned, how much
money each returned unit is worth, shipping on a full return, exchange differences and the
return state machine. No I/O.

Defaults (``DEFAULT_POLICY``, documented in the README "Returns"):

- 14 days after delivery everywhere (the EU's withdrawal period, and Russia's for goods
  bought in person: ZoZPP art. 25);
- 7 days in Russia for distance sales (online, messengers; ZoZPP art. 26.1 — the legal
  minimum for non-food goods when the return terms were given in writing);
- a channel may have its own number of days (``days_by_channel``), which wins;
- a product is not returnable when its ``attributes`` carry ``"non_returnable": true`` or it
  sits in a category listed in ``non_returnable_categories`` (a path prefix, e.g.
  ``food`` or ``beauty/perfume``).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import ClassVar

from omnishop.kernel.errors import Conflict, ValidationFailed


class ReturnStatus(StrEnum):
    REQUESTED = "requested"
    APPROVED = "approved"
    REJECTED = "rejected"
    RECEIVED = "received"
    REFUNDED = "refunded"
    CREDITED = "credited"  # given back as store credit
    CLOSED = "closed"


R = ReturnStatus
TRANSITIONS: Mapping[ReturnStatus, frozenset[ReturnStatus]] = {
    R.REQUESTED: frozenset({R.APPROVED, R.REJECTED}),
    R.APPROVED: frozenset({R.RECEIVED, R.REJECTED}),
    R.REJECTED: frozenset({R.CLOSED}),
    R.RECEIVED: frozenset({R.REFUNDED, R.CREDITED}),
    R.REFUNDED: frozenset({R.CLOSED}),
    R.CREDITED: frozenset({R.CLOSED}),
    R.CLOSED: frozenset(),
}


class ReturnMethod(StrEnum):
    DROP_OFF = "drop_off"  # brought to a store
    SHIP = "ship"  # sent back with a carrier label


class RefundTo(StrEnum):
    ORIGINAL = "original"
    STORE_CREDIT = "store_credit"


class ReasonCode(StrEnum):
    CHANGED_MIND = "changed_mind"
    WRONG_SIZE = "wrong_size"
    DAMAGED = "damaged"
    DEFECTIVE = "defective"
    NOT_AS_DESCRIBED = "not_as_described"
    WRONG_ITEM = "wrong_item"
    OTHER = "other"


class Condition(StrEnum):
    RESELLABLE = "resellable"  # back on hand at a location
    DAMAGED = "damaged"  # written off


class InvalidReturnTransition(Conflict):
    code: ClassVar[str] = "invalid_return_transition"
    title: ClassVar[str] = "The return cannot move to that status"


class ReturnWindowClosed(ValidationFailed):
    code: ClassVar[str] = "return_window_closed"
    title: ClassVar[str] = "The return window has closed"


class NotReturnable(ValidationFailed):
    code: ClassVar[str] = "not_returnable"
    title: ClassVar[str] = "This item cannot be returned"


class TooManyUnits(ValidationFailed):
    code: ClassVar[str] = "return_quantity_exceeded"
    title: ClassVar[str] = "More units than can be returned"


def transition(current: str, target: str) -> ReturnStatus:
    """``target`` if a return may move there from ``current``, else 409."""
    if ReturnStatus(target) not in TRANSITIONS[ReturnStatus(current)]:
        raise InvalidReturnTransition(
            f"a return that is {current} cannot become {target}",
            field="status",
            return_status=current,
        )
    return ReturnStatus(target)


@dataclass(frozen=True)
class ReturnPolicy:
    default_days: int = 14
    distance_days_by_country: Mapping[str, int] = field(default_factory=lambda: {"RU": 7})
    in_person_days_by_country: Mapping[str, int] = field(default_factory=dict)
    days_by_channel: Mapping[str, int] = field(default_factory=dict)
    non_returnable_categories: frozenset[str] = frozenset()
    non_returnable_flag: str = "non_returnable"


DEFAULT_POLICY = ReturnPolicy()


def policy_of(
    days_by_channel: Mapping[str, int], non_returnable_categories: Iterable[str]
) -> ReturnPolicy:
    """The default policy with a shop's own settings (``OMNISHOP_RETURN_DAYS_BY_CHANNEL``,
    ``OMNISHOP_NON_RETURNABLE_CATEGORIES``)."""
    if any(days < 0 for days in days_by_channel.values()):
        raise ValueError("a return window cannot be negative")
    return ReturnPolicy(
        days_by_channel=dict(days_by_channel),
        non_returnable_categories=frozenset(c.strip("/") for c in non_returnable_categories),
    )


IN_PERSON_KINDS = frozenset({"store", "pos"})


def window_days(policy: ReturnPolicy, *, channel_code: str, channel_kind: str, country: str) -> int:
    """Days after delivery a sale of this channel may be returned."""
    if channel_code in policy.days_by_channel:
        return policy.days_by_channel[channel_code]
    table = (
        policy.in_person_days_by_country
        if channel_kind in IN_PERSON_KINDS
        else policy.distance_days_by_country
    )
    return table.get(country.upper(), policy.default_days)


def check_window(delivered_at: datetime | None, now: datetime, days: int) -> datetime:
    """When the window ends; 422 ``return_window_closed`` once it has (or before delivery)."""
    if delivered_at is None:
        raise ReturnWindowClosed(
            "the order has not been delivered yet", field="order", window_days=days
        )
    ends = delivered_at + timedelta(days=days)
    if now > ends:
        raise ReturnWindowClosed(
            f"returns were accepted for {days} days after delivery, until {ends.isoformat()}",
            field="order",
            window_days=days,
            window_ended_at=ends.isoformat(),
        )
    return ends


def returnable(
    policy: ReturnPolicy, attributes: Mapping[str, object], category: str | None
) -> bool:
    """A product may be returned unless flagged or in a listed category (or below one)."""
    if attributes.get(policy.non_returnable_flag) is True:
        return False
    if category:
        for prefix in policy.non_returnable_categories:
            if category == prefix or category.startswith(prefix.rstrip("/") + "/"):
                return False
    return True


@dataclass(frozen=True)
class LineFacts:
    """What is known of an order line when a return of it is asked."""

    sku: str
    delivered: int  # units delivered (in a delivered shipment or handed over)
    returned: int  # units in earlier returns that are not rejected
    returnable: bool


@dataclass(frozen=True)
class Ask:
    order_line_id: uuid.UUID
    quantity: int


def check_asks(asks: Sequence[Ask], lines: Mapping[uuid.UUID, LineFacts]) -> None:
    """Every asked line exists, may be returned and has that many units left to return;
    the first offence is a 422 naming ``lines[i]`` (and its SKU)."""
    if not asks:
        raise ValidationFailed("a return needs at least one line", field="lines")
    seen: set[uuid.UUID] = set()
    for index, ask in enumerate(asks):
        where = f"lines[{index}]"
        facts = lines.get(ask.order_line_id)
        if facts is None:
            raise ValidationFailed("no such line in this order", field=f"{where}.order_line_id")
        if ask.order_line_id in seen:
            raise ValidationFailed("each order line may appear once", field=where)
        seen.add(ask.order_line_id)
        if not facts.returnable:
            raise NotReturnable(f"{facts.sku} cannot be returned", field=where, sku=facts.sku)
        if ask.quantity <= 0:
            raise ValidationFailed("quantity must be positive", field=f"{where}.quantity")
        left = facts.delivered - facts.returned
        if ask.quantity > left:
            raise TooManyUnits(
                f"{facts.sku}: {ask.quantity} unit(s) asked, {max(left, 0)} can be returned "
                f"({facts.delivered} delivered, {facts.returned} already returned)",
                field=f"{where}.quantity",
                sku=facts.sku,
                returnable_quantity=max(left, 0),
            )


def line_paid(unit_amount: int, quantity: int, discount: int = 0, tax_on_top: int = 0) -> int:
    """What the buyer paid for a whole line: its units less its share of discounts, plus tax
    when the price excluded it. Never below zero."""
    if quantity <= 0 or unit_amount < 0 or discount < 0 or tax_on_top < 0:
        raise ValueError("a line has positive units and non-negative amounts")
    return max(unit_amount * quantity - discount + tax_on_top, 0)


def money_part(amount: int, order_total: int, points_amount: int) -> int:
    """The part of ``amount`` the buyer paid in money when points paid ``points_amount`` of
    the order (``order_total`` is what was left to pay in money): money goes back as money,
    the points' part is loyalty's to give back."""
    if amount < 0 or order_total < 0 or points_amount < 0:
        raise ValueError("amounts cannot be negative")
    if points_amount == 0:
        return amount
    return amount * order_total // (order_total + points_amount)


def refund_for_units(paid: int, ordered: int, returned_before: int, units: int) -> int:
    """The paid share of ``units`` more returned units of a line of ``ordered`` units.

    Each unit's share is a difference of floors, ``⌊paid·(r+u)/n⌋ − ⌊paid·r/n⌋``: whatever
    the split into returns, the line never gives back more than was paid, and a line
    returned in full gives back exactly what was paid (no cent lost or made by rounding)."""
    if not (returned_before >= 0 and units > 0 and returned_before + units <= ordered):
        raise ValueError("units must fit in the line")
    if paid < 0:
        raise ValueError("paid cannot be negative")
    return paid * (returned_before + units) // ordered - paid * returned_before // ordered


def shipping_refund(
    shipping_paid: int, units_ordered: int, units_returned_after: int, shipping_refunded: bool
) -> int:
    """Shipping goes back only when the order is returned in full, and only once."""
    if shipping_refunded or units_returned_after < units_ordered:
        return 0
    return shipping_paid


def exchange_difference(returned_value: int, replacement_value: int) -> int:
    """What the customer pays (> 0) or gets back (< 0) for an exchange."""
    return replacement_value - returned_value


@dataclass(frozen=True)
class Settlement:
    refund: int  # back to the customer
    charge: int  # to take from the customer (an exchange for something dearer)


def settle(money_lines: int, shipping: int, exchange_diff: int) -> Settlement:
    """Net what a return gives back (lines returned for money, shipping on a full return)
    against an exchange's difference: one refund or one charge, never both."""
    if money_lines < 0 or shipping < 0:
        raise ValueError("amounts cannot be negative")
    net = money_lines + shipping - exchange_diff
    return Settlement(refund=max(net, 0), charge=max(-net, 0))


def return_number(order_number: str, sequence: int) -> str:
    """``R-WEB-000042-1``: the order's number and the return's place among its returns."""
    if sequence <= 0:
        raise ValueError("return numbers start at 1")
    return f"R-{order_number}-{sequence}"


def fully_returned(ordered: Mapping[uuid.UUID, int], returned: Mapping[uuid.UUID, int]) -> bool:
    """Every ordered unit of every line has come back."""
    return bool(ordered) and all(returned.get(k, 0) >= n for k, n in ordered.items())


def totals_by_line(pairs: Iterable[tuple[uuid.UUID, int]]) -> dict[uuid.UUID, int]:
    out: dict[uuid.UUID, int] = {}
    for key, n in pairs:
        out[key] = out.get(key, 0) + n
    return out
