"""Promotion maths: eligibility with its reason, rewards, stacking and exact allocation."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omnishop.pricing.promotion_rules import (
    CartFacts,
    LineFacts,
    PromotionSpec,
    Reward,
    VoucherState,
    allocate,
    evaluate,
    normalize_code,
    percent_of,
    voucher_refusal,
    why_not,
)

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def line(n: int, qty: int = 1, unit: int = 10_000, cats: tuple[str, ...] = ()) -> LineFacts:
    return LineFacts(f"l{n}", f"v{n}", f"p{n}", frozenset(cats), qty, unit)


def cart(*lines: LineFacts, shipping: int = 0, **kw: object) -> CartFacts:
    base = CartFacts(
        currency="RUB", channel="web", now=NOW, customer_key="customer:1", tier=None,
        segments=frozenset(), first_order=True, lines=tuple(lines), shipping=shipping,
    )  # fmt: skip
    return replace(base, **kw)  # type: ignore[arg-type]


def promo(pid: str, reward: Reward, value: int | str = 0, **kw: object) -> PromotionSpec:
    return PromotionSpec(id=pid, name=pid, reward=reward, value=Decimal(value), **kw)  # type: ignore[arg-type]


# --- eligibility: every condition says why not ---


@pytest.mark.parametrize(
    ("change", "facts_change", "reason"),
    [
        ({"active": False}, {}, "not active"),
        ({"starts_at": NOW + timedelta(seconds=1)}, {}, "not started"),
        ({"ends_at": NOW}, {}, "ended"),
        ({"channels": frozenset({"telegram"})}, {}, "channel"),
        ({"currency": "GEL"}, {}, "prices in GEL"),
        ({"tiers": frozenset({"gold"})}, {"tier": "silver"}, "tier"),
        ({"segments": frozenset({"vip"})}, {}, "other customers"),
        ({"first_order_only": True}, {"first_order": False}, "first order"),
        ({"category_ids": frozenset({"games"})}, {}, "no item"),
        ({"product_ids": frozenset({"other"})}, {}, "no item"),
        ({"min_subtotal": 10_001}, {}, "at least 10001"),
    ],
)
def test_a_condition_not_met_is_named(
    change: dict[str, object], facts_change: dict[str, object], reason: str
) -> None:
    spec = replace(promo("p", Reward.PERCENT_ORDER, 10), **change)  # type: ignore[arg-type]
    facts = cart(line(1), **facts_change)  # type: ignore[arg-type]
    assert reason in (why_not(spec, facts) or "")
    assert evaluate([spec], facts).total == 0
    assert [r.promotion_id for r in evaluate([spec], facts).rejected] == ["p"]


def test_conditions_met_apply() -> None:
    spec = promo(
        "p", Reward.PERCENT_ORDER, 10, channels=frozenset({"web"}), tiers=frozenset({"gold"}),
        segments=frozenset({"vip"}), category_ids=frozenset({"games"}), min_subtotal=10_000,
        first_order_only=True, starts_at=NOW, ends_at=NOW + timedelta(days=1),
    )  # fmt: skip
    facts = cart(line(1, cats=("games",)), tier="gold", segments=frozenset({"vip", "x"}))
    assert why_not(spec, facts) is None
    assert evaluate([spec], facts).total == 1_000


def test_buy_x_get_y_needs_enough_units_and_frees_the_cheapest() -> None:
    spec = promo("b2g1", Reward.BUY_X_GET_Y, buy_qty=2, get_qty=1)
    assert "add 3 items" in (why_not(spec, cart(line(1, qty=2))) or "")
    facts = cart(line(1, qty=2, unit=5_000), line(2, qty=4, unit=1_000))
    # 6 units: two groups of three, the two cheapest (1 000 each) are free
    assert evaluate([spec], facts).total == 2_000


def test_buy_x_get_y_with_a_percentage_gives_that_much_off_the_cheapest() -> None:
    spec = promo("b1g1half", Reward.BUY_X_GET_Y, 50, buy_qty=1, get_qty=1)
    assert evaluate([spec], cart(line(1, unit=3_000), line(2, unit=1_001))).total == 501


def test_free_shipping_takes_shipping_only_and_not_when_free_already() -> None:
    spec = promo("ship", Reward.FREE_SHIPPING)
    out = evaluate([spec], cart(line(1), shipping=30_000))
    assert (out.shipping_discount, sum(out.line_discounts.values())) == (30_000, 0)
    assert "already free" in (why_not(spec, cart(line(1))) or "")


def test_fixed_items_is_per_unit_of_the_targeted_items_capped_at_their_price() -> None:
    spec = promo("f", Reward.FIXED_ITEMS, 1_500, category_ids=frozenset({"c"}))
    out = evaluate([spec], cart(line(1, qty=3, unit=1_000, cats=("c",)), line(2, unit=9_000)))
    assert dict(out.line_discounts) == {"l1": 3_000, "l2": 0}


def test_percent_items_touches_only_targeted_lines() -> None:
    spec = promo("p", Reward.PERCENT_ITEMS, 25, product_ids=frozenset({"p2"}))
    out = evaluate([spec], cart(line(1, unit=4_000), line(2, qty=2, unit=3_000)))
    assert dict(out.line_discounts) == {"l1": 0, "l2": 1_500}


def test_fixed_order_never_exceeds_the_items() -> None:
    out = evaluate([promo("f", Reward.FIXED_ORDER, 50_000)], cart(line(1, unit=7_000)))
    assert out.total == 7_000


def test_gift_item_is_listed_and_changes_no_price() -> None:
    out = evaluate([promo("g", Reward.GIFT_ITEM, gift_variant_id="gift")], cart(line(1)))
    assert (out.gifts, out.total, [a.promotion_id for a in out.applied]) == (("gift",), 0, ["g"])


def test_stackable_promotions_apply_in_priority_order_on_what_is_left() -> None:
    fixed = promo("fixed", Reward.FIXED_ORDER, 1_000, priority=10)
    pct = promo("pct", Reward.PERCENT_ORDER, 10, priority=1)
    out = evaluate([pct, fixed], cart(line(1, unit=10_000)))
    # 1 000 off first, then 10% of the 9 000 left
    assert [(a.promotion_id, a.amount) for a in out.applied] == [("fixed", 1_000), ("pct", 900)]


def test_an_exclusive_promotion_wins_only_when_it_gives_more() -> None:
    big = promo("big", Reward.PERCENT_ORDER, 30, exclusive=True)
    small = promo("small", Reward.PERCENT_ORDER, 10)
    ship = promo("ship", Reward.FREE_SHIPPING)
    out = evaluate([big, small, ship], cart(line(1, unit=10_000), shipping=500))
    assert [a.promotion_id for a in out.applied] == ["big"]
    assert {r.promotion_id: r.reason for r in out.rejected}["small"].startswith("not combinable")
    out = evaluate([big, small, ship], cart(line(1, unit=10_000), shipping=5_000))
    assert sorted(a.promotion_id for a in out.applied) == ["ship", "small"]
    assert "gives more" in {r.promotion_id: r.reason for r in out.rejected}["big"]


def test_allocation_is_proportional_and_exact() -> None:
    assert allocate(10, [30, 30, 30]) == [4, 3, 3]
    assert allocate(7, [100, 300]) == [2, 5]
    assert allocate(10, [0, 5, 5]) == [0, 5, 5]
    assert allocate(0, [3, 4]) == [0, 0]
    assert allocate(5, []) == []
    assert allocate(99, [10, 20]) == [10, 20]  # never above the weights


def test_percent_rounds_half_up_to_the_minor_unit() -> None:
    assert percent_of(1_005, Decimal("10")) == 101  # 100.5 -> 101
    assert percent_of(1_004, Decimal("10")) == 100
    assert percent_of(1_000, Decimal("150")) == 1_000


def test_voucher_refusals_say_why() -> None:
    assert voucher_refusal(VoucherState("X", exists=False)) == "unknown voucher code"
    assert "no longer valid" in (voucher_refusal(VoucherState("X", True, active=False)) or "")
    assert "used up" in (voucher_refusal(VoucherState("X", True, used=5, limit=5)) or "")
    mine = VoucherState("X", True, used_by_customer=1, per_customer_limit=1)
    assert "already used" in (voucher_refusal(mine) or "")
    assert voucher_refusal(VoucherState("X", True, used=4, limit=5)) is None
    assert normalize_code("  welcome10 ") == "WELCOME10"


# --- properties ---

rewards = st.sampled_from(list(Reward))
specs = st.builds(
    lambda i, r, v, prio, excl, cats, mn, bx, gy: PromotionSpec(
        id=f"p{i}",
        name=f"p{i}",
        reward=r,
        value=Decimal(v),
        priority=prio,
        exclusive=excl,
        category_ids=frozenset(cats),
        min_subtotal=mn,
        buy_qty=bx,
        get_qty=gy,
        gift_variant_id="gift" if r == Reward.GIFT_ITEM else None,
    ),
    st.integers(0, 10_000),
    rewards,
    st.integers(0, 200_000),
    st.integers(-3, 3),
    st.booleans(),
    st.sets(st.sampled_from(["a", "b"]), max_size=1),
    st.integers(0, 50_000),
    st.integers(1, 3),
    st.integers(1, 2),
)
carts = st.builds(
    lambda ls, ship: cart(
        *(line(i, q, u, tuple(c)) for i, (q, u, c) in enumerate(ls)), shipping=ship
    ),
    st.lists(
        st.tuples(st.integers(1, 5), st.integers(0, 50_000), st.sets(st.sampled_from(["a", "b"]))),
        min_size=1,
        max_size=5,
    ),
    st.integers(0, 50_000),
)
promo_lists = st.lists(specs, max_size=6, unique_by=lambda s: s.id)


@settings(max_examples=300, deadline=None)
@given(promo_lists, carts)
def test_discount_never_exceeds_the_items_or_the_shipping(
    promos: list[PromotionSpec], facts: CartFacts
) -> None:
    out = evaluate(promos, facts)
    for ln in facts.lines:
        assert 0 <= out.line_discounts[ln.line_id] <= ln.amount
    assert sum(out.line_discounts.values()) <= facts.subtotal
    assert 0 <= out.shipping_discount <= facts.shipping


@settings(max_examples=300, deadline=None)
@given(promo_lists, carts)
def test_applied_amounts_add_up_to_the_discount(
    promos: list[PromotionSpec], facts: CartFacts
) -> None:
    out = evaluate(promos, facts)
    assert sum(a.amount for a in out.applied) == out.total


@settings(max_examples=300, deadline=None)
@given(promo_lists, carts)
def test_an_exclusive_promotion_is_never_combined(
    promos: list[PromotionSpec], facts: CartFacts
) -> None:
    out = evaluate(promos, facts)
    by_id = {p.id: p for p in promos}
    applied = [by_id[a.promotion_id] for a in out.applied]
    if any(p.exclusive for p in applied):
        assert len(applied) == 1
    # every promotion given is either applied or rejected with a reason
    assert {a.promotion_id for a in out.applied} | {r.promotion_id for r in out.rejected} == set(
        by_id
    )
    assert all(r.reason for r in out.rejected)


@settings(max_examples=300, deadline=None)
@given(promo_lists, carts, st.randoms())
def test_the_outcome_does_not_depend_on_the_order_of_promotions(
    promos: list[PromotionSpec], facts: CartFacts, rnd: random.Random
) -> None:
    shuffled = list(promos)
    rnd.shuffle(shuffled)
    assert evaluate(promos, facts) == evaluate(shuffled, facts)


@settings(max_examples=500, deadline=None)
@given(st.integers(0, 10**9), st.lists(st.integers(0, 10**7), max_size=20))
def test_allocation_sums_exactly_and_no_share_exceeds_its_weight(
    amount: int, weights: list[int]
) -> None:
    shares = allocate(amount, weights)
    assert len(shares) == len(weights)
    expected = min(amount, sum(weights)) if sum(weights) > 0 else 0
    assert sum(shares) == expected
    assert all(0 <= s <= w for s, w in zip(shares, weights, strict=True))


@settings(max_examples=300, deadline=None)
@given(promo_lists, carts)
def test_the_buyer_gets_at_least_what_any_exclusive_promotion_alone_gives(
    promos: list[PromotionSpec], facts: CartFacts
) -> None:
    best = evaluate(promos, facts).total
    for p in promos:
        if p.exclusive and why_not(p, facts) is None:
            assert evaluate([p], facts).total <= best
