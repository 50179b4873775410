"""Money: integer minor units per ISO 4217 exponent, Decimal maths, never floats."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omnishop.kernel.errors import ValidationFailed
from omnishop.kernel.money import Money, check_currency, exponent, zero

CURRENCIES = ["RUB", "JPY", "KWD", "EUR", "GEL"]
amounts = st.integers(min_value=-(10**15), max_value=10**15)
currencies = st.sampled_from(CURRENCIES)
majors = st.decimals(
    min_value=Decimal("-1e9"),
    max_value=Decimal("1e9"),
    allow_nan=False,
    allow_infinity=False,
    places=6,
)


def test_exponents_follow_iso_4217() -> None:
    assert (exponent("RUB"), exponent("JPY"), exponent("KWD")) == (2, 0, 3)


@given(amounts, currencies)
def test_minor_units_survive_a_round_trip_through_decimal(amount: int, currency: str) -> None:
    money = Money(amount, currency)

    back = Money.from_decimal(money.to_decimal(), currency)

    assert back == money
    assert isinstance(money.to_decimal(), Decimal)


@given(majors, currencies)
def test_from_decimal_quantizes_to_the_currency_exponent_within_half_a_minor_unit(
    value: Decimal, currency: str
) -> None:
    money = Money.from_decimal(value, currency)

    as_decimal = money.to_decimal()
    assert type(money.amount) is int
    assert as_decimal.as_tuple().exponent == -exponent(currency) or money.amount == 0
    assert abs(as_decimal - value) <= Decimal(5).scaleb(-exponent(currency) - 1)


@pytest.mark.parametrize(
    ("value", "currency", "minor"),
    [
        ("12.345", "RUB", 1235),  # half-up, not banker's rounding
        ("12.344", "RUB", 1234),
        ("1299.5", "JPY", 1300),
        ("1.2345", "KWD", 1235),
        ("-0.005", "EUR", -1),
    ],
)
def test_half_up_rounding_examples(value: str, currency: str, minor: int) -> None:
    assert Money.from_decimal(value, currency).amount == minor


@given(amounts, amounts, currencies)
def test_addition_and_subtraction_are_exact(a: int, b: int, currency: str) -> None:
    total = Money(a, currency) + Money(b, currency)

    assert total.amount == a + b
    assert (total - Money(b, currency)) == Money(a, currency)


def test_mixing_currencies_is_refused() -> None:
    with pytest.raises(ValueError, match="currency mismatch"):
        Money(100, "RUB") + Money(100, "EUR")


@given(st.integers(min_value=0, max_value=10**12), st.integers(min_value=0, max_value=1000))
def test_multiply_by_a_quantity_is_exact(amount: int, quantity: int) -> None:
    assert Money(amount, "RUB").multiply(quantity).amount == amount * quantity


def test_multiply_by_a_fraction_rounds_half_up_to_whole_minor_units() -> None:
    assert Money(1, "EUR").multiply(Decimal("0.5")).amount == 1
    assert type(Money(333, "EUR").multiply(Decimal("0.333")).amount) is int


def test_formatting_goes_through_babel_per_locale() -> None:
    assert Money(1299, "EUR").format("en") == "€12.99"
    assert Money(129900, "RUB").format("ru") == "1\xa0299,00\xa0₽"
    assert Money(1300, "JPY").format("en") == "¥1,300"


def test_unknown_currencies_name_the_field() -> None:
    assert check_currency("eur") == "EUR"
    with pytest.raises(ValidationFailed) as exc:
        check_currency("ZZZ", field="base")
    assert exc.value.field == "base"
    assert zero("GEL") == Money(0, "GEL")
