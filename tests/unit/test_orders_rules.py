"""Order rules without a database: the status machines, numbers, totals, which units a
shipment takes, and what tracking does to a shipment."""

from __future__ import annotations

import itertools
import uuid

import pytest

from omnishop.kernel.errors import ValidationFailed
from omnishop.orders import rules
from omnishop.orders.rules import (
    InvalidOrderTransition,
    NothingToShip,
    OrderStatus,
    PaymentStatus,
    SeveralLocations,
    Slot,
    TrackingStatus,
)

S = OrderStatus
ALLOWED = {
    (S.PLACED, S.PAID),
    (S.PLACED, S.FULFILLING),
    (S.PLACED, S.SHIPPED),
    (S.PLACED, S.CANCELED),
    (S.PAID, S.FULFILLING),
    (S.PAID, S.SHIPPED),
    (S.PAID, S.CANCELED),
    (S.FULFILLING, S.SHIPPED),
    (S.FULFILLING, S.CANCELED),
    (S.SHIPPED, S.DELIVERED),
    (S.DELIVERED, S.COMPLETED),
}


@pytest.mark.parametrize(("current", "target"), list(itertools.product(S, S)))
def test_every_order_transition_is_allowed_or_refused_as_designed(
    current: OrderStatus, target: OrderStatus
) -> None:
    if (current, target) in ALLOWED:
        assert rules.transition(current, target) == target
    else:
        with pytest.raises(InvalidOrderTransition) as raised:
            rules.transition(current, target)
        assert raised.value.status == 409
        assert raised.value.extra["order_status"] == current


def test_nothing_is_canceled_once_shipping_is_over() -> None:
    assert {S.PLACED, S.PAID, S.FULFILLING} == rules.CANCELABLE


P = PaymentStatus


@pytest.mark.parametrize(
    ("current", "news", "after"),
    [
        (P.PENDING, P.AUTHORIZED, P.AUTHORIZED),
        (P.PENDING, P.PAID, P.PAID),
        (P.AUTHORIZED, P.PAID, P.PAID),
        (P.AUTHORIZED, P.VOIDED, P.VOIDED),
        (P.PAID, P.REFUNDED, P.REFUNDED),
        (P.PAID, P.PARTIALLY_REFUNDED, P.PARTIALLY_REFUNDED),
        (P.PARTIALLY_REFUNDED, P.REFUNDED, P.REFUNDED),
        (P.PENDING, P.REFUNDED, P.REFUNDED),  # captured and refunded before we heard
        # late or repeated news never moves backwards
        (P.PAID, P.AUTHORIZED, P.PAID),
        (P.REFUNDED, P.PAID, P.REFUNDED),
        (P.VOIDED, P.PAID, P.VOIDED),
        (P.PAID, P.PAID, P.PAID),
        (P.PAID, P.VOIDED, P.PAID),
    ],
)
def test_payment_status_only_moves_forward(
    current: PaymentStatus, news: PaymentStatus, after: PaymentStatus
) -> None:
    assert rules.next_payment_status(current, news) == after


@pytest.mark.parametrize(
    ("payment", "order_side"),
    [
        ("pending", "pending"),
        ("requires_action", "pending"),
        ("authorized", "authorized"),
        ("captured", "paid"),
        ("partially_refunded", "partially_refunded"),
        ("refunded", "refunded"),
        ("canceled", "voided"),
        ("failed", "pending"),
    ],
)
def test_a_payment_status_reads_as_the_order_side_name(payment: str, order_side: str) -> None:
    assert rules.payment_status_of(payment) == order_side


def test_only_authorized_online_payments_are_captured_automatically() -> None:
    assert rules.captures_automatically("card", "authorized")
    assert rules.captures_automatically("sbp", "authorized")
    assert not rules.captures_automatically("card", "captured")
    assert not rules.captures_automatically("cod", "pending")
    assert not rules.captures_automatically("pay_at_pickup", "authorized")


@pytest.mark.parametrize(
    ("code", "n", "number"),
    [
        ("web", 1, "WEB-000001"),
        ("web-ru", 42, "WEB-RU-000042"),
        ("telegram-shop", 7, "TELEGR-000007"),
        ("shop-a-b", 3, "SHOP-A-000003"),
        ("abcde-fg", 3, "ABCDE-000003"),
        ("tg", 1_234_567, "TG-1234567"),
    ],
)
def test_order_numbers(code: str, n: int, number: str) -> None:
    assert rules.order_number(code, n) == number


def test_totals_in_minor_units_and_bad_lines_name_the_field() -> None:
    assert rules.totals([(2, 150_00), (1, 99)], 300_00) == rules.Totals(30_099, 300_00, 60_099)
    with pytest.raises(ValidationFailed) as raised:
        rules.totals([(1, 100), (0, 100)], 0)
    assert raised.value.field == "lines[1].quantity"
    with pytest.raises(ValidationFailed):
        rules.totals([(1, 100)], -1)


LINE_A, LINE_B = uuid.uuid4(), uuid.uuid4()
MAIN, SPARE = uuid.uuid4(), uuid.uuid4()


def slot(line: uuid.UUID, location: uuid.UUID, open_units: int) -> Slot:
    return Slot(uuid.uuid4(), line, location, open_units)


def test_a_shipment_without_lines_takes_everything_open_at_one_location() -> None:
    slots = [slot(LINE_A, MAIN, 2), slot(LINE_B, MAIN, 1), slot(LINE_B, MAIN, 0)]

    takes = rules.pick_shipment(slots, None)

    assert [(t.order_line_id, t.quantity) for t in takes] == [(LINE_A, 2), (LINE_B, 1)]


def test_units_at_several_locations_need_a_location_named() -> None:
    slots = [slot(LINE_A, MAIN, 2), slot(LINE_A, SPARE, 1)]

    with pytest.raises(SeveralLocations) as raised:
        rules.pick_shipment(slots, None)
    from_spare = rules.pick_shipment(slots, None, SPARE)

    assert raised.value.field == "location_id"
    assert [(t.location_id, t.quantity) for t in from_spare] == [(SPARE, 1)]


def test_named_lines_take_across_allocations_of_one_location() -> None:
    slots = [slot(LINE_A, MAIN, 1), slot(LINE_A, MAIN, 2), slot(LINE_B, MAIN, 5)]

    takes = rules.pick_shipment(slots, {LINE_A: 3})

    assert [t.quantity for t in takes] == [1, 2]


def test_more_units_than_are_open_or_an_unknown_line_is_refused() -> None:
    slots = [slot(LINE_A, MAIN, 1)]
    with pytest.raises(NothingToShip):
        rules.pick_shipment(slots, {LINE_A: 2})
    with pytest.raises(ValidationFailed):
        rules.pick_shipment(slots, {LINE_B: 1})
    with pytest.raises(NothingToShip):
        rules.pick_shipment([slot(LINE_A, MAIN, 0)], None)


@pytest.mark.parametrize(
    ("current", "open_units", "after"),
    [
        (S.PLACED, 2, S.FULFILLING),
        (S.PAID, 0, S.SHIPPED),
        (S.FULFILLING, 1, S.FULFILLING),
        (S.FULFILLING, 0, S.SHIPPED),
    ],
)
def test_order_status_after_a_shipment(current: S, open_units: int, after: S) -> None:
    assert rules.status_after_shipping(current, open_units) == after


T = TrackingStatus


@pytest.mark.parametrize(
    ("current", "older", "event", "after"),
    [
        (T.SHIPPED, False, T.IN_TRANSIT, T.IN_TRANSIT),
        (T.IN_TRANSIT, True, T.LABEL_CREATED, T.IN_TRANSIT),  # a late event joins history only
        (T.IN_TRANSIT, True, T.DELIVERED, T.DELIVERED),  # delivery counts however late
        (T.DELIVERED, False, T.IN_TRANSIT, T.DELIVERED),  # delivered is final
        (T.RETURNED, False, T.DELIVERED, T.RETURNED),
        (T.OUT_FOR_DELIVERY, False, T.FAILED_ATTEMPT, T.FAILED_ATTEMPT),
    ],
)
def test_shipment_status_after_tracking(current: T, older: bool, event: T, after: T) -> None:
    assert rules.shipment_status_after(current, older, event) == after


def test_an_order_is_delivered_when_everything_shipped_has_arrived() -> None:
    assert rules.order_delivered(S.SHIPPED, [T.DELIVERED, T.DELIVERED])
    assert not rules.order_delivered(S.SHIPPED, [T.DELIVERED, T.IN_TRANSIT])
    assert not rules.order_delivered(S.FULFILLING, [T.DELIVERED])
    assert not rules.order_delivered(S.SHIPPED, [])
