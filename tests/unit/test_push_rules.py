"""Web push rules: which endpoints and keys are usable, what a push service's status means."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omnishop.customers.push_rules import (
    Outcome,
    b64url_decode,
    delivery_key,
    endpoint_problem,
    keys_problem,
    outcome_of,
)

POINT = base64.urlsafe_b64encode(b"\x04" + b"\x01" * 64).rstrip(b"=").decode()
AUTH = base64.urlsafe_b64encode(b"a" * 16).rstrip(b"=").decode()


@pytest.mark.parametrize(
    "endpoint",
    [
        "https://fcm.googleapis.com/fcm/send/abc",
        "https://updates.push.services.mozilla.com/wpush/v2/x",
        "https://web.push.apple.com/QGx",
        "https://8.8.8.8/push",
    ],
)
def test_push_service_endpoints_are_accepted(endpoint: str) -> None:
    assert endpoint_problem(endpoint) is None


@pytest.mark.parametrize(
    "endpoint",
    [
        "",
        "http://fcm.googleapis.com/x",
        "https://localhost/x",
        "https://127.0.0.1/x",
        "https://10.1.2.3/x",
        "https://192.168.0.1/x",
        "https://[::1]/x",
        "file:///etc/passwd",
        "https:///nohost",
        "https://a.example/" + "x" * 1000,
    ],
)
def test_endpoints_that_could_reach_internal_hosts_are_refused(endpoint: str) -> None:
    assert endpoint_problem(endpoint) is not None


def test_plain_http_on_this_machine_only_when_allowed_for_tests() -> None:
    assert endpoint_problem("http://127.0.0.1:9/push/x") is not None
    assert endpoint_problem("http://127.0.0.1:9/push/x", allow_http_localhost=True) is None
    assert endpoint_problem("http://10.0.0.1/x", allow_http_localhost=True) is not None


def test_keys_must_be_a_p256_point_and_a_16_byte_secret() -> None:
    assert keys_problem(POINT, AUTH) is None
    assert keys_problem(POINT[:-4], AUTH) is not None
    assert keys_problem(base64.urlsafe_b64encode(b"\x02" + b"\x01" * 64).decode(), AUTH)
    assert keys_problem(POINT, AUTH[:-3]) is not None
    assert keys_problem("***", AUTH) is not None


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        (200, Outcome.SENT),
        (201, Outcome.SENT),
        (202, Outcome.SENT),
        (404, Outcome.GONE),
        (410, Outcome.GONE),
        (400, Outcome.FAILED),
        (413, Outcome.FAILED),
        (429, Outcome.FAILED),
        (500, Outcome.FAILED),
        (None, Outcome.FAILED),
    ],
)
def test_push_service_answers(status: int | None, outcome: Outcome) -> None:
    assert outcome_of(status) is outcome


def test_each_notification_has_its_own_key() -> None:
    assert delivery_key("orders.paid", "o1") == "orders.paid:o1"
    assert delivery_key("orders.shipped", "o1", "s1") != delivery_key("orders.shipped", "o1", "s2")


@given(st.binary(max_size=80))
def test_base64url_round_trips_without_padding(data: bytes) -> None:
    assert b64url_decode(base64.urlsafe_b64encode(data).rstrip(b"=").decode()) == data
