"""Allocation maths: distances, how a quantity splits over locations, what a place lacks."""

from __future__ import annotations

import pytest

from omnishop.inventory import rules

MOSCOW = (55.7558, 37.6173)
SPB = (59.9343, 30.3351)


def test_distance_is_the_great_circle_in_km() -> None:
    assert rules.distance_km(MOSCOW, SPB) == pytest.approx(634, abs=5)
    assert rules.distance_km(SPB, MOSCOW) == pytest.approx(rules.distance_km(MOSCOW, SPB))
    assert rules.distance_km(MOSCOW, MOSCOW) == 0
    assert rules.distance_km((0, 0), (0, 180)) == pytest.approx(20015, abs=5)


@pytest.mark.parametrize(
    ("point", "ok"),
    [((0, 0), True), ((90, 180), True), ((-90, -180), True), ((91, 0), False),
     ((0, 181), False), ((float("nan"), 0), False), ((0, float("inf")), False)],
)  # fmt: skip
def test_valid_point(point: tuple[float, float], ok: bool) -> None:
    assert rules.valid_point(point) is ok


def test_one_location_with_it_all_takes_it_whole() -> None:
    assert rules.plan_takes(4, [("a", 2), ("b", 5), ("c", 9)]) == [("b", 4)]
    assert rules.plan_takes(2, [("a", 2), ("b", 5)]) == [("a", 2)]


def test_otherwise_the_quantity_splits_in_order() -> None:
    assert rules.plan_takes(7, [("a", 2), ("b", 0), ("c", 3), ("d", 4)]) == [
        ("a", 2),
        ("c", 3),
        ("d", 2),
    ]
    assert rules.plan_takes(9, [("a", 2), ("b", 3), ("c", 4)]) == [("a", 2), ("b", 3), ("c", 4)]


def test_a_short_total_plans_nothing() -> None:
    assert rules.plan_takes(10, [("a", 2), ("b", 3), ("c", 4)]) is None
    assert rules.plan_takes(1, []) is None
    assert rules.plan_takes(1, [("a", -3)]) is None
    assert rules.plan_takes(0, [("a", 1)]) == []


def test_missing_units_counts_only_shortfalls() -> None:
    assert rules.missing_units({"x": 3, "y": 1, "z": 2}, {"x": 1, "y": 5}) == {"x": 2, "z": 2}
    assert rules.missing_units({"x": 3}, {"x": -2}) == {"x": 3}
    assert rules.missing_units({"x": 0}, {}) == {}
