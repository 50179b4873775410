"""Tax, duty and landed-cost maths. Pure: Decimal inside, integer minor units in and out.

Rounding choices (each country's setting names its own):
- mode: half-up ("commercial" rounding) is the default, as the RU Tax Code (art. 52: to the
  kopeck "by the rules of arithmetic"), German and Georgian practice and most US states expect;
  half-even (banker's) is offered for authorities that ask for it.
- level: per line (each line's tax rounded, the document total is their sum, as on a Russian
  счёт-фактура) or per total (the tax of each rate is rounded once on the sum of that rate's
  lines; the lines then share it by largest remainder, so the per-line figures still add up to
  the total exactly and each is its exact share rounded down or up).
Tax-inclusive prices (RU, EU, GE): tax = gross × r / (1 + r), net = gross − tax.
Tax-exclusive prices (US): tax = net × r, gross = net + tax.
Duties: the customs value is goods + shipping (CIF); the consignment is exempt when that value,
converted to the threshold's currency, does not exceed the de-minimis threshold. Duty is on the
customs value, import VAT on customs value + duty; shipping is shared over the lines in
proportion to their value so per-line duties add up exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from enum import StrEnum

from omnishop.kernel.money import Money
from omnishop.pricing.rules import convert

HUNDRED = Decimal(100)

# One customs territory: a sale between two member states crosses no customs border.
EU = frozenset([
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE",
    "IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE",
])  # fmt: skip


class Rounding(StrEnum):
    HALF_UP = "half_up"
    HALF_EVEN = "half_even"


class RoundingLevel(StrEnum):
    LINE = "line"
    TOTAL = "total"


_MODES = {Rounding.HALF_UP: ROUND_HALF_UP, Rounding.HALF_EVEN: ROUND_HALF_EVEN}


@dataclass(frozen=True)
class TaxPolicy:
    prices_include_tax: bool
    level: RoundingLevel = RoundingLevel.LINE
    rounding: Rounding = Rounding.HALF_UP


@dataclass(frozen=True)
class TaxInput:
    """A line (or the shipping) as priced: gross when prices include tax, else net."""

    amount: int
    rate: Decimal  # a fraction: 0.2 for 20 %


@dataclass(frozen=True)
class TaxedLine:
    net: int
    tax: int
    gross: int
    rate: Decimal


@dataclass(frozen=True)
class TaxBreakdown:
    lines: tuple[TaxedLine, ...]

    @property
    def net(self) -> int:
        return sum(line.net for line in self.lines)

    @property
    def tax(self) -> int:
        return sum(line.tax for line in self.lines)

    @property
    def gross(self) -> int:
        return sum(line.gross for line in self.lines)

    def by_rate(self) -> dict[Decimal, int]:
        """Tax per rate, rates in ascending order (what a receipt prints)."""
        out: dict[Decimal, int] = {}
        for line in sorted(self.lines, key=lambda x: x.rate):
            out[line.rate] = out.get(line.rate, 0) + line.tax
        return out


def percent(value: Decimal | str | int) -> Decimal:
    """A percentage ("20", "8.875") as the fraction the maths uses."""
    return Decimal(value) / HUNDRED


def basis_points(bp: int) -> Decimal:
    """Basis points (2000 = 20 %) as a fraction."""
    return Decimal(bp) / Decimal(10_000)


def round_minor(value: Decimal, rounding: Rounding = Rounding.HALF_UP) -> int:
    return int(value.quantize(Decimal(1), rounding=_MODES[rounding]))


def exact_tax(amount: int, rate: Decimal, *, inclusive: bool) -> Decimal:
    """The unrounded tax in minor units: extracted from a gross amount or added to a net one."""
    if amount < 0 or rate < 0:
        raise ValueError("amounts and rates are never negative")
    if inclusive:
        return Decimal(amount) * rate / (1 + rate)
    return Decimal(amount) * rate


def compute_tax(lines: Sequence[TaxInput], policy: TaxPolicy) -> TaxBreakdown:
    """Tax on each line under ``policy``; the line figures add up to the totals exactly."""
    inclusive = policy.prices_include_tax
    exact = [exact_tax(line.amount, line.rate, inclusive=inclusive) for line in lines]
    if policy.level is RoundingLevel.LINE:
        taxes = [round_minor(e, policy.rounding) for e in exact]
    else:
        taxes = [0] * len(lines)
        groups: dict[Decimal, list[int]] = {}
        for i, line in enumerate(lines):
            groups.setdefault(line.rate, []).append(i)
        for indexes in groups.values():
            total = round_minor(sum((exact[i] for i in indexes), Decimal(0)), policy.rounding)
            shares = share_out(total, [exact[i] for i in indexes])
            for i, share in zip(indexes, shares, strict=True):
                taxes[i] = share
    out = []
    for line, tax in zip(lines, taxes, strict=True):
        if inclusive:
            out.append(TaxedLine(line.amount - tax, tax, line.amount, line.rate))
        else:
            out.append(TaxedLine(line.amount, tax, line.amount + tax, line.rate))
    return TaxBreakdown(tuple(out))


def share_out(total: int, exact: Sequence[Decimal]) -> list[int]:
    """Split an integer ``total`` over exact shares: each gets its share rounded down, the
    remainder goes one unit at a time to the largest fractions (earlier first on ties).

    ``total`` must lie between the sum of the floors and the sum of the ceilings.
    """
    floors = [int(e.to_integral_value(rounding=ROUND_FLOOR)) for e in exact]
    remainder = total - sum(floors)
    if remainder < 0 or remainder > sum(1 for e, f in zip(exact, floors, strict=True) if e != f):
        raise ValueError("total is not a rounding of the shares")
    order = sorted(range(len(exact)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:remainder]:
        floors[i] += 1
    return floors


def allocate(total: int, weights: Sequence[int]) -> list[int]:
    """Split ``total`` minor units in proportion to non-negative ``weights`` (equally when
    they are all zero); the parts add up to ``total`` exactly."""
    if not weights:
        return []
    base = sum(weights)
    if base == 0:
        weights, base = [1] * len(weights), len(weights)
    exact = [Decimal(total) * w / base for w in weights]
    return share_out(total, exact)


# --- duties ---


@dataclass(frozen=True)
class DutyRule:
    """What the destination charges on goods of one HS heading."""

    duty_rate: Decimal  # fraction
    import_vat_rate: Decimal  # fraction
    de_minimis: int  # minor units of ``threshold_currency``; 0 = no threshold
    threshold_currency: str
    # Below the threshold the import VAT is waived too (RU, GE); in the EU it is not (IOSS).
    de_minimis_covers_vat: bool = True


@dataclass(frozen=True)
class DutyInput:
    amount: int  # the line's goods value in the order currency
    rule: DutyRule | None  # None: the destination charges nothing on this line


@dataclass(frozen=True)
class DutyLine:
    customs_value: int  # goods + its share of shipping, order currency
    duty: int
    import_vat: int


@dataclass(frozen=True)
class DutyBreakdown:
    lines: tuple[DutyLine, ...]

    @property
    def customs_value(self) -> int:
        return sum(line.customs_value for line in self.lines)

    @property
    def duty(self) -> int:
        return sum(line.duty for line in self.lines)

    @property
    def import_vat(self) -> int:
        return sum(line.import_vat for line in self.lines)

    @property
    def total(self) -> int:
        return self.duty + self.import_vat


def below_de_minimis(value: Money, rule: DutyRule, fx_rate: Decimal | None) -> bool:
    """Whether a consignment worth ``value`` (CIF) does not exceed the rule's threshold.

    ``fx_rate`` is threshold-currency units per unit of ``value.currency``; without one (and
    in another currency) the consignment is not exempt: a quote never under-promises duties.
    """
    if rule.de_minimis <= 0:
        return False
    if value.currency == rule.threshold_currency:
        converted = value.amount
    elif fx_rate is None:
        return False
    else:
        converted = convert(value, fx_rate, rule.threshold_currency).amount
    return converted <= rule.de_minimis


def compute_duties(
    lines: Sequence[DutyInput],
    *,
    shipping: int,
    currency: str,
    fx_rates: dict[str, Decimal] | None = None,
) -> DutyBreakdown:
    """Duty and import VAT per line of one consignment, in minor units of ``currency``.

    ``fx_rates`` maps a threshold currency to its units per unit of ``currency``.
    """
    if shipping < 0 or any(line.amount < 0 for line in lines):
        raise ValueError("amounts are never negative")
    shares = allocate(shipping, [line.amount for line in lines])
    values = [line.amount + share for line, share in zip(lines, shares, strict=True)]
    consignment = Money(sum(values), currency)
    fx_rates = fx_rates or {}
    out = []
    for line, value in zip(lines, values, strict=True):
        rule = line.rule
        if rule is None:
            out.append(DutyLine(value, 0, 0))
            continue
        exempt = below_de_minimis(consignment, rule, fx_rates.get(rule.threshold_currency))
        duty = 0 if exempt else round_minor(Decimal(value) * rule.duty_rate)
        vat = (
            0
            if exempt and rule.de_minimis_covers_vat
            else round_minor(Decimal(value + duty) * rule.import_vat_rate)
        )
        out.append(DutyLine(value, duty, vat))
    return DutyBreakdown(tuple(out))


def landed_cost(*, goods: int, shipping: int, tax_added: int, duties: int, ddp: bool) -> int:
    """What the buyer pays at checkout: goods and shipping as priced, tax added on top when
    prices exclude it, and under DDP the duties and import taxes too (under DAP the carrier
    collects them on delivery)."""
    return goods + shipping + tax_added + (duties if ddp else 0)


def crosses_customs(origin: str, destination: str) -> bool:
    """Whether goods shipped from ``origin`` to ``destination`` clear customs (the EU is one
    territory)."""
    if origin == destination:
        return False
    return not (origin in EU and destination in EU)


def match_hs_prefix(hs_code: str | None, prefixes: Sequence[str]) -> str | None:
    """The longest prefix of ``hs_code`` among ``prefixes`` ("" matches every code, and goods
    without a code only match it)."""
    code = hs_code or ""
    best: str | None = None
    for prefix in prefixes:
        if code.startswith(prefix) and (best is None or len(prefix) > len(best)):
            best = prefix
    return best
