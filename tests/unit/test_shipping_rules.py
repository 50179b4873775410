"""Checkout rules without a database: contact checks, zones, rates, hold arithmetic."""

from __future__ import annotations

import uuid

import pytest

from omnishop.checkout import rules
from omnishop.kernel.errors import ValidationFailed

A, B, C = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()


@pytest.mark.parametrize(
    ("raw", "clean"),
    [("+7 (916) 123-45-67", "+79161234567"), ("0099532123456", "+99532123456")],
)
def test_phones_become_e164(raw: str, clean: str) -> None:
    assert rules.check_phone(raw) == clean


@pytest.mark.parametrize(
    "raw", ["89161234567", "+0123456789", "+7 916", "phone", "+7916123456789012"]
)
def test_phones_without_a_country_code_or_of_wrong_length_are_refused(raw: str) -> None:
    with pytest.raises(ValidationFailed) as err:
        rules.check_phone(raw, field="phone")
    assert err.value.field == "phone"


def test_email_domain_is_lower_cased_and_typos_are_refused() -> None:
    assert rules.check_email(" Anna@Example.COM ") == "Anna@example.com"
    for bad in ("anna.example.com", "anna@example", "an na@example.com", "@example.com"):
        with pytest.raises(ValidationFailed):
            rules.check_email(bad)


def test_countries_are_iso_alpha2() -> None:
    assert rules.check_country("ge") == "GE"
    for bad in ("XX", "RUS", "150", ""):
        with pytest.raises(ValidationFailed):
            rules.check_country(bad, field="shipping_address.country")


def test_postcode_patterns_are_prefixes_or_ranges_of_one_length() -> None:
    assert rules.check_postcode_pattern(" sw1 ") == "SW1"
    assert rules.check_postcode_pattern("101000-101999") == "101000-101999"
    for bad in ("101999-101000", "1010-101999", "10*", "a-b"):
        with pytest.raises(ValidationFailed):
            rules.check_postcode_pattern(bad)


@pytest.mark.parametrize(
    ("postcode", "pattern", "matches"),
    [
        ("101000", "101000-101999", True),
        ("101999", "101000-101999", True),
        ("102000", "101000-101999", False),
        ("1010000", "101000-101999", False),  # a longer code is not in the range
        ("SW1A 1AA", "SW1", True),
        ("sw1a1aa", "SW1", True),
        ("SE1", "SW1", False),
    ],
)
def test_postcode_matching(postcode: str, pattern: str, matches: bool) -> None:
    assert rules.postcode_matches(postcode, pattern) is matches


def test_a_zone_covers_its_countries_narrowed_by_region_and_postcode() -> None:
    moscow = {"countries": ["RU"], "regions": [], "postcodes": ["101000-135999"]}
    tbilisi = {"countries": ["GE"], "regions": ["Tbilisi"], "postcodes": []}
    assert rules.zone_matches(**moscow, address={"country": "RU", "postcode": "125009"})
    assert not rules.zone_matches(**moscow, address={"country": "RU", "postcode": "420000"})
    assert not rules.zone_matches(**moscow, address={"country": "RU"})  # no postcode given
    assert not rules.zone_matches(**moscow, address={"country": "BY", "postcode": "125009"})
    assert rules.zone_matches(**tbilisi, address={"country": "GE", "region": " tbilisi "})
    assert not rules.zone_matches(**tbilisi, address={"country": "GE", "region": "Batumi"})
    assert rules.zone_matches(countries=["RU"], regions=[], postcodes=[], address={"country": "RU"})


WEIGHT_TIERS = [{"up_to": 1000, "amount": 300}, {"up_to": 3000, "amount": 500}]


@pytest.mark.parametrize(
    ("grams", "amount"), [(0, 300), (1000, 300), (1001, 500), (3000, 500), (3001, None)]
)
def test_weight_rates_take_the_first_tier_that_fits_and_none_beyond(
    grams: int, amount: int | None
) -> None:
    rate = rules.shipping_rate(
        rate_kind="weight", tiers=WEIGHT_TIERS, free_over=None, weight_grams=grams, order_value=1
    )
    assert rate == amount


def test_value_rates_and_free_shipping_threshold() -> None:
    tiers: list[dict[str, int | None]] = [
        {"up_to": 100000, "amount": 500},
        {"up_to": None, "amount": 200},
    ]

    def rate(value: int, free_over: int | None = None) -> int | None:
        return rules.shipping_rate(
            rate_kind="value",
            tiers=tiers,
            free_over=free_over,
            weight_grams=99999,
            order_value=value,
        )

    assert (rate(100000), rate(100001), rate(10**9)) == (500, 200, 200)
    assert rate(99999, free_over=100000) == 500
    assert rate(100000, free_over=100000) == 0
    # Free shipping applies even beyond the last weight tier.
    assert (
        rules.shipping_rate(
            rate_kind="weight", tiers=WEIGHT_TIERS, free_over=10, weight_grams=10**6, order_value=10
        )
        == 0
    )


def test_flat_rate_is_its_one_amount() -> None:
    assert rules.shipping_rate(
        rate_kind="flat", tiers=[{"amount": 39000}], free_over=None, weight_grams=10**6,
        order_value=0,
    ) == 39000  # fmt: skip


@pytest.mark.parametrize(
    ("kind", "tiers"),
    [
        ("flat", []),
        ("flat", [{"amount": 1}, {"amount": 2}]),
        ("flat", [{"up_to": 5, "amount": 1}]),
        ("weight", [{"up_to": None, "amount": 1}, {"up_to": 5, "amount": 1}]),
        ("weight", [{"up_to": 5, "amount": 1}, {"up_to": 5, "amount": 2}]),
        ("weight", [{"up_to": 5, "amount": -1}]),
        ("volume", [{"amount": 1}]),
    ],
)
def test_malformed_tiers_are_refused(kind: str, tiers: list[dict[str, int | None]]) -> None:
    with pytest.raises(ValidationFailed):
        rules.check_tiers(kind, tiers)


def test_shrinking_gives_back_the_newest_holds_first() -> None:
    holds = [(A, 3), (B, 2), (C, 4)]
    assert rules.shrink_plan(holds, 9) == []
    assert rules.shrink_plan(holds, 7) == [(C, 2)]
    assert rules.shrink_plan(holds, 4) == [(C, 0), (B, 1)]
    assert rules.shrink_plan(holds, 0) == [(C, 0), (B, 0), (A, 0)]


def test_line_quantities_are_1_to_999() -> None:
    assert rules.check_quantity(999) == 999
    assert rules.check_quantity(0, allow_zero=True) == 0
    for bad in (0, 1000, -1):
        with pytest.raises(ValidationFailed):
            rules.check_quantity(bad)
