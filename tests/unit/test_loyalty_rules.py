"""Loyalty maths: earning, tiers, expiry by lot, the max share points may pay, reversals;
and the ledger's invariants under any sequence of earn/burn/expire/reverse (hypothesis)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from omnishop.loyalty.rules import (
    Debit,
    EarnLine,
    EarnRuleSpec,
    Lot,
    TierSpec,
    balance_of,
    earn_points,
    expiring,
    goods_share,
    line_percent,
    max_points,
    next_tier,
    point_value,
    proportional_spend,
    remaining_by_lot,
    reversal,
    take_back,
    tier_for,
    to_expire,
)

T0 = datetime(2026, 1, 1, tzinfo=UTC)
FIVE = EarnRuleSpec(Decimal(5))
GAMES = EarnRuleSpec(Decimal(10), categories=frozenset({"games"}))
TELEGRAM = EarnRuleSpec(Decimal(7), channels=frozenset({"telegram"}))
TIERS = [
    TierSpec("silver", 0, Decimal(1)),
    TierSpec("gold", 50_000_00, Decimal("1.5")),
    TierSpec("platinum", 150_000_00, Decimal(2)),
]


# --- earning ---


def test_five_percent_of_the_paid_amount_in_roubles() -> None:
    # 2 500,00 ₽ paid → 125 points (1 point = 1 ₽)
    lines = [EarnLine(250_000)]
    assert (
        earn_points(lines, paid=250_000, channel="web", rules=[FIVE], rate=Decimal(1), exponent=2)
        == 125
    )


def test_earning_is_on_what_was_paid_after_discounts_and_points() -> None:
    lines = [EarnLine(250_000)]
    # 1 000 ₽ off by points: 5% of 1 500 ₽
    assert (
        earn_points(lines, paid=150_000, channel="web", rules=[FIVE], rate=Decimal(1), exponent=2)
        == 75
    )


def test_paid_above_the_lines_never_earns_more_than_the_lines() -> None:
    lines = [EarnLine(100_000)]
    assert (
        earn_points(lines, paid=900_000, channel="web", rules=[FIVE], rate=Decimal(1), exponent=2)
        == 50
    )


def test_nothing_paid_or_no_lines_earns_nothing() -> None:
    assert earn_points([], paid=100, channel="web", rules=[FIVE], rate=Decimal(1), exponent=2) == 0
    assert (
        earn_points(
            [EarnLine(100_000)], paid=0, channel="web", rules=[FIVE], rate=Decimal(1), exponent=2
        )
        == 0
    )


def test_each_line_earns_its_best_matching_rule_and_rules_do_not_add_up() -> None:
    game = EarnLine(100_000, frozenset({"games", "root"}))
    mug = EarnLine(100_000, frozenset({"kitchen"}))
    assert line_percent(game, "web", [FIVE, GAMES]) == Decimal(10)
    assert line_percent(mug, "web", [FIVE, GAMES]) == Decimal(5)
    # 10% of 1 000 ₽ + 5% of 1 000 ₽
    assert earn_points(
        [game, mug], paid=200_000, channel="web", rules=[FIVE, GAMES], rate=Decimal(1),
        exponent=2,
    ) == 150  # fmt: skip


def test_a_channel_rule_only_applies_in_its_channel() -> None:
    line = EarnLine(100_000)
    assert line_percent(line, "telegram", [FIVE, TELEGRAM]) == Decimal(7)
    assert line_percent(line, "web", [FIVE, TELEGRAM]) == Decimal(5)
    assert line_percent(line, "web", [TELEGRAM]) == Decimal(0)


def test_the_paid_amount_is_spread_over_lines_in_proportion() -> None:
    game = EarnLine(300_000, frozenset({"games"}))
    mug = EarnLine(100_000)
    # paid 2 000 ₽ of 4 000 ₽: the game's share 1 500 ₽ at 10%, the mug's 500 ₽ at 5%
    assert earn_points(
        [game, mug], paid=200_000, channel="web", rules=[FIVE, GAMES], rate=Decimal(1),
        exponent=2,
    ) == 175  # fmt: skip


def test_the_tier_multiplier_and_rounding_down_once() -> None:
    line = EarnLine(99_900)  # 999 ₽ → 49.95 points → ×1.5 = 74.925 → 74
    assert earn_points(
        [line], paid=99_900, channel="web", rules=[FIVE], rate=Decimal(1), exponent=2,
        multiplier=Decimal("1.5"),
    ) == 74  # fmt: skip


def test_another_currency_converts_into_programme_points() -> None:
    # 100,00 GEL at 1 GEL = 35 ₽, 5% → 175 points
    assert earn_points(
        [EarnLine(10_000)], paid=10_000, channel="ge", rules=[FIVE], rate=Decimal(35),
        exponent=2,
    ) == 175  # fmt: skip
    # 10 000 JPY (no minor units) at 0.6 ₽, 5% → 300 points
    assert earn_points(
        [EarnLine(10_000)], paid=10_000, channel="jp", rules=[FIVE], rate=Decimal("0.6"),
        exponent=0,
    ) == 300  # fmt: skip


@given(
    amounts=st.lists(st.integers(min_value=1, max_value=10_000_000), min_size=1, max_size=6),
    paid_share=st.integers(min_value=0, max_value=100),
    percent=st.decimals(min_value=0, max_value=100, places=2),
)
def test_earning_never_exceeds_the_percent_of_the_paid_amount(
    amounts: list[int], paid_share: int, percent: Decimal
) -> None:
    lines = [EarnLine(a) for a in amounts]
    paid = sum(amounts) * paid_share // 100
    points = earn_points(
        lines, paid=paid, channel="web", rules=[EarnRuleSpec(percent)], rate=Decimal(1),
        exponent=2,
    )  # fmt: skip
    assert 0 <= points <= Decimal(paid) * percent / 100 / 100


# --- tiers ---


def test_the_tier_is_the_highest_threshold_reached() -> None:
    assert tier_for(0, TIERS) == TIERS[0]
    assert tier_for(49_999_99, TIERS) == TIERS[0]
    assert tier_for(50_000_00, TIERS) == TIERS[1]
    assert tier_for(10**12, TIERS) == TIERS[2]
    assert tier_for(100, [TierSpec("gold", 1000)]) is None
    assert tier_for(100, []) is None


def test_the_next_tier_says_how_much_is_missing() -> None:
    assert next_tier(10_000_00, TIERS) == (TIERS[1], 40_000_00)
    assert next_tier(50_000_00, TIERS) == (TIERS[2], 100_000_00)
    assert next_tier(150_000_00, TIERS) is None


# --- expiry ---


def test_spending_takes_the_first_to_expire_lot_first() -> None:
    lots = [
        Lot("late", 100, T0 + timedelta(days=60)),
        Lot("early", 100, T0 + timedelta(days=10)),
        Lot("never", 100, None),
    ]
    left = remaining_by_lot(lots, [Debit(150)])
    assert left == {"early": 0, "late": 50, "never": 100}


def test_expiry_takes_only_unspent_points_of_lots_past_their_date() -> None:
    lots = [Lot("a", 100, T0), Lot("b", 100, T0 + timedelta(days=30))]
    assert to_expire(lots, [Debit(30)], T0) == 70
    assert to_expire(lots, [Debit(130)], T0) == 0
    assert to_expire(lots, [], T0 - timedelta(seconds=1)) == 0
    assert to_expire(lots, [Debit(30)], T0 + timedelta(days=30)) == 170


def test_expiry_recorded_once_expires_nothing_more() -> None:
    lots = [Lot("a", 100, T0)]
    first = to_expire(lots, [Debit(30)], T0)
    assert to_expire(lots, [Debit(30), Debit(first)], T0 + timedelta(days=1)) == 0


def test_a_reversal_takes_from_the_lot_it_names() -> None:
    lots = [Lot("a", 100, T0), Lot("b", 100, T0 + timedelta(days=30))]
    # b is reversed entirely: a keeps its 100 and expires whole at T0
    assert to_expire(lots, [Debit(100, lot="b")], T0) == 100
    # a reversal larger than its lot spills over FIFO
    assert remaining_by_lot(lots, [Debit(150, lot="b")]) == {"a": 50, "b": 0}


def test_points_expiring_soon_and_their_first_date() -> None:
    lots = [
        Lot("a", 100, T0 + timedelta(days=5)),
        Lot("b", 40, T0 + timedelta(days=20)),
        Lot("c", 10, T0 + timedelta(days=90)),
    ]
    assert expiring(lots, [Debit(30)], T0, T0 + timedelta(days=30)) == (
        110,
        T0 + timedelta(days=5),
    )
    assert expiring(lots, [Debit(100)], T0, T0 + timedelta(days=30)) == (
        40,
        T0 + timedelta(days=20),
    )
    assert expiring([], [], T0, T0 + timedelta(days=30)) == (0, None)


# --- spending ---


def test_points_pay_at_most_half_of_the_order() -> None:
    # 1 000 ₽ payable, 50%: at most 500 points even with 2 000
    assert (
        max_points(
            balance=2000, payable=100_000, max_share=Decimal("0.5"), rate=Decimal(1), exponent=2
        )
        == 500
    )
    assert (
        max_points(
            balance=120, payable=100_000, max_share=Decimal("0.5"), rate=Decimal(1), exponent=2
        )
        == 120
    )
    assert (
        max_points(
            balance=0, payable=100_000, max_share=Decimal("0.5"), rate=Decimal(1), exponent=2
        )
        == 0
    )
    assert (
        max_points(balance=10, payable=0, max_share=Decimal("0.5"), rate=Decimal(1), exponent=2)
        == 0
    )


def test_a_point_is_worth_one_programme_unit_in_another_currency() -> None:
    # 1 ₽ = 0.028 GEL: 1 000 points = 28,00 GEL
    assert point_value(1000, rate=Decimal("0.028"), exponent=2) == 2800
    assert point_value(1, rate=Decimal("0.004"), exponent=2) == 0  # rounded down
    assert point_value(125, rate=Decimal(1), exponent=2) == 12_500


@given(
    balance=st.integers(min_value=0, max_value=10**8),
    payable=st.integers(min_value=0, max_value=10**10),
    share=st.decimals(min_value="0.01", max_value="0.99", places=2),
    rate=st.decimals(min_value="0.001", max_value="1000", places=3),
    exp=st.sampled_from([0, 2, 3]),
)
def test_points_never_pay_more_than_the_share_nor_the_balance(
    balance: int, payable: int, share: Decimal, rate: Decimal, exp: int
) -> None:
    points = max_points(balance=balance, payable=payable, max_share=share, rate=rate, exponent=exp)
    assert 0 <= points <= balance
    assert point_value(points, rate=rate, exponent=exp) <= payable * share
    assert point_value(points, rate=rate, exponent=exp) < payable or points == 0


# --- reversals ---


def test_a_refund_takes_back_its_share_of_the_earn() -> None:
    assert reversal(earned=125, already_reversed=0, refunded=100_000, paid=250_000) == 50
    assert reversal(earned=125, already_reversed=0, refunded=250_000, paid=250_000) == 125
    assert reversal(earned=125, already_reversed=100, refunded=250_000, paid=250_000) == 25
    assert reversal(earned=125, already_reversed=0, refunded=900_000, paid=250_000) == 125
    assert reversal(earned=0, already_reversed=0, refunded=1, paid=1) == 0
    assert proportional_spend(spend=250_000, refunded=100_000, paid=250_000) == 100_000


@given(
    earned=st.integers(min_value=0, max_value=10**6),
    refunds=st.lists(st.integers(min_value=0, max_value=10**7), max_size=8),
    paid=st.integers(min_value=1, max_value=10**7),
)
def test_partial_refunds_never_take_back_more_than_was_earned(
    earned: int, refunds: list[int], paid: int
) -> None:
    taken = 0
    for refunded in refunds:
        step = reversal(earned=earned, already_reversed=taken, refunded=refunded, paid=paid)
        assert step >= 0
        taken += step
    assert taken <= earned


def test_a_take_back_never_drives_the_balance_below_zero() -> None:
    assert take_back(100, 30) == 30
    assert take_back(10, 30) == 10
    assert take_back(10, 0) == 0


# --- the ledger as a whole (a model of the service's rules) ---


@dataclass
class Ledger:
    """Entries as the service writes them: every debit is checked against the balance."""

    lots: list[Lot] = field(default_factory=list)
    debits: list[Debit] = field(default_factory=list)
    entries: list[int] = field(default_factory=list)  # signed points, in order

    @property
    def balance(self) -> int:
        return balance_of(self.lots, self.debits)

    def earn(self, points: int, expires_at: datetime | None) -> None:
        ref = f"lot{len(self.lots)}"
        self.lots.append(Lot(ref, points, expires_at))
        self.entries.append(points)

    def burn(self, points: int) -> bool:
        if points > self.balance:
            return False  # the conditional UPDATE refuses
        self.debits.append(Debit(points))
        self.entries.append(-points)
        return True

    def reverse(self, lot_index: int, points: int) -> None:
        if not self.lots:
            return
        lot = self.lots[lot_index % len(self.lots)]
        taking = take_back(points, self.balance)
        self.debits.append(Debit(taking, lot=lot.reference))
        self.entries.append(-taking)

    def expire(self, now: datetime) -> int:
        points = min(to_expire(self.lots, self.debits, now), self.balance)
        if points:
            self.debits.append(Debit(points))
            self.entries.append(-points)
        return points


operations = st.lists(
    st.one_of(
        st.tuples(
            st.just("earn"),
            st.integers(min_value=0, max_value=1000),
            st.one_of(st.none(), st.integers(min_value=0, max_value=100)),
        ),
        st.tuples(st.just("burn"), st.integers(min_value=1, max_value=1500), st.none()),
        st.tuples(
            st.just("reverse"),
            st.integers(min_value=0, max_value=1000),
            st.integers(min_value=0, max_value=20),
        ),
        st.tuples(st.just("expire"), st.integers(min_value=0, max_value=100), st.none()),
    ),
    max_size=40,
)


@settings(max_examples=300)
@given(ops=operations)
def test_balance_is_the_sum_of_entries_and_never_negative(
    ops: list[tuple[str, int, int | None]],
) -> None:
    ledger = Ledger()
    for name, amount, extra in ops:
        if name == "earn":
            ledger.earn(amount, None if extra is None else T0 + timedelta(days=extra))
        elif name == "burn":
            ledger.burn(amount)
        elif name == "reverse":
            ledger.reverse(extra or 0, amount)
        else:
            ledger.expire(T0 + timedelta(days=amount))
        assert ledger.balance == sum(ledger.entries)
        assert ledger.balance >= 0
        assert all(v >= 0 for v in remaining_by_lot(ledger.lots, ledger.debits).values())


@settings(max_examples=300)
@given(
    lots=st.lists(
        st.tuples(
            st.integers(min_value=1, max_value=1000),
            st.one_of(st.none(), st.integers(min_value=0, max_value=100)),
        ),
        max_size=10,
    ),
    spent=st.integers(min_value=0, max_value=20_000),
    day=st.integers(min_value=0, max_value=120),
)
def test_expiry_never_takes_points_already_spent(
    lots: list[tuple[int, int | None]], spent: int, day: int
) -> None:
    ledger = Ledger()
    for points, days in lots:
        ledger.earn(points, None if days is None else T0 + timedelta(days=days))
    ledger.burn(min(spent, ledger.balance))
    spent_points = sum(d.points for d in ledger.debits)
    earned_total = sum(lot.points for lot in ledger.lots)
    expired = ledger.expire(T0 + timedelta(days=day))
    # What expires comes out of what is left: the spent points are untouched.
    assert expired <= earned_total - spent_points
    assert ledger.balance == earned_total - spent_points - expired
    # Expiring again at the same moment takes nothing more.
    assert ledger.expire(T0 + timedelta(days=day)) == 0


def test_goods_share_counts_returned_goods_against_all_goods_without_shipping() -> None:
    returned = [
        {"amount": 500_00, "exchange": False},
        {"amount": 1_500_00, "exchange": True},  # exchanged: nothing refunded for it
    ]
    lines = [(3_000_00, 0, 0), (500_00, 0, 0)]

    share = goods_share(
        returned=returned, lines=lines, tax_included=True, total=3_800_00, points_amount=0
    )

    assert share == (500_00, 3_500_00)


def test_goods_share_adds_tax_on_top_and_removes_the_points_share() -> None:
    # US-style: 100 $ of goods + 8 $ tax on top, 20 $ of it paid with points
    share = goods_share(
        returned=[{"amount": 108_00}], lines=[(100_00, 0, 8_00)], tax_included=False,
        total=88_00, points_amount=20_00,
    )  # fmt: skip

    assert share == (108_00, 108_00 * 88_00 // 108_00)


@given(
    amounts=st.lists(st.integers(min_value=1, max_value=10**7), min_size=1, max_size=6),
    earned=st.integers(min_value=0, max_value=10**6),
    shipping=st.integers(min_value=0, max_value=10**6),
)
def test_returning_every_good_takes_back_the_whole_earn_whatever_the_shipping(
    amounts: list[int], earned: int, shipping: int
) -> None:
    lines = [(a, 0, 0) for a in amounts]
    refunded, paid = goods_share(
        returned=[{"amount": a} for a in amounts], lines=lines, tax_included=True,
        total=sum(amounts) + shipping, points_amount=0,
    )  # fmt: skip

    assert reversal(earned=earned, already_reversed=0, refunded=refunded, paid=paid) == (earned)
