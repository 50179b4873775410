"""Loyalty maths, pure: what an order earns, which tier a spend reaches, what expires, how
many points an order may take, what a refund takes back. No I/O; amounts are integer minor
units, points are integers (1 point = 1 major unit of the programme currency)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from enum import StrEnum


class EntryKind(StrEnum):
    EARN = "earn"  # points for a paid order (a lot that may expire)
    BURN = "burn"  # points spent on an order
    EXPIRE = "expire"  # unspent points of lots past their date
    ADJUST = "adjust"  # staff correction, either sign
    REVERSE = "reverse"  # earn taken back (cancel, return) or burn given back (cancel)
    CREDIT = "credit"  # store credit for a return, or a bonus


@dataclass(frozen=True)
class Lot:
    """Points that arrived together (an earn, a credit, a give-back) and may expire."""

    reference: str
    points: int
    expires_at: datetime | None


@dataclass(frozen=True)
class Debit:
    """Points that left: spent, expired, taken back. ``lot`` names the lot a reversal cancels
    (its reference); otherwise debits consume lots first-to-expire first (FIFO)."""

    points: int
    lot: str | None = None


@dataclass(frozen=True)
class EarnLine:
    """An order line as earning sees it: what it cost and where it sits in the catalog."""

    amount: int  # line total, minor units of the order currency
    category_ids: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class EarnRuleSpec:
    """A percent-back rule: lines in ``categories`` (any when empty) bought in ``channels``
    (any when empty) earn ``percent`` of what was paid for them."""

    percent: Decimal
    categories: frozenset[str] = field(default_factory=frozenset)
    channels: frozenset[str] = field(default_factory=frozenset)

    def matches(self, line: EarnLine, channel: str) -> bool:
        if self.channels and channel not in self.channels:
            return False
        return not self.categories or bool(self.categories & line.category_ids)


@dataclass(frozen=True)
class TierSpec:
    code: str
    min_spend: int  # minor units of the programme currency, over the rolling window
    multiplier: Decimal = Decimal(1)


HUNDRED = Decimal(100)


def line_percent(line: EarnLine, channel: str, rules: Sequence[EarnRuleSpec]) -> Decimal:
    """The best percent any matching rule gives the line (rules do not add up)."""
    return max((r.percent for r in rules if r.matches(line, channel)), default=Decimal(0))


def earn_points(
    lines: Sequence[EarnLine],
    *,
    paid: int,
    channel: str,
    rules: Sequence[EarnRuleSpec],
    rate: Decimal,
    exponent: int,
    multiplier: Decimal = Decimal(1),
) -> int:
    """Points an order earns: ``paid`` (merchandise after discounts and points spent,
    shipping excluded; order currency minor units) is spread over the lines in proportion to
    their totals, each share earns its best rule's percent, times the tier multiplier, and
    converts into programme major units at ``rate`` (order → programme currency;
    ``exponent`` is the order currency's minor digits). Rounded down once, at the end."""
    subtotal = sum(line.amount for line in lines)
    if paid <= 0 or subtotal <= 0:
        return 0
    paid = min(paid, subtotal)
    earned = Decimal(0)
    for line in lines:
        share = Decimal(line.amount) * Decimal(paid) / Decimal(subtotal)
        earned += share * line_percent(line, channel, rules) / HUNDRED
    major = earned.scaleb(-exponent) * rate * multiplier
    return int(major.to_integral_value(rounding=ROUND_DOWN))


def tier_for(spend: int, tiers: Iterable[TierSpec]) -> TierSpec | None:
    """The highest tier whose threshold the rolling spend reaches (None below every one)."""
    reached = [t for t in tiers if spend >= t.min_spend]
    return max(reached, key=lambda t: (t.min_spend, t.code), default=None)


def next_tier(spend: int, tiers: Iterable[TierSpec]) -> tuple[TierSpec, int] | None:
    """The next tier above the current one and how much more spend reaches it."""
    above = [t for t in tiers if t.min_spend > spend]
    if not above:
        return None
    target = min(above, key=lambda t: (t.min_spend, t.code))
    return target, target.min_spend - spend


def balance_of(lots: Iterable[Lot], debits: Iterable[Debit]) -> int:
    return sum(lot.points for lot in lots) - sum(d.points for d in debits)


def remaining_by_lot(lots: Sequence[Lot], debits: Sequence[Debit]) -> dict[str, int]:
    """What is left of each lot: reversals first take from the lot they name, then every
    other debit takes from the lots first-to-expire first (lots without a date last)."""
    left = {lot.reference: lot.points for lot in lots}
    pool = 0
    for debit in debits:
        if debit.lot is not None and debit.lot in left:
            take = min(left[debit.lot], debit.points)
            left[debit.lot] -= take
            pool += debit.points - take
        else:
            pool += debit.points
    for lot in sorted(lots, key=_expiry_order):
        take = min(left[lot.reference], pool)
        left[lot.reference] -= take
        pool -= take
    return left


def _expiry_order(lot: Lot) -> tuple[int, datetime | None, str]:
    return (lot.expires_at is None, lot.expires_at, lot.reference)


def to_expire(lots: Sequence[Lot], debits: Sequence[Debit], now: datetime) -> int:
    """Unspent points of the lots past their date. Spending takes the first-to-expire lots
    first, so expiry never takes a point already spent; once the expiry is recorded (as a
    debit) the same lots give zero, so running it twice expires nothing more."""
    left = remaining_by_lot(lots, debits)
    return sum(
        left[lot.reference] for lot in lots if lot.expires_at is not None and lot.expires_at <= now
    )


def expiring(
    lots: Sequence[Lot], debits: Sequence[Debit], now: datetime, until: datetime
) -> tuple[int, datetime | None]:
    """Points that will expire between now and ``until``, and the first date among them."""
    left = remaining_by_lot(lots, debits)
    soon = [
        lot
        for lot in lots
        if lot.expires_at is not None and now < lot.expires_at <= until and left[lot.reference]
    ]
    return sum(left[lot.reference] for lot in soon), min(
        (lot.expires_at for lot in soon if lot.expires_at is not None), default=None
    )


def point_value(points: int, *, rate: Decimal, exponent: int) -> int:
    """What ``points`` are worth in a currency (minor units): 1 point = 1 programme major
    unit, times ``rate`` (programme → that currency), rounded down (never worth more)."""
    minor = Decimal(points) * rate * (Decimal(10) ** exponent)
    return int(minor.to_integral_value(rounding=ROUND_DOWN))


def max_points(
    *, balance: int, payable: int, max_share: Decimal, rate: Decimal, exponent: int
) -> int:
    """The most points an order may take: no more than the balance, and worth no more than
    ``max_share`` (e.g. 0.5) of ``payable`` so a payment always remains."""
    if balance <= 0 or payable <= 0 or rate <= 0:
        return 0
    cap_minor = (Decimal(payable) * max_share).to_integral_value(rounding=ROUND_DOWN)
    one_point = Decimal(rate) * (Decimal(10) ** exponent)
    by_share = int((cap_minor / one_point).to_integral_value(rounding=ROUND_DOWN))
    # Guard the rounding edge: the points' value must stay within the cap.
    while by_share > 0 and point_value(by_share, rate=rate, exponent=exponent) > cap_minor:
        by_share -= 1
    return max(0, min(balance, by_share))


def reversal(*, earned: int, already_reversed: int, refunded: int, paid: int) -> int:
    """Points a refund takes back: the earn in proportion to ``refunded / paid`` (half up),
    never more than is still left of the earn."""
    if earned <= 0 or refunded <= 0 or paid <= 0:
        return 0
    share = (Decimal(earned) * min(Decimal(refunded), Decimal(paid)) / Decimal(paid)).quantize(
        Decimal(1), rounding=ROUND_HALF_UP
    )
    return max(0, min(int(share), earned - already_reversed))


def goods_share(
    *,
    returned: Sequence[Mapping[str, object]],
    lines: Sequence[tuple[int, int, int]],
    tax_included: bool,
    total: int,
    points_amount: int,
) -> tuple[int, int]:
    """(refunded, paid) for taking back an earn: the money refunded for returned goods (the
    non-exchange ``returned`` lines' ``amount``) against the money paid for all the goods
    (``lines``: (line total, discount, tax) each, with tax on top when prices excluded it,
    points' share removed as returns remove it). Shipping is left out of both, as it is
    left out of the earn."""
    refunded = sum(int(str(ln.get("amount", 0))) for ln in returned if not ln.get("exchange"))
    goods = sum(t - d + (0 if tax_included else tax) for t, d, tax in lines)
    if points_amount and total + points_amount > 0:
        goods = goods * total // (total + points_amount)
    return refunded, goods


def proportional_spend(*, spend: int, refunded: int, paid: int) -> int:
    """The rolling spend a refund removes, in the same proportion (half up)."""
    if spend <= 0 or refunded <= 0 or paid <= 0:
        return 0
    share = Decimal(spend) * min(Decimal(refunded), Decimal(paid)) / Decimal(paid)
    return int(share.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def take_back(wanted: int, balance: int) -> int:
    """A take-back never drives the balance below zero: points already spent stay spent."""
    return max(0, min(wanted, balance))
