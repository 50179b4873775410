"""Customer segments that promotions can target, derived from what the customer bought.

Behavioural segments need no marketing team to maintain them: they follow from the
purchase history that checkout loads once per cart. Promotion conditions accept only these
names, so a condition can never name a segment nobody is ever in.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal, get_args

Segment = Literal["new", "returning", "frequent", "lapsed"]
SEGMENTS: tuple[str, ...] = get_args(Segment)

# Three kept orders within a year make a frequent buyer; half a year of silence a lapsed one.
FREQUENT_ORDERS = 3
YEAR = timedelta(days=365)
LAPSED_AFTER = timedelta(days=180)


def segments_of(
    *, kept_orders: int, kept_last_year: int, last_order_at: datetime | None, now: datetime
) -> frozenset[str]:
    """The segments of a buyer with ``kept_orders`` earlier orders that were not canceled
    (``kept_last_year`` of them within the last year, the latest at ``last_order_at``)."""
    if kept_orders <= 0:
        return frozenset({"new"})
    found = {"returning"}
    if kept_last_year >= FREQUENT_ORDERS:
        found.add("frequent")
    if last_order_at is not None and now - last_order_at > LAPSED_AFTER:
        found.add("lapsed")
    return frozenset(found)
