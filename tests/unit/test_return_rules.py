"""Return rules: the window per channel and country, what may be returned, each unit's share
of what was paid (property-tested), shipping on a full return, settlement and statuses."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omnishop.kernel.errors import ValidationFailed
from omnishop.orders import return_rules as rules
from omnishop.orders.return_rules import (
    DEFAULT_POLICY,
    Ask,
    InvalidReturnTransition,
    LineFacts,
    NotReturnable,
    ReturnPolicy,
    ReturnStatus,
    ReturnWindowClosed,
    TooManyUnits,
)

DELIVERED = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("code", "kind", "country", "days"),
    [
        ("web", "web", "RU", 7),  # a distance sale in Russia
        ("tg", "telegram", "ru", 7),
        ("store", "store", "RU", 14),  # bought in person
        ("pos", "pos", "RU", 14),
        ("web-ge", "web", "GE", 14),
        ("web-de", "web", "DE", 14),
    ],
)
def test_the_window_depends_on_how_and_where_the_sale_was_made(
    code: str, kind: str, country: str, days: int
) -> None:
    assert (
        rules.window_days(DEFAULT_POLICY, channel_code=code, channel_kind=kind, country=country)
        == days
    )


def test_a_channel_of_its_own_overrides_the_country() -> None:
    policy = ReturnPolicy(days_by_channel={"web": 30}, in_person_days_by_country={"RU": 21})

    assert rules.window_days(policy, channel_code="web", channel_kind="web", country="RU") == 30
    assert rules.window_days(policy, channel_code="shop", channel_kind="store", country="RU") == 21


def test_the_window_is_open_until_its_last_moment_then_closed() -> None:
    ends = rules.check_window(DELIVERED, DELIVERED + timedelta(days=7), 7)

    assert ends == DELIVERED + timedelta(days=7)
    with pytest.raises(ReturnWindowClosed) as late:
        rules.check_window(DELIVERED, DELIVERED + timedelta(days=7, seconds=1), 7)
    assert late.value.extra["window_days"] == 7
    with pytest.raises(ReturnWindowClosed, match="not been delivered"):
        rules.check_window(None, DELIVERED, 14)


def test_products_flagged_or_in_a_listed_category_are_not_returnable() -> None:
    policy = ReturnPolicy(non_returnable_categories=frozenset({"food", "beauty/perfume"}))

    assert rules.returnable(policy, {}, "kitchen/kettles")
    assert not rules.returnable(policy, {"non_returnable": True}, "kitchen")
    assert not rules.returnable(policy, {}, "food")
    assert not rules.returnable(policy, {}, "food/tea")
    assert rules.returnable(policy, {}, "foodie")  # a prefix of a name is not the category
    assert not rules.returnable(policy, {}, "beauty/perfume/men")
    assert rules.returnable(policy, {}, "beauty/soap")
    assert rules.returnable(policy, {"non_returnable": "yes"}, None)  # only a real flag


LINE = uuid.uuid4()
OTHER = uuid.uuid4()
FACTS = {
    LINE: LineFacts(sku="KET-1", delivered=3, returned=1, returnable=True),
    OTHER: LineFacts(sku="TEA-1", delivered=1, returned=0, returnable=False),
}


def test_asks_within_what_was_delivered_and_not_yet_returned_pass() -> None:
    rules.check_asks([Ask(LINE, 2)], FACTS)


@pytest.mark.parametrize(
    ("asks", "error", "field"),
    [
        ([], ValidationFailed, "lines"),
        ([Ask(uuid.uuid4(), 1)], ValidationFailed, "lines[0].order_line_id"),
        ([Ask(LINE, 1), Ask(LINE, 1)], ValidationFailed, "lines[1]"),
        ([Ask(LINE, 1), Ask(OTHER, 1)], NotReturnable, "lines[1]"),
        ([Ask(LINE, 0)], ValidationFailed, "lines[0].quantity"),
        ([Ask(LINE, 3)], TooManyUnits, "lines[0].quantity"),
    ],
)
def test_bad_asks_are_refused_naming_the_line(
    asks: list[Ask], error: type[Exception], field: str
) -> None:
    with pytest.raises(error) as refused:
        rules.check_asks(asks, FACTS)
    assert getattr(refused.value, "field", None) == field


def test_too_many_units_says_how_many_can_be_returned() -> None:
    with pytest.raises(TooManyUnits) as refused:
        rules.check_asks([Ask(LINE, 5)], FACTS)
    assert refused.value.extra["returnable_quantity"] == 2
    assert "KET-1" in refused.value.detail


def test_a_line_pays_its_units_less_its_discount_plus_tax_added_on_top() -> None:
    assert rules.line_paid(250000, 2) == 500000
    assert rules.line_paid(250000, 2, discount=50000) == 450000
    assert rules.line_paid(1000, 3, discount=0, tax_on_top=240) == 3240
    assert rules.line_paid(100, 1, discount=500) == 0
    with pytest.raises(ValueError):
        rules.line_paid(100, 0)


def test_a_unit_is_worth_its_share_and_the_last_unit_takes_the_remainder() -> None:
    # 1 000.00 paid for 3 units: 333.33, 333.33, 333.34
    assert [rules.refund_for_units(100000, 3, r, 1) for r in range(3)] == [33333, 33333, 33334]
    assert rules.refund_for_units(100000, 3, 0, 3) == 100000
    with pytest.raises(ValueError):
        rules.refund_for_units(100000, 3, 2, 2)
    with pytest.raises(ValueError):
        rules.refund_for_units(100000, 3, 0, 0)


@given(
    paid=st.integers(min_value=0, max_value=10**12),
    splits=st.lists(st.integers(min_value=1, max_value=50), min_size=1, max_size=12),
)
def test_any_split_of_a_full_return_gives_back_exactly_what_was_paid(
    paid: int, splits: list[int]
) -> None:
    ordered = sum(splits)
    returned = 0
    total = 0
    for units in splits:
        share = rules.refund_for_units(paid, ordered, returned, units)
        assert share >= 0
        returned += units
        total += share
        # never more than the paid share of the units back so far
        assert total <= paid * returned // ordered + 0
    assert total == paid


@given(
    paid=st.integers(min_value=0, max_value=10**9),
    ordered=st.integers(min_value=1, max_value=100),
    data=st.data(),
)
def test_a_partial_return_never_exceeds_what_was_paid(
    paid: int, ordered: int, data: st.DataObject
) -> None:
    before = data.draw(st.integers(min_value=0, max_value=ordered - 1))
    units = data.draw(st.integers(min_value=1, max_value=ordered - before))

    share = rules.refund_for_units(paid, ordered, before, units)

    assert 0 <= share <= paid
    # units cost at most one minor unit more than their exact proportional share
    assert abs(share * ordered - paid * units) < 2 * ordered


def test_shipping_goes_back_only_on_a_full_return_and_only_once() -> None:
    assert rules.shipping_refund(39000, 3, 2, False) == 0
    assert rules.shipping_refund(39000, 3, 3, False) == 39000
    assert rules.shipping_refund(39000, 3, 3, True) == 0


@given(
    money=st.integers(min_value=0, max_value=10**9),
    shipping=st.integers(min_value=0, max_value=10**6),
    diff=st.integers(min_value=-(10**9), max_value=10**9),
)
def test_settlement_is_one_refund_or_one_charge_balancing_the_exchange(
    money: int, shipping: int, diff: int
) -> None:
    s = rules.settle(money, shipping, diff)

    assert s.refund >= 0 and s.charge >= 0 and (s.refund == 0 or s.charge == 0)
    assert s.refund - s.charge == money + shipping - diff


def test_an_exchange_for_something_dearer_is_charged_and_cheaper_refunded() -> None:
    assert rules.exchange_difference(250000, 300000) == 50000
    assert rules.settle(0, 0, 50000) == rules.Settlement(refund=0, charge=50000)
    assert rules.settle(0, 0, rules.exchange_difference(250000, 99000)) == rules.Settlement(
        refund=151000, charge=0
    )


def test_return_numbers_follow_the_order_number() -> None:
    assert rules.return_number("WEB-000042", 1) == "R-WEB-000042-1"
    with pytest.raises(ValueError):
        rules.return_number("WEB-000042", 0)


def test_an_order_is_fully_returned_when_every_unit_came_back() -> None:
    assert rules.fully_returned({LINE: 2, OTHER: 1}, {LINE: 2, OTHER: 1})
    assert not rules.fully_returned({LINE: 2, OTHER: 1}, {LINE: 2})
    assert not rules.fully_returned({}, {})


@pytest.mark.parametrize(
    ("current", "target", "ok"),
    [
        ("requested", "approved", True),
        ("requested", "rejected", True),
        ("requested", "received", False),
        ("approved", "received", True),
        ("approved", "rejected", True),
        ("received", "refunded", True),
        ("received", "credited", True),
        ("received", "rejected", False),
        ("refunded", "closed", True),
        ("credited", "closed", True),
        ("rejected", "closed", True),
        ("closed", "requested", False),
        ("refunded", "credited", False),
    ],
)
def test_the_return_state_machine(current: str, target: str, ok: bool) -> None:
    if ok:
        assert rules.transition(current, target) == ReturnStatus(target)
    else:
        with pytest.raises(InvalidReturnTransition):
            rules.transition(current, target)


def test_only_the_part_paid_in_money_goes_back_as_money() -> None:
    assert rules.money_part(250000, 500000, 0) == 250000
    # 1 000 ₽ of a 5 000 ₽ order paid with points: a fifth of each line was points
    assert rules.money_part(250000, 400000, 100000) == 200000
    assert rules.money_part(250000, 0, 500000) == 0
    with pytest.raises(ValueError):
        rules.money_part(-1, 1, 1)


@given(
    amounts=st.lists(st.integers(min_value=0, max_value=10**8), min_size=1, max_size=10),
    points=st.integers(min_value=0, max_value=10**8),
)
def test_money_parts_of_the_lines_never_exceed_what_was_paid_in_money(
    amounts: list[int], points: int
) -> None:
    gross = sum(amounts)
    money_total = max(gross - points, 0)
    spent = min(points, gross)

    parts = [rules.money_part(a, money_total, spent) for a in amounts]

    assert all(0 <= p <= a for p, a in zip(parts, amounts, strict=True))
    assert sum(parts) <= money_total


def test_a_shops_settings_make_its_policy() -> None:
    policy = rules.policy_of({"web": 30}, ["food/", "beauty/perfume"])

    assert rules.window_days(policy, channel_code="web", channel_kind="web", country="RU") == 30
    assert rules.window_days(policy, channel_code="tg", channel_kind="telegram", country="RU") == 7
    assert not rules.returnable(policy, {}, "food/tea")
    with pytest.raises(ValueError):
        rules.policy_of({"web": -1}, [])
