"""Listing filters from the address bar: forgiving amounts, clean attribute values, chips."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from omnishop.storefront import filters
from omnishop.storefront.filters import Chosen


def test_amounts_in_major_units_become_minor_units_per_currency() -> None:
    assert filters.to_minor("1 999,50", "RUB") == 199950
    assert filters.to_minor("10", "EUR") == 1000
    assert filters.to_minor("0.005", "EUR") == 1  # half up
    assert filters.to_minor("1500", "JPY") == 1500  # no minor unit
    assert filters.to_minor("12.5", "GEL") == 1250


def test_what_is_not_an_amount_is_ignored() -> None:
    for junk in ["", None, "abc", "-1", "NaN", "Infinity", "1e999", "1.2.3", "9" * 30]:
        assert filters.to_minor(junk, "RUB") is None


def test_major_units_for_the_inputs() -> None:
    assert filters.to_major(199950, "RUB") == "1999.5"
    assert filters.to_major(199900, "RUB") == "1999"
    assert filters.to_major(1500, "JPY") == "1500"
    assert filters.to_major(None, "RUB") == ""


def test_a_reversed_range_is_swapped() -> None:
    chosen = filters.parse([("price_min", "300"), ("price_max", "100")], "RUB")
    assert (chosen.price_min, chosen.price_max) == (10000, 30000)


def test_without_a_currency_there_is_no_price_filter() -> None:
    assert filters.parse([("price_min", "300")], None).price_min is None


def test_attributes_keep_valid_codes_and_distinct_values_in_order() -> None:
    chosen = filters.parse(
        [
            ("a.color", "red"),
            ("a.color", " blue "),
            ("a.color", "red"),
            ("a.", "x"),
            ("a.bad code", "x"),
            ("a.size", ""),
            ("a.size", "x" * 201),
            ("a.nul", "a\x00b"),
            ("color", "green"),
        ],
        "RUB",
    )
    assert chosen.attributes == {"color": ["red", "blue"]}


def test_attributes_are_capped() -> None:
    many = [(f"a.c{i}", "v") for i in range(30)] + [("a.c0", f"v{i}") for i in range(30)]
    chosen = filters.parse(many, None)
    assert len(chosen.attributes) == filters.MAX_ATTRIBUTES
    assert len(chosen.attributes["c0"]) == filters.MAX_VALUES


def test_each_chip_removes_only_itself_and_the_cursor() -> None:
    params = [
        ("a.color", "red"),
        ("a.color", "blue"),
        ("price_min", "10"),
        ("in_stock", "1"),
        ("cursor", "abc"),
        ("lang", "en"),
    ]
    chosen = filters.parse(params, "EUR")
    chips = filters.chips("/c/x", params, chosen, "EUR")
    assert [(c.kind, c.value, c.href) for c in chips] == [
        ("price_min", "10", "/c/x?a.color=red&a.color=blue&in_stock=1&lang=en"),
        ("attribute", "red", "/c/x?a.color=blue&price_min=10&in_stock=1&lang=en"),
        ("attribute", "blue", "/c/x?a.color=red&price_min=10&in_stock=1&lang=en"),
        ("in_stock", "", "/c/x?a.color=red&a.color=blue&price_min=10&lang=en"),
    ]
    assert chips[1].label == "Color"


def test_groups_show_counted_values_and_chosen_ones_missing_from_the_counts() -> None:
    chosen = Chosen(attributes={"color": ["red", "teal"], "size": ["xl"]})
    groups = filters.groups({"color": [("red", 2), ("blue", 1)]}, chosen)
    assert [(g.code, [(o.value, o.count, o.checked) for o in g.options]) for g in groups] == [
        ("color", [("red", 2, True), ("blue", 1, False), ("teal", None, True)]),
        ("size", [("xl", None, True)]),
    ]
    assert filters.groups(None, Chosen()) == []


NAMES = st.one_of(
    st.text(max_size=70),
    st.text(max_size=65).map(lambda s: "a." + s),
    st.from_regex(r"a\.[a-z_]{1,8}", fullmatch=True),
    st.sampled_from(["price_min", "price_max", "in_stock", "cursor"]),
)


@given(st.lists(st.tuples(NAMES, st.text(max_size=250)), max_size=50))
def test_any_parameters_parse_into_something_the_search_accepts(
    params: list[tuple[str, str]],
) -> None:
    from omnishop.search.schemas import SearchQuery

    chosen = filters.parse(params, "RUB")
    SearchQuery(
        price_min=chosen.price_min, price_max=chosen.price_max, attributes=chosen.attributes
    )
    filters.chips("/c/x", params, chosen, "RUB")


@given(st.integers(min_value=0, max_value=10**15), st.sampled_from(["RUB", "EUR", "JPY"]))
def test_major_and_minor_round_trip(amount: int, currency: str) -> None:
    assert filters.to_minor(filters.to_major(amount, currency), currency) == amount


def test_groups_use_staff_names_order_and_hide_unfilterable_attributes() -> None:
    labels = {
        "size": filters.Label("Размер", True, 0),
        "color": filters.Label("Цвет", True, 1),
        "model": filters.Label("", False, 2),
    }
    counted = {"color": [("red", 1)], "model": [("X1", 1)], "size": [("xl", 1)], "ram": [("8", 1)]}
    groups = filters.groups(counted, Chosen(), labels)
    assert [(g.code, g.label) for g in groups] == [
        ("ram", "Ram"),
        ("size", "Размер"),
        ("color", "Цвет"),
    ]
    # a hidden attribute chosen in the address is still shown, so it can be unticked
    chosen = Chosen(attributes={"model": ["X1"]})
    assert "model" in [g.code for g in filters.groups(counted, chosen, labels)]
