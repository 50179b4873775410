"""Pricing maths: FX conversion and per-currency retail rounding. Pure; no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from omnishop.kernel.money import Money, exponent


@dataclass(frozen=True)
class RoundingRule:
    """Round to a multiple of ``increment`` minor units; then, with ``ending``, to a charm price.

    ``ending=99`` turns 12.34 EUR into 11.99 (the nearest price ending in .99).
    """

    increment: int = 1
    ending: int | None = None


# Retail conventions: roubles and lari in whole units, euro prices end in .99.
ROUNDING: dict[str, RoundingRule] = {
    "RUB": RoundingRule(increment=100),
    "GEL": RoundingRule(increment=10),
    "EUR": RoundingRule(increment=1, ending=99),
    "USD": RoundingRule(increment=1, ending=99),
    "GBP": RoundingRule(increment=1, ending=99),
}


def rounding_for(currency: str) -> RoundingRule:
    return ROUNDING.get(currency, RoundingRule())


def round_to_increment(amount: int, increment: int) -> int:
    """To the nearest multiple of ``increment``, ties away from zero."""
    if increment <= 1:
        return amount
    q = (Decimal(amount) / increment).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return int(q) * increment


def apply_rounding(price: Money, rule: RoundingRule) -> Money:
    """The retail price for a raw converted price; never rounds a positive price to zero.

    With an ``ending`` the result is the nearest amount whose minor digits are that ending
    (ties upwards): 12.34 → 11.99, 12.50 → 12.99; a zero price stays free.
    """
    if price.amount == 0:
        return price
    if rule.ending is None:
        amount = round_to_increment(price.amount, rule.increment)
        if price.amount > 0 and amount <= 0:
            amount = max(rule.increment, 1)
        return Money(amount, price.currency)
    unit = 10 ** exponent(price.currency)
    if not 0 <= rule.ending < unit:
        raise ValueError(f"ending {rule.ending} does not fit {price.currency}")
    amount = round_to_increment(price.amount - rule.ending, unit) + rule.ending
    if price.amount > 0 and amount <= 0:
        # The smallest positive price that still carries the ending.
        amount = rule.ending or unit
    return Money(amount, price.currency)


def convert(price: Money, rate: Decimal, to_currency: str) -> Money:
    """``price`` in ``to_currency`` at ``rate`` (units of target per unit of source), half-up."""
    if rate <= 0:
        raise ValueError("FX rate must be positive")
    return Money.from_decimal(price.to_decimal() * rate, to_currency)


def convert_retail(price: Money, rate: Decimal, to_currency: str) -> Money:
    """Convert, then round the way shoppers in ``to_currency`` expect to see prices."""
    return apply_rounding(convert(price, rate, to_currency), rounding_for(to_currency))
