"""Keyset cursors: what we encode decodes to the same (time, id); anything else is a 422."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omnishop.kernel import keyset
from omnishop.kernel.errors import ValidationFailed


@given(
    at=st.datetimes(timezones=st.just(UTC)),
    row_id=st.uuids(),
)
def test_a_cursor_decodes_to_the_time_and_id_it_was_made_from(
    at: datetime, row_id: uuid.UUID
) -> None:
    assert keyset.decode(keyset.encode(at, row_id)) == (at, row_id)


def test_no_cursor_is_the_first_page() -> None:
    assert keyset.decode(None) is None


def _raw(value: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "",
        "zzz",
        "!!",
        "x" * 500,
        _raw({"at": "2026-01-01T00:00:00", "id": str(uuid.uuid4())}),  # naive time
        _raw({"at": "yesterday", "id": str(uuid.uuid4())}),
        _raw({"at": "2026-01-01T00:00:00+00:00", "id": "not-a-uuid"}),
        _raw({"at": "2026-01-01T00:00:00+00:00"}),
        _raw([1, 2]),
        _raw("x"),
        base64.urlsafe_b64encode(b"\xff\xfe").decode(),
    ],
)
def test_a_cursor_we_did_not_make_is_a_422(cursor: str) -> None:
    with pytest.raises(ValidationFailed):
        keyset.decode(cursor)


@pytest.mark.parametrize("limit", [0, -1, 101])
def test_a_limit_outside_1_to_100_is_a_422(limit: int) -> None:
    with pytest.raises(ValidationFailed):
        keyset.check_limit(limit)
