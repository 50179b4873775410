"""Click & collect rules without a database: pickup codes, attempts and locking, expiry, and
whether a location is open at an instant in its own time zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omnishop.inventory.rules import open_at
from omnishop.kernel.errors import ValidationFailed
from omnishop.orders import pickup_rules as rules
from omnishop.orders.pickup_rules import MAX_ATTEMPTS, PickupLocked, PickupNotReady, PickupStatus


def test_a_pickup_code_is_six_digits_and_depends_on_secret_order_and_salt() -> None:
    code = rules.pickup_code("secret", "order-1", "salt")
    assert len(code) == 6 and code.isdigit()
    assert code == rules.pickup_code("secret", "order-1", "salt")  # derivable again
    others = {
        rules.pickup_code("other", "order-1", "salt"),
        rules.pickup_code("secret", "order-2", "salt"),
        rules.pickup_code("secret", "order-1", "salt2"),
    }
    assert code not in others


def test_codes_spread_over_the_whole_range() -> None:
    codes = [rules.pickup_code("s", "o", str(i)) for i in range(2000)]
    assert len(set(codes)) > 1990  # few collisions among 10**6 values
    assert any(c.startswith("0") for c in codes)  # leading zeros are kept


@pytest.mark.parametrize(
    ("raw", "code"),
    [("123456", "123456"), (" 123 456 ", "123456"), ("123-456", "123456"),
     ("OMNISHOP-PICKUP:WEB-000042:004211", "004211"), ("omnishop-pickup:X:000001", "000001")],
)  # fmt: skip
def test_typed_or_scanned_codes_are_normalised(raw: str, code: str) -> None:
    assert rules.normalize_code(raw) == code


@pytest.mark.parametrize("raw", ["", "12345", "1234567", "12345a", "OMNISHOP-PICKUP:X:12"])
def test_anything_but_six_digits_is_refused(raw: str) -> None:
    with pytest.raises(ValidationFailed):
        rules.normalize_code(raw)


def test_the_qr_payload_names_the_order_and_its_code() -> None:
    payload = rules.qr_payload("WEB-000042", "004211")
    assert payload == "OMNISHOP-PICKUP:WEB-000042:004211"
    assert rules.normalize_code(payload) == "004211"


def test_the_right_code_hands_over() -> None:
    assert rules.check_attempt("ready", 2, False, "111111", "111111").ok


def test_a_wrong_code_counts_and_the_last_allowed_one_locks() -> None:
    first = rules.check_attempt("ready", 0, False, "111111", "222222")
    assert (first.ok, first.attempts, first.locked, first.left) == (False, 1, False, 4)
    last = rules.check_attempt("ready", MAX_ATTEMPTS - 1, False, "111111", "222222")
    assert (last.ok, last.locked, last.left) == (False, True, 0)


def test_a_locked_pickup_refuses_even_the_right_code() -> None:
    with pytest.raises(PickupLocked):
        rules.check_attempt("ready", 1, True, "111111", "111111")
    with pytest.raises(PickupLocked):
        rules.check_attempt("ready", MAX_ATTEMPTS, False, "111111", "111111")


@pytest.mark.parametrize("status", [PickupStatus.COLLECTED, PickupStatus.EXPIRED])
def test_only_a_ready_pickup_is_handed_over(status: str) -> None:
    with pytest.raises(PickupNotReady):
        rules.check_attempt(status, 0, False, "111111", "111111")


@given(st.lists(st.booleans(), max_size=12))
def test_never_more_than_max_attempts_wrong_codes(rights: list[bool]) -> None:
    """Whatever the sequence of tries, at most MAX_ATTEMPTS wrong codes are ever judged, and
    nothing is handed over once locked."""
    attempts, locked, wrong_judged = 0, False, 0
    for right in rights:
        try:
            got = rules.check_attempt("ready", attempts, locked, "1", "1" if right else "2")
        except PickupLocked:
            assert locked
            continue
        if got.ok:
            assert not locked
            return
        wrong_judged += 1
        attempts, locked = got.attempts, got.locked
    assert wrong_judged <= MAX_ATTEMPTS


def test_expiry_is_the_hold_days_after_ready() -> None:
    ready = datetime(2026, 3, 1, 12, tzinfo=UTC)
    expires = rules.expires_at(ready, 7)
    assert expires == ready + timedelta(days=7)
    assert not rules.is_expired("ready", expires, expires - timedelta(seconds=1))
    assert rules.is_expired("ready", expires, expires)
    assert not rules.is_expired("collected", expires, expires + timedelta(days=1))
    with pytest.raises(ValueError, match="at least"):
        rules.expires_at(ready, 0)


WEEKDAYS = {d: [["10:00", "22:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}
# 2026-03-02 is a Monday.


@pytest.mark.parametrize(
    ("utc", "zone", "is_open"),
    [
        # 07:30 UTC is 10:30 in Moscow (open), 11:30 in Tbilisi (open), 02:30 in New York.
        (datetime(2026, 3, 2, 7, 30, tzinfo=UTC), "Europe/Moscow", True),
        (datetime(2026, 3, 2, 7, 30, tzinfo=UTC), "Asia/Tbilisi", True),
        (datetime(2026, 3, 2, 7, 30, tzinfo=UTC), "America/New_York", False),
        # 06:30 UTC: 09:30 in Moscow (not yet), 10:30 in Tbilisi (open).
        (datetime(2026, 3, 2, 6, 30, tzinfo=UTC), "Europe/Moscow", False),
        (datetime(2026, 3, 2, 6, 30, tzinfo=UTC), "Asia/Tbilisi", True),
        # Closing time is exclusive: 22:00 in Moscow is 19:00 UTC.
        (datetime(2026, 3, 2, 18, 59, tzinfo=UTC), "Europe/Moscow", True),
        (datetime(2026, 3, 2, 19, 0, tzinfo=UTC), "Europe/Moscow", False),
        # Friday 23:00 UTC is Saturday 02:00 in Moscow (closed) but Friday 18:00 in New York.
        (datetime(2026, 3, 6, 23, 0, tzinfo=UTC), "Europe/Moscow", False),
        (datetime(2026, 3, 6, 23, 0, tzinfo=UTC), "America/New_York", True),
    ],
)
def test_open_now_is_judged_in_the_locations_own_time_zone(
    utc: datetime, zone: str, is_open: bool
) -> None:
    assert open_at(WEEKDAYS, zone, utc) is is_open


def test_midnight_and_late_spans() -> None:
    monday_2330 = datetime(2026, 3, 2, 23, 30, tzinfo=UTC)
    assert open_at({"mon": [["20:00", "24:00"]]}, "UTC", monday_2330)
    assert not open_at({"mon": [["20:00", "24:00"]]}, "UTC", monday_2330 + timedelta(hours=1))
    # A span past midnight (from an import) runs into the next morning.
    assert open_at({"mon": [["22:00", "02:00"]]}, "UTC", monday_2330 + timedelta(hours=2))
    assert not open_at({"mon": [["22:00", "02:00"]]}, "UTC", monday_2330 + timedelta(hours=3))
    assert not open_at({}, "UTC", monday_2330)
    with pytest.raises(ValueError, match="aware"):
        open_at(WEEKDAYS, "UTC", datetime(2026, 3, 2, 12))  # noqa: DTZ001
