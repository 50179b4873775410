"""Tax, duty and landed-cost maths: worked examples and hypothesis properties. No database."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omnishop.kernel.money import Money
from omnishop.pricing.tax_rules import (
    DutyInput,
    DutyRule,
    Rounding,
    RoundingLevel,
    TaxInput,
    TaxPolicy,
    allocate,
    basis_points,
    below_de_minimis,
    compute_duties,
    compute_tax,
    crosses_customs,
    exact_tax,
    landed_cost,
    match_hs_prefix,
    percent,
    round_minor,
    share_out,
)

INCL = TaxPolicy(prices_include_tax=True)
EXCL = TaxPolicy(prices_include_tax=False)
amounts = st.integers(min_value=0, max_value=10**10)
rates = st.sampled_from(
    [Decimal(0), percent(10), percent(18), percent(19), percent(20), percent("8.875"), percent(7)]
)
tax_inputs = st.lists(st.builds(TaxInput, amounts, rates), min_size=1, max_size=12)
policies = st.builds(
    TaxPolicy,
    st.booleans(),
    st.sampled_from(list(RoundingLevel)),
    st.sampled_from(list(Rounding)),
)


# --- worked examples ---


def test_vat_20_is_extracted_from_a_tax_inclusive_price() -> None:
    # 1 200,00 ₽ with 20 % VAT inside: 200,00 ₽ of it is tax.
    [line] = compute_tax([TaxInput(120000, percent(20))], INCL).lines
    assert (line.net, line.tax, line.gross) == (100000, 20000, 120000)


def test_sales_tax_is_added_to_a_tax_exclusive_price() -> None:
    # $100.00 in New York at 8.875 %: $8.875 rounds half-up to $8.88.
    [line] = compute_tax([TaxInput(10000, percent("8.875"))], EXCL).lines
    assert (line.net, line.tax, line.gross) == (10000, 888, 10888)


def test_banker_rounding_rounds_the_half_to_even() -> None:
    policy = TaxPolicy(prices_include_tax=False, rounding=Rounding.HALF_EVEN)
    [line] = compute_tax([TaxInput(10000, percent("8.875"))], policy).lines
    assert line.tax == 888  # 887.5 → 888 (even)
    [line] = compute_tax([TaxInput(10000, percent("8.865"))], policy).lines
    assert line.tax == 886  # 886.5 → 886 (even)


def test_rounding_per_line_and_per_total_can_differ_by_a_minor_unit() -> None:
    # Three lines of 0,05 ₽ at 10 % exclusive: each 0.5 kopeck of tax.
    lines = [TaxInput(5, percent(10))] * 3
    per_line = compute_tax(lines, TaxPolicy(False, RoundingLevel.LINE))
    per_total = compute_tax(lines, TaxPolicy(False, RoundingLevel.TOTAL))
    assert per_line.tax == 3  # 1 + 1 + 1
    assert per_total.tax == 2  # round(1.5)
    assert [x.tax for x in per_total.lines] == [1, 1, 0]


def test_per_total_rounding_groups_by_rate() -> None:
    lines = [TaxInput(5, percent(10)), TaxInput(5, percent(20)), TaxInput(5, percent(10))]
    result = compute_tax(lines, TaxPolicy(False, RoundingLevel.TOTAL))
    assert result.by_rate() == {percent(10): 1, percent(20): 1}
    assert [x.tax for x in result.lines] == [1, 1, 0]


def test_zero_rate_and_zero_amount_carry_no_tax() -> None:
    result = compute_tax([TaxInput(0, percent(20)), TaxInput(999, Decimal(0))], INCL)
    assert result.tax == 0
    assert result.net == result.gross == 999


def test_negative_amounts_and_rates_are_refused() -> None:
    with pytest.raises(ValueError):
        exact_tax(-1, percent(20), inclusive=True)
    with pytest.raises(ValueError):
        exact_tax(1, Decimal(-1), inclusive=False)


def test_rates_from_percent_and_basis_points_agree() -> None:
    assert percent("8.875") == basis_points(887) + Decimal("0.00005")
    assert percent(20) == basis_points(2000) == Decimal("0.2")


def test_round_minor_modes() -> None:
    assert round_minor(Decimal("2.5")) == 3
    assert round_minor(Decimal("2.5"), Rounding.HALF_EVEN) == 2
    assert round_minor(Decimal("3.5"), Rounding.HALF_EVEN) == 4


def test_share_out_refuses_a_total_that_is_not_a_rounding() -> None:
    with pytest.raises(ValueError):
        share_out(5, [Decimal("1.5"), Decimal("1.5")])
    assert share_out(3, [Decimal("1.5"), Decimal("1.5")]) == [2, 1]


def test_allocate_splits_in_proportion_and_equally_over_zero_weights() -> None:
    assert allocate(100, [1, 1, 2]) == [25, 25, 50]
    assert allocate(10, [1, 1, 1]) == [4, 3, 3]
    assert allocate(5, [0, 0]) == [3, 2]
    assert allocate(7, []) == []


def test_customs_is_crossed_between_countries_but_not_inside_the_eu() -> None:
    assert crosses_customs("DE", "GE")
    assert crosses_customs("RU", "GE")
    assert not crosses_customs("DE", "FR")
    assert not crosses_customs("RU", "RU")


def test_the_longest_hs_prefix_wins() -> None:
    prefixes = ["", "95", "9504", "950450"]
    assert match_hs_prefix("9504500000", prefixes) == "950450"
    assert match_hs_prefix("9504300000", prefixes) == "9504"
    assert match_hs_prefix("8528", prefixes) == ""
    assert match_hs_prefix(None, prefixes) == ""
    assert match_hs_prefix("8528", ["95"]) is None


# --- duties ---

GE_RULE = DutyRule(percent(12), percent(18), 30000, "GEL", de_minimis_covers_vat=True)
EU_RULE = DutyRule(percent(4), percent(19), 15000, "EUR", de_minimis_covers_vat=False)


def test_duty_then_import_vat_on_value_plus_duty_above_the_threshold() -> None:
    # 200 EUR goods + 20 EUR shipping to Georgia; 1 EUR = 2.9 GEL → 638 GEL > 300 GEL.
    result = compute_duties(
        [DutyInput(20000, GE_RULE)], shipping=2000, currency="EUR", fx_rates={"GEL": Decimal("2.9")}
    )
    [line] = result.lines
    assert line.customs_value == 22000
    assert line.duty == 2640  # 12 % of 220.00
    assert line.import_vat == 4435  # 18 % of 246.40 = 44.352
    assert result.total == 7075


def test_below_de_minimis_no_duty_and_no_import_vat_where_the_country_waives_it() -> None:
    # 90 EUR + 10 EUR = 100 EUR = 290 GEL ≤ 300 GEL.
    result = compute_duties(
        [DutyInput(9000, GE_RULE)], shipping=1000, currency="EUR", fx_rates={"GEL": Decimal("2.9")}
    )
    assert (result.duty, result.import_vat, result.customs_value) == (0, 0, 10000)


def test_eu_de_minimis_waives_duty_but_not_import_vat() -> None:
    result = compute_duties([DutyInput(10000, EU_RULE)], shipping=0, currency="EUR")
    assert (result.duty, result.import_vat) == (0, 1900)


def test_the_threshold_itself_is_still_exempt_and_one_unit_more_is_not() -> None:
    at = compute_duties([DutyInput(15000, EU_RULE)], shipping=0, currency="EUR")
    above = compute_duties([DutyInput(15001, EU_RULE)], shipping=0, currency="EUR")
    assert at.duty == 0
    assert above.duty == 600


def test_without_an_fx_rate_a_foreign_threshold_does_not_exempt() -> None:
    assert not below_de_minimis(Money(100, "EUR"), GE_RULE, None)
    assert below_de_minimis(Money(100, "EUR"), GE_RULE, Decimal("2.9"))
    assert not below_de_minimis(Money(1, "GEL"), DutyRule(percent(5), percent(0), 0, "GEL"), None)


def test_shipping_is_shared_over_the_lines_and_lines_without_a_rule_pay_nothing() -> None:
    result = compute_duties(
        [DutyInput(30000, EU_RULE), DutyInput(10000, None)], shipping=1000, currency="EUR"
    )
    assert [x.customs_value for x in result.lines] == [30750, 10250]
    assert result.lines[1].duty == result.lines[1].import_vat == 0
    assert result.lines[0].duty == 1230


def test_landed_cost_adds_duties_only_under_ddp() -> None:
    assert landed_cost(goods=10000, shipping=500, tax_added=0, duties=700, ddp=True) == 11200
    assert landed_cost(goods=10000, shipping=500, tax_added=888, duties=700, ddp=False) == 11388


# --- properties ---


@given(tax_inputs, policies)
def test_net_plus_tax_is_gross_per_line_and_in_total(lines: list[TaxInput], p: TaxPolicy) -> None:
    result = compute_tax(lines, p)
    for line, source in zip(result.lines, lines, strict=True):
        assert line.net + line.tax == line.gross
        assert (line.gross if p.prices_include_tax else line.net) == source.amount
        assert 0 <= line.tax <= (line.gross if p.prices_include_tax else line.tax)
        assert line.net >= 0
    assert result.net + result.tax == result.gross


@given(tax_inputs, policies)
def test_per_line_taxes_sum_to_the_total_and_stay_within_a_unit_of_exact(
    lines: list[TaxInput], p: TaxPolicy
) -> None:
    result = compute_tax(lines, p)
    assert sum(x.tax for x in result.lines) == result.tax == sum(result.by_rate().values())
    for line, source in zip(result.lines, lines, strict=True):
        exact = exact_tax(source.amount, source.rate, inclusive=p.prices_include_tax)
        assert abs(line.tax - exact) < 1


@given(tax_inputs, st.booleans(), st.sampled_from(list(Rounding)))
def test_per_total_tax_of_each_rate_is_its_exact_sum_rounded_once(
    lines: list[TaxInput], inclusive: bool, rounding: Rounding
) -> None:
    result = compute_tax(lines, TaxPolicy(inclusive, RoundingLevel.TOTAL, rounding))
    for rate, tax in result.by_rate().items():
        exact = sum(
            (exact_tax(x.amount, x.rate, inclusive=inclusive) for x in lines if x.rate == rate),
            Decimal(0),
        )
        assert tax == round_minor(exact, rounding)


@given(amounts, rates, rates, st.booleans(), policies)
def test_tax_never_falls_when_the_rate_rises(
    amount: int, r1: Decimal, r2: Decimal, inclusive: bool, p: TaxPolicy
) -> None:
    low, high = sorted([r1, r2])
    policy = TaxPolicy(inclusive, p.level, p.rounding)
    assert (
        compute_tax([TaxInput(amount, low)], policy).tax
        <= compute_tax([TaxInput(amount, high)], policy).tax
    )


@given(st.integers(0, 10**9), st.lists(st.integers(0, 10**9), min_size=1, max_size=10))
def test_allocation_adds_up_exactly(total: int, weights: list[int]) -> None:
    parts = allocate(total, weights)
    assert sum(parts) == total
    assert all(p >= 0 for p in parts)


duty_rules = st.builds(
    DutyRule,
    st.sampled_from([Decimal(0), percent(4), percent(12), percent("17.5")]),
    st.sampled_from([Decimal(0), percent(18), percent(19), percent(20)]),
    st.integers(0, 100_000),
    st.just("EUR"),
    st.booleans(),
)


@given(
    st.lists(st.tuples(st.integers(0, 10**7), st.one_of(st.none(), duty_rules)), max_size=8),
    st.integers(0, 10**6),
)
def test_duty_invariants(lines: list[tuple[int, DutyRule | None]], shipping: int) -> None:
    inputs = [DutyInput(a, r) for a, r in lines]
    result = compute_duties(inputs, shipping=shipping, currency="EUR")
    goods = sum(a for a, _ in lines)
    if lines:
        assert result.customs_value == goods + shipping
    for line, (_, rule) in zip(result.lines, lines, strict=True):
        assert line.duty >= 0 and line.import_vat >= 0
        if rule is None:
            assert line.duty == line.import_vat == 0
        elif 0 < goods + shipping <= rule.de_minimis:
            # Below de minimis: never any duty.
            assert line.duty == 0
            if rule.de_minimis_covers_vat:
                assert line.import_vat == 0
    assert result.total == result.duty + result.import_vat


@given(st.integers(0, 10**7), st.integers(0, 10**6), duty_rules)
def test_duties_never_fall_when_the_consignment_grows(
    goods: int, extra: int, rule: DutyRule
) -> None:
    small = compute_duties([DutyInput(goods, rule)], shipping=0, currency="EUR")
    large = compute_duties([DutyInput(goods + extra, rule)], shipping=0, currency="EUR")
    assert small.total <= large.total
