"""Conversation rules without a database: windows and templates, retries and statuses,
business hours, operator choice, reassignment, handoff triggers, caps and quiet hours."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from omnishop.conversations import rules, window_rules
from omnishop.conversations.rules import Operator

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)  # a Monday
WEEKDAYS = {d: [["09:00", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}


# --- window ---------------------------------------------------------------------------------


def test_platforms_without_a_window_are_always_open() -> None:
    for platform in ("telegram", "sms", "webchat"):
        assert window_rules.window_state(platform=platform, last_inbound_at=None, now=NOW) == "none"


def test_the_window_is_open_closing_then_closed() -> None:
    def state(hours_ago: float) -> str:
        last = NOW - timedelta(hours=hours_ago)
        return window_rules.window_state(platform="whatsapp", last_inbound_at=last, now=NOW)

    assert state(1) == "open"
    assert state(22.5) == "closing"
    assert state(24) == "closed"
    assert window_rules.window_state(platform="messenger", last_inbound_at=None, now=NOW) == (
        "closed"
    )


def test_inside_the_window_anything_goes() -> None:
    decision = window_rules.decide(
        platform="whatsapp", last_inbound_at=NOW - timedelta(hours=1), now=NOW, author="bot"
    )
    assert decision.allowed and decision.template is None and decision.tag is None


def test_whatsapp_outside_the_window_takes_the_template_of_the_trigger_or_refuses() -> None:
    old = NOW - timedelta(days=3)
    shipped = window_rules.decide(
        platform="whatsapp", last_inbound_at=old, now=NOW, author="system", trigger="order_shipped"
    )
    plain = window_rules.decide(platform="whatsapp", last_inbound_at=old, now=NOW, author="bot")
    operator = window_rules.decide(
        platform="whatsapp", last_inbound_at=old, now=NOW, author="operator"
    )
    assert shipped.allowed and shipped.template == "order_shipped"
    assert not plain.allowed and plain.reason == "whatsapp_window_closed"
    assert not operator.allowed  # WhatsApp has no human-agent exception


def test_messenger_outside_the_window_uses_tags_and_never_for_marketing() -> None:
    two_days = NOW - timedelta(days=2)
    ten_days = NOW - timedelta(days=10)

    def decide(**kw: object) -> window_rules.SendDecision:
        return window_rules.decide(platform="messenger", now=NOW, **kw)  # type: ignore[arg-type]

    assert decide(last_inbound_at=two_days, author="system", trigger="order_paid").tag == (
        "POST_PURCHASE_UPDATE"
    )
    assert decide(last_inbound_at=two_days, author="system", trigger="account_update").tag == (
        "ACCOUNT_UPDATE"
    )
    assert decide(last_inbound_at=two_days, author="operator").tag == "HUMAN_AGENT"
    assert not decide(last_inbound_at=ten_days, author="operator").allowed
    assert not decide(last_inbound_at=two_days, author="system", trigger="cart_reminder").allowed
    assert not decide(last_inbound_at=two_days, author="system", trigger="back_in_stock").allowed


def test_retries_back_off_and_then_give_up() -> None:
    delays = [window_rules.retry_delay(n) for n in range(1, window_rules.MAX_SEND_ATTEMPTS + 1)]
    assert delays[-1] is None
    known = [d for d in delays if d is not None]
    assert known == sorted(known) and known[0] == timedelta(seconds=5)


@given(st.lists(st.sampled_from(["sent", "delivered", "read", "failed", "bogus"]), max_size=8))
def test_delivery_status_never_moves_backwards(reports: list[str]) -> None:
    rank = {"queued": 0, "sent": 1, "delivered": 2, "read": 3}
    status = "queued"
    for report in reports:
        new = window_rules.next_delivery_status(status, report)
        if new is None:
            continue
        if new != "failed":
            assert rank[new] > rank.get(status, -1)
        else:
            assert status in ("queued", "sent")
        status = new
        if status == "failed":
            break


# --- business hours -------------------------------------------------------------------------


def test_hours_are_read_in_the_operators_zone() -> None:
    # 12:00 UTC on Monday is 16:00 in Tbilisi (UTC+4): open; 06:00 UTC is 10:00 there: open.
    assert rules.within_hours(WEEKDAYS, "Asia/Tbilisi", NOW)
    assert not rules.within_hours(WEEKDAYS, "Asia/Tbilisi", NOW.replace(hour=15))  # 19:00
    assert not rules.within_hours(WEEKDAYS, "UTC", NOW + timedelta(days=5))  # Saturday
    assert rules.within_hours({}, "UTC", NOW + timedelta(days=5))  # no hours: always


def test_business_seconds_count_only_open_time() -> None:
    friday_17 = datetime(2026, 3, 6, 17, 0, tzinfo=UTC)
    monday_10 = datetime(2026, 3, 9, 10, 0, tzinfo=UTC)
    assert rules.business_seconds(WEEKDAYS, "UTC", friday_17, monday_10) == 2 * 3600
    assert rules.business_seconds({}, "UTC", friday_17, monday_10) == 65 * 3600
    assert rules.business_seconds(WEEKDAYS, "UTC", monday_10, friday_17) >= 0


@given(
    st.integers(min_value=0, max_value=7 * 24 * 60),
    st.integers(min_value=0, max_value=7 * 24 * 60),
)
def test_business_seconds_never_exceed_wall_clock(a: int, b: int) -> None:
    start = NOW + timedelta(minutes=min(a, b))
    end = NOW + timedelta(minutes=max(a, b))
    got = rules.business_seconds(WEEKDAYS, "Europe/Moscow", start, end)
    assert 0 <= got <= (end - start).total_seconds()


# --- operator choice ------------------------------------------------------------------------


def op(**kw: object) -> Operator:
    return Operator(staff_id=kw.pop("staff_id", uuid.uuid4()), **kw)  # type: ignore[arg-type]


def test_the_default_capacity_is_eight_and_a_full_operator_is_skipped() -> None:
    full = op(active_chats=8)
    assert full.capacity == 8
    assert rules.choose_operator([full], language="ru", now=NOW) is None
    assert rules.choose_operator([op(active_chats=7)], language="ru", now=NOW) is not None


def test_language_skill_online_and_hours_all_count() -> None:
    ru = op(languages=frozenset({"ru"}))
    en_returns = op(languages=frozenset({"en"}), skills=frozenset({"returns"}))
    offline = op(online=False)
    off_hours = op(hours=WEEKDAYS, timezone="America/Los_Angeles")  # 04:00 there
    assert rules.choose_operator([ru, en_returns], language="en", now=NOW) is en_returns
    assert rules.choose_operator([ru], language="en", now=NOW) is None
    assert rules.choose_operator([ru, en_returns], language="ru", skills=["returns"], now=NOW) is (
        None
    )
    assert rules.choose_operator([offline, off_hours], language="ru", now=NOW) is None


def test_the_least_loaded_then_longest_idle_operator_wins() -> None:
    busy = op(active_chats=4)
    light_recent = op(active_chats=1, last_assigned_at=NOW)
    light_idle = op(active_chats=1, last_assigned_at=NOW - timedelta(hours=1))
    big = op(active_chats=2, capacity=20)  # 10% loaded
    assert rules.choose_operator([busy, light_recent, light_idle], language="ru", now=NOW) is (
        light_idle
    )
    assert rules.choose_operator([busy, light_idle, big], language="ru", now=NOW) is big
    assert rules.choose_operator([big], language="ru", now=NOW, exclude={big.staff_id}) is None


@given(st.lists(st.tuples(st.integers(0, 10), st.integers(0, 10)), min_size=1, max_size=6))
def test_the_chosen_operator_always_has_room(loads: list[tuple[int, int]]) -> None:
    ops = [op(active_chats=a, capacity=c) for a, c in loads]
    chosen = rules.choose_operator(ops, language="ru", now=NOW)
    if chosen is None:
        assert all(o.active_chats >= o.capacity for o in ops)
    else:
        assert chosen.active_chats < chosen.capacity


def test_reassign_after_the_operator_stays_silent_too_long() -> None:
    five = timedelta(minutes=5)
    assigned = NOW - timedelta(minutes=10)
    assert rules.should_reassign(
        assigned_at=assigned, waiting_since=NOW - timedelta(minutes=6), now=NOW, timeout=five
    )
    assert not rules.should_reassign(
        assigned_at=assigned, waiting_since=NOW - timedelta(minutes=2), now=NOW, timeout=five
    )
    assert not rules.should_reassign(
        assigned_at=assigned, waiting_since=None, now=NOW, timeout=five
    )
    # Just taken: the clock runs from the assignment, not from the old message.
    assert not rules.should_reassign(
        assigned_at=NOW - timedelta(minutes=1),
        waiting_since=NOW - timedelta(hours=1),
        now=NOW,
        timeout=five,
    )


# --- handoff triggers -----------------------------------------------------------------------


def test_handoff_triggers_in_russian_and_english() -> None:
    def reason(text: str | None, kind: str = "text", streak: int = 0) -> str | None:
        return rules.handoff_reason(kind=kind, text=text, low_confidence_streak=streak)

    assert reason("Can I talk to a human?") == "requested"
    assert reason("позовите оператора") == "requested"
    assert reason("This is a scam, unacceptable") == "angry"
    assert reason("Это ужас, верните деньги") == "angry"
    assert reason("WHERE IS MY ORDER!!!") == "angry"
    assert reason(None, kind="image") == "photo"
    assert reason("blue one", streak=1) is None
    assert reason("blue one", streak=2) == "low_confidence"
    assert reason("Hello, do you have size M?") is None
    assert rules.handoff_reason(kind="text", text="x", low_confidence_streak=0, intent="human") == (
        "requested"
    )


# --- unasked messages -----------------------------------------------------------------------


def test_quiet_hours_are_the_customers_local_night() -> None:
    # 19:00 UTC is 22:00 in Moscow: quiet, until 09:00 Moscow = 06:00 UTC next day.
    evening = NOW.replace(hour=19)
    assert rules.in_quiet_hours(evening, "Europe/Moscow")
    assert not rules.in_quiet_hours(evening, "America/New_York")  # 14:00 there
    assert rules.quiet_until(evening, "Europe/Moscow") == datetime(2026, 3, 3, 6, 0, tzinfo=UTC)
    assert rules.quiet_until(NOW, "Europe/Moscow") == NOW


def test_the_frequency_cap_counts_only_the_period() -> None:
    cap = rules.Cap(count=2, period=timedelta(days=1))
    assert not rules.over_cap([NOW - timedelta(hours=1)], NOW, cap)
    assert rules.over_cap([NOW - timedelta(hours=1), NOW - timedelta(hours=2)], NOW, cap)
    assert not rules.over_cap([NOW - timedelta(days=2), NOW - timedelta(days=3)], NOW, cap)


def test_every_unasked_message_says_how_to_stop() -> None:
    for language in ("ru", "en", "ka", "de"):
        assert "STOP" in rules.with_stop_line("Your order shipped", language)
