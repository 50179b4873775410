"""Pricing rules: FX conversion and retail rounding per currency. No database."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from omnishop.kernel.money import Money, exponent
from omnishop.pricing.rules import (
    RoundingRule,
    apply_rounding,
    convert,
    convert_retail,
    round_to_increment,
    rounding_for,
)

CURRENCIES = ["RUB", "JPY", "KWD", "EUR", "GEL", "USD"]
prices = st.integers(min_value=0, max_value=10**12)
positive_prices = st.integers(min_value=1, max_value=10**12)
currencies = st.sampled_from(CURRENCIES)
rates = st.decimals(
    min_value=Decimal("0.0001"), max_value=Decimal("10000"), places=6, allow_nan=False
).filter(lambda r: r > 0)
rules = st.builds(
    RoundingRule,
    increment=st.sampled_from([1, 5, 10, 50, 100, 1000]),
    ending=st.one_of(st.none(), st.integers(min_value=0, max_value=99)),
)


@given(positive_prices, currencies, rates, currencies)
def test_converting_there_and_back_stays_within_one_minor_unit_times_the_rate(
    amount: int, source: str, rate: Decimal, target: str
) -> None:
    assume(source != target)
    price = Money(amount, source)

    there = convert(price, rate, target)
    back = convert(there, Decimal(1) / rate, source)

    # Each leg rounds by at most half a minor unit; the first leg's error is scaled by 1/rate
    # and by the difference of exponents on the way back.
    bound = (
        Decimal("0.5")
        + Decimal("0.5") * Decimal(10) ** (exponent(source) - exponent(target)) / rate
    )
    assert abs(back.amount - amount) <= bound + Decimal("1e-9")
    assert there.currency == target
    assert type(there.amount) is int


@given(prices, currencies, rates, currencies)
def test_conversion_is_the_exact_product_rounded_half_up(
    amount: int, source: str, rate: Decimal, target: str
) -> None:
    converted = convert(Money(amount, source), rate, target)

    exact = Money(amount, source).to_decimal() * rate * Decimal(10) ** exponent(target)
    assert abs(converted.amount - exact) <= Decimal("0.5")


def test_non_positive_rates_are_refused() -> None:
    with pytest.raises(ValueError, match="positive"):
        convert(Money(100, "EUR"), Decimal(0), "RUB")


@given(prices, st.sampled_from([1, 5, 10, 100, 1000]))
def test_round_to_increment_gives_the_nearest_multiple(amount: int, increment: int) -> None:
    rounded = round_to_increment(amount, increment)

    assert rounded % increment == 0
    assert abs(rounded - amount) * 2 <= increment


@given(positive_prices, rules)
def test_rounding_gives_multiples_of_the_increment_or_the_charm_ending(
    amount: int, rule: RoundingRule
) -> None:
    rounded = apply_rounding(Money(amount, "EUR"), rule)

    assert type(rounded.amount) is int
    if rule.ending is None:
        assert rounded.amount % rule.increment == 0
    else:
        assert rounded.amount % 100 == rule.ending


@given(positive_prices, rules)
def test_rounding_never_turns_a_positive_price_into_zero(amount: int, rule: RoundingRule) -> None:
    assert apply_rounding(Money(amount, "EUR"), rule).amount > 0


@given(positive_prices, st.integers(min_value=1, max_value=99))
def test_charm_price_is_the_nearest_amount_with_that_ending(amount: int, ending: int) -> None:
    rounded = apply_rounding(Money(amount, "EUR"), RoundingRule(ending=ending)).amount

    assert rounded % 100 == ending
    # Nearest such price, unless that would be zero or less (then the smallest one).
    assert abs(rounded - amount) * 2 <= 100 or rounded == ending


@given(positive_prices)
def test_whole_unit_ending_rounds_to_whole_units_never_to_zero(amount: int) -> None:
    rounded = apply_rounding(Money(amount, "EUR"), RoundingRule(ending=0)).amount

    assert rounded % 100 == 0
    assert rounded >= 100
    assert abs(rounded - amount) * 2 <= 100 or rounded == 100


@given(currencies, rules)
def test_a_free_item_stays_free(currency: str, rule: RoundingRule) -> None:
    assume(rule.ending is None or rule.ending < 10 ** exponent(currency))

    assert apply_rounding(Money(0, currency), rule).amount == 0


@given(prices)
def test_roubles_round_to_whole_roubles(amount: int) -> None:
    rounded = apply_rounding(Money(amount, "RUB"), rounding_for("RUB")).amount

    assert rounded % 100 == 0
    assert abs(rounded - amount) * 2 <= 100 or rounded == 100


def test_ending_that_does_not_fit_the_currency_is_refused() -> None:
    with pytest.raises(ValueError, match="does not fit"):
        apply_rounding(Money(1000, "JPY"), RoundingRule(ending=99))


@pytest.mark.parametrize(
    ("amount", "rate", "target", "expected"),
    [
        (129900, "0.0105", "EUR", 1399),  # 13.6395 EUR → nearest .99 is 13.99
        (129900, "0.0301", "GEL", 3910),  # 39.0999 GEL → whole tens of tetri
        (99, "0.0105", "EUR", 99),  # 0.01 EUR still sells for 0.99, never for 0
        (129900, "1", "JPY", 1299),  # no retail rule: exact conversion
    ],
)
def test_retail_conversion_examples(amount: int, rate: str, target: str, expected: int) -> None:
    assert convert_retail(Money(amount, "RUB"), Decimal(rate), target).amount == expected


@pytest.mark.parametrize(
    ("amount", "expected"), [(1234, 1199), (1248, 1199), (1249, 1299), (1250, 1299)]
)
def test_euro_charm_examples_ties_go_up(amount: int, expected: int) -> None:
    assert apply_rounding(Money(amount, "EUR"), rounding_for("EUR")).amount == expected
