"""Passwordless sign-in rules: destinations, codes, expiry and attempts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omnishop.customers import otp_rules
from omnishop.kernel.errors import ValidationFailed

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("raw", "kind", "value"),
    [
        (" Anna@Example.COM ", "email", "anna@example.com"),
        ("+7 (900) 123-45-67", "phone", "+79001234567"),
        ("00995 555 12 34 56", "phone", "+995555123456"),
        ("+49.30.1234567", "phone", "+49301234567"),
    ],
)
def test_a_destination_is_an_email_or_an_international_phone(
    raw: str, kind: str, value: str
) -> None:
    found = otp_rules.destination(raw)
    assert (found.kind, found.value) == (kind, value)


@pytest.mark.parametrize(
    "raw", ["", "anna", "anna@", "@example.com", "89001234567", "+0123456789", "+7 12", "a@b@c.de"]
)
def test_anything_else_is_refused_naming_the_field(raw: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        otp_rules.destination(raw)
    assert refused.value.field == "destination"


@given(st.integers(min_value=0, max_value=200))
def test_codes_are_six_digits(_: int) -> None:
    code = otp_rules.new_code()
    assert len(code) == otp_rules.CODE_LENGTH and code.isdigit()


def test_a_typed_code_is_cleaned_or_refused() -> None:
    assert otp_rules.clean_code(" 012 345 ") == "012345"
    assert otp_rules.clean_code("12345") is None
    assert otp_rules.clean_code("12a456") is None
    assert otp_rules.clean_code("") is None


def test_the_hash_depends_on_key_code_and_its_id() -> None:
    base = otp_rules.code_hash("k", "id-1", "123456")
    assert base == otp_rules.code_hash("k", "id-1", "123456")
    assert base != otp_rules.code_hash("other", "id-1", "123456")
    assert base != otp_rules.code_hash("k", "id-2", "123456")
    assert base != otp_rules.code_hash("k", "id-1", "123457")
    assert "123456" not in base


@pytest.mark.parametrize(
    ("expires_in", "used", "attempts", "usable"),
    [
        (timedelta(minutes=5), False, 0, True),
        (timedelta(minutes=5), False, otp_rules.MAX_ATTEMPTS - 1, True),
        (timedelta(minutes=5), False, otp_rules.MAX_ATTEMPTS, False),
        (timedelta(0), False, 0, False),
        (timedelta(minutes=-1), False, 0, False),
        (timedelta(minutes=5), True, 0, False),
    ],
)
def test_a_code_is_usable_until_used_expired_or_out_of_attempts(
    expires_in: timedelta, used: bool, attempts: int, usable: bool
) -> None:
    assert (
        otp_rules.usable(
            now=NOW,
            expires_at=NOW + expires_in,
            used_at=NOW if used else None,
            attempts=attempts,
        )
        is usable
    )
