"""Pure allocation maths: distances between points and how a quantity splits over locations."""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from typing import TypeVar

EARTH_RADIUS_KM = 6371.0088
K = TypeVar("K", bound=Hashable)


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle (haversine) distance between two (latitude, longitude) points in km."""
    lat1, lon1 = map(math.radians, a)
    lat2, lon2 = map(math.radians, b)
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def valid_point(point: tuple[float, float]) -> bool:
    """A (latitude, longitude) pair on the globe."""
    lat, lon = point
    return math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180


def plan_takes(quantity: int, available: Sequence[tuple[K, int]]) -> list[tuple[K, int]] | None:
    """Where to take ``quantity`` from, given locations in preference order with what each
    has available. The first location that has it all takes it whole; otherwise the quantity
    is split over the locations in order, each giving what it has. ``None`` if the total falls
    short (nothing should be taken then)."""
    if quantity <= 0:
        return []
    usable = [(key, n) for key, n in available if n > 0]
    for key, n in usable:
        if n >= quantity:
            return [(key, quantity)]
    if sum(n for _, n in usable) < quantity:
        return None
    plan: list[tuple[K, int]] = []
    remaining = quantity
    for key, n in usable:
        take = min(n, remaining)
        plan.append((key, take))
        remaining -= take
        if remaining == 0:
            break
    return plan


def missing_units(needs: dict[K, int], have: dict[K, int]) -> dict[K, int]:
    """Units short per key: what ``needs`` asks for beyond what ``have`` holds."""
    return {
        key: need - max(have.get(key, 0), 0)
        for key, need in needs.items()
        if need > max(have.get(key, 0), 0)
    }
