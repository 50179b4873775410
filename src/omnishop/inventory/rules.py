"""Pure allocation maths: distances between points and how a quantity splits over locations."""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from datetime import datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

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


DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _minutes(hhmm: str) -> int:
    hours, _, minutes = str(hhmm).partition(":")
    return int(hours) * 60 + int(minutes or 0)


def open_at(opening_hours: Mapping[str, Any], timezone: str, at: datetime) -> bool:
    """Whether a location is open at the instant ``at`` (aware) in its own time zone, given
    ``{"mon": [["10:00", "22:00"]], ...}``. A span closing past midnight ("22:00"–"02:00")
    runs into the next day; "24:00" closes at midnight; a missing day is closed."""
    if at.tzinfo is None:
        raise ValueError("at must be timezone-aware")
    local = at.astimezone(ZoneInfo(timezone))
    now = local.hour * 60 + local.minute
    today = DAYS[local.weekday()]
    yesterday = DAYS[(local.weekday() - 1) % 7]
    for start, end in (tuple(span) for span in opening_hours.get(today) or []):
        opens, closes = _minutes(start), _minutes(end)
        if opens < closes and opens <= now < closes:
            return True
        if closes <= opens and now >= opens:  # open past midnight (or round the clock)
            return True
    for start, end in (tuple(span) for span in opening_hours.get(yesterday) or []):
        opens, closes = _minutes(start), _minutes(end)
        if closes <= opens and now < closes:  # yesterday's late span still running
            return True
    return False
