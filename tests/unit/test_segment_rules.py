"""Behavioural customer segments: new, returning, frequent, lapsed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from omnishop.pricing.segment_rules import SEGMENTS, segments_of

NOW = datetime(2026, 11, 28, 12, tzinfo=UTC)


def test_a_buyer_with_no_kept_order_is_new_and_only_new() -> None:
    assert segments_of(kept_orders=0, kept_last_year=0, last_order_at=None, now=NOW) == {"new"}


def test_one_recent_order_makes_a_returning_buyer() -> None:
    recent = NOW - timedelta(days=3)
    assert segments_of(kept_orders=1, kept_last_year=1, last_order_at=recent, now=NOW) == {
        "returning"
    }


def test_three_orders_within_a_year_make_a_frequent_buyer() -> None:
    recent = NOW - timedelta(days=10)
    found = segments_of(kept_orders=5, kept_last_year=3, last_order_at=recent, now=NOW)
    assert found == {"returning", "frequent"}
    assert "frequent" not in segments_of(
        kept_orders=5, kept_last_year=2, last_order_at=recent, now=NOW
    )


def test_half_a_year_of_silence_makes_a_lapsed_buyer() -> None:
    old = NOW - timedelta(days=181)
    assert segments_of(kept_orders=2, kept_last_year=1, last_order_at=old, now=NOW) == {
        "returning",
        "lapsed",
    }
    edge = NOW - timedelta(days=180)
    assert "lapsed" not in segments_of(kept_orders=2, kept_last_year=1, last_order_at=edge, now=NOW)


@given(
    kept=st.integers(0, 50),
    last_year=st.integers(0, 50),
    days_ago=st.one_of(st.none(), st.integers(0, 2000)),
)
def test_segments_are_known_names_and_new_excludes_the_others(
    kept: int, last_year: int, days_ago: int | None
) -> None:
    last = None if days_ago is None else NOW - timedelta(days=days_ago)
    found = segments_of(
        kept_orders=kept, kept_last_year=min(last_year, kept), last_order_at=last, now=NOW
    )
    assert found <= set(SEGMENTS) and found
    assert ("new" in found) == (kept == 0)
    assert ("new" in found) != ("returning" in found)
