"""Webhook rules: signatures a receiver can check (and replays it can refuse), a retry schedule
that spans a day, and endpoint URLs that are https (http only on this machine)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from omnishop.webhooks import rules

BODY = b'{"id":"e1","type":"stock.changed","data":{}}'
NOW = 1_700_000_000


def test_a_signed_body_verifies_with_the_same_secret_only() -> None:
    header = rules.sign(["whsec_a"], NOW, BODY)

    assert header.startswith(f"t={NOW},v1=")
    assert rules.verify("whsec_a", header, BODY, now=NOW)
    assert not rules.verify("whsec_b", header, BODY, now=NOW)


def test_a_changed_body_or_timestamp_fails_verification() -> None:
    header = rules.sign(["whsec_a"], NOW, BODY)
    forged_time = header.replace(f"t={NOW}", f"t={NOW + 1}")

    assert not rules.verify("whsec_a", header, BODY + b" ", now=NOW)
    assert not rules.verify("whsec_a", forged_time, BODY, now=NOW)


def test_the_signature_is_hmac_sha256_over_timestamp_dot_body() -> None:
    import hashlib
    import hmac

    expected = hmac.new(b"whsec_a", f"{NOW}.".encode() + BODY, hashlib.sha256).hexdigest()

    assert rules.sign(["whsec_a"], NOW, BODY) == f"t={NOW},v1={expected}"


@pytest.mark.parametrize(("skew", "ok"), [(-300, True), (300, True), (301, False), (-301, False)])
def test_a_stale_or_future_timestamp_is_refused_beyond_the_tolerance(skew: int, ok: bool) -> None:
    header = rules.sign(["whsec_a"], NOW, BODY)

    assert rules.verify("whsec_a", header, BODY, now=NOW + skew) is ok


def test_during_a_rotation_either_secret_verifies() -> None:
    header = rules.sign(["whsec_new", "whsec_old"], NOW, BODY)

    assert header.count("v1=") == 2
    assert rules.verify("whsec_new", header, BODY, now=NOW)
    assert rules.verify("whsec_old", header, BODY, now=NOW)


@pytest.mark.parametrize(
    "header", ["", "t=abc,v1=00", "v1=00", f"t={NOW}", "garbage", f"t={NOW},v1"]
)
def test_a_malformed_header_never_verifies(header: str) -> None:
    assert not rules.verify("whsec_a", header, BODY, now=NOW)


def test_the_retry_schedule_doubles_from_a_minute_and_caps_at_an_hour() -> None:
    waits = rules.schedule()

    assert waits[:7] == [timedelta(minutes=m) for m in (1, 2, 4, 8, 16, 32, 60)]
    assert max(waits) == timedelta(hours=1)


def test_the_retry_schedule_spans_at_least_a_day_then_gives_up() -> None:
    waits = rules.schedule()

    assert len(waits) == rules.MAX_ATTEMPTS - 1
    assert sum(waits, timedelta()) >= timedelta(hours=24)
    assert rules.retry_delay(rules.MAX_ATTEMPTS) is None
    assert rules.retry_delay(rules.MAX_ATTEMPTS - 1) == timedelta(hours=1)


@pytest.mark.parametrize("attempt", [1, 3, 10, 29])
def test_jitter_only_lengthens_a_wait_and_by_at_most_ten_percent(attempt: int) -> None:
    plain = rules.retry_delay(attempt)
    low, high = rules.retry_delay(attempt, 0.0), rules.retry_delay(attempt, 0.999)

    assert plain is not None and low is not None and high is not None
    assert low == plain
    assert plain < high <= plain * 1.1


def test_attempts_count_from_one() -> None:
    with pytest.raises(ValueError):
        rules.retry_delay(0)


@pytest.mark.parametrize(
    ("code", "ok"),
    [
        (200, True),
        (204, True),
        (299, True),
        (301, False),
        (400, False),
        (500, False),
        (None, False),
    ],
)
def test_only_2xx_counts_as_delivered(code: int | None, ok: bool) -> None:
    assert rules.succeeded(code) is ok


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/hooks",
        "https://example.com:8443/a?b=c",
        "http://localhost:8000/hook",
        "http://127.0.0.1:9/x",
        "http://[::1]:8080/x",
    ],
)
def test_https_urls_and_local_http_are_accepted(url: str) -> None:
    assert rules.url_problem(url) is None


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://example.com/hook", "only allowed for localhost"),
        ("ftp://example.com/x", "https://"),
        ("example.com/hook", "https://"),
        ("https://", "https://"),
        ("https://user:pw@example.com/", "credentials"),
        ("https://example.com/a b", "spaces"),
        ("https://example.com/#frag", "fragment"),
        ("https://example.com:99999/", "malformed"),
        ("https://example.com/" + "a" * 2000, "longer"),
    ],
)
def test_other_urls_are_refused_with_a_reason(url: str, reason: str) -> None:
    problem = rules.url_problem(url)

    assert problem is not None and reason in problem


def test_secrets_are_prefixed_and_unguessable() -> None:
    first, second = rules.new_secret(), rules.new_secret()

    assert first.startswith("whsec_") and len(first) > 40
    assert first != second


def test_a_response_excerpt_keeps_at_most_500_characters() -> None:
    assert rules.excerpt("x" * 600) == "x" * 500
    assert rules.excerpt("ok") == "ok"
