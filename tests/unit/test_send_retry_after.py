"""How long a refused send waits: never less than what the platform asked, parsed from each
platform's own shape (pure: no network)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from omnishop.conversations import window_rules
from omnishop.kernel import clock
from omnishop.messaging.common import MAX_RETRY_AFTER_SECONDS, retry_after_header
from omnishop.messaging.telegram.send import _result as telegram_result
from omnishop.messaging.whatsapp.send import graph_result


def test_the_delay_is_the_back_off_or_the_platforms_wait_whichever_is_longer() -> None:
    assert window_rules.retry_delay(1, None) == timedelta(seconds=5)
    assert window_rules.retry_delay(1, 2.0) == timedelta(seconds=5)
    assert window_rules.retry_delay(1, 40.0) == timedelta(seconds=40)
    assert window_rules.retry_delay(3, 0.5) == timedelta(seconds=45)
    assert window_rules.retry_delay(window_rules.MAX_SEND_ATTEMPTS, 40.0) is None


def test_retry_after_is_read_as_seconds_or_an_http_date_and_junk_is_ignored() -> None:
    def header(value: str) -> float | None:
        return retry_after_header(httpx.Response(429, headers={"Retry-After": value}))

    assert header("30") == 30
    clock.freeze(datetime(2026, 12, 4, 12, 0, tzinfo=UTC))
    try:
        assert header("Fri, 04 Dec 2026 12:01:30 GMT") == 90
        assert header("Fri, 04 Dec 2026 11:00:00 GMT") is None  # already past
    finally:
        clock.freeze(None)
    assert header("soon") is None
    assert header("0") is None
    assert header("99999999") == MAX_RETRY_AFTER_SECONDS
    assert retry_after_header(httpx.Response(429)) is None


def test_telegram_reads_parameters_retry_after() -> None:
    body = {"ok": False, "error_code": 429, "parameters": {"retry_after": 17}}
    result = telegram_result(httpx.Response(429, json=body))
    assert result.retryable and result.retry_after == 17
    junk = {"ok": False, "error_code": 429, "parameters": {"retry_after": "never"}}
    assert telegram_result(httpx.Response(429, json=junk)).retry_after is None
    assert telegram_result(httpx.Response(502, json=[1])).retryable  # not even an object


def test_graph_rate_limits_wait_for_retry_after_or_the_usage_estimate() -> None:
    limited = {"error": {"code": 130429, "message": "throughput reached"}}
    with_header = graph_result(httpx.Response(400, json=limited, headers={"Retry-After": "12"}))
    assert with_header.retryable and with_header.retry_after == 12
    usage = (
        '{"1": [{"estimated_time_to_regain_access": 1}, {"estimated_time_to_regain_access": 3}]}'
    )
    from_usage = graph_result(
        httpx.Response(
            400, json={"error": {"code": 4}}, headers={"X-Business-Use-Case-Usage": usage}
        )
    )
    assert from_usage.retry_after == 180
    broken = graph_result(
        httpx.Response(429, json={"error": {}}, headers={"X-Business-Use-Case-Usage": "{oops"})
    )
    assert broken.retryable and broken.retry_after is None
    # Not a rate limit: a header there does not make the retry wait.
    other = {"error": {"code": 131000, "message": "Something went wrong"}}
    assert (
        graph_result(httpx.Response(500, json=other, headers={"Retry-After": "60"})).retry_after
        is None
    )
