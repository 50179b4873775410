"""The inbox tells the operator when a platform's reply window is closing or closed."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from omnishop.admin.inbox_data import window_note
from omnishop.conversations.schemas import ConversationInfo

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def chat(platform: str, closes_at: datetime | None) -> ConversationInfo:
    return ConversationInfo(
        id=uuid.uuid4(), channel_id=uuid.uuid4(), platform=platform, external_sender_id="x",
        customer_id=None, identity_id=None, status="assigned", assigned_staff_id=None,
        language="ru", skills=[], handoff_reason=None, handoff_summary=None, waiting_since=None,
        last_inbound_at=None, window="open", window_closes_at=closes_at, low_confidence=0,
        created_at=NOW,
    )  # fmt: skip


def test_a_window_closing_within_the_hour_is_announced_with_minutes_left() -> None:
    note = window_note(chat("whatsapp", NOW + timedelta(minutes=30, seconds=20)), NOW, "en")
    assert note is not None and "closes in 30 min" in note and "template" in note


def test_a_closed_window_says_only_templates_or_tags_can_go() -> None:
    note = window_note(chat("messenger", NOW - timedelta(seconds=1)), NOW, "en")
    assert note is not None and "closed" in note


def test_no_note_while_the_window_is_wide_open_or_the_platform_has_none() -> None:
    assert window_note(chat("whatsapp", NOW + timedelta(hours=5)), NOW, "en") is None
    assert window_note(replace(chat("webchat", None)), NOW, "en") is None


def test_the_note_is_in_the_operators_language() -> None:
    soon = chat("whatsapp", NOW + timedelta(minutes=30, seconds=20))

    ru = window_note(soon, NOW, "ru")
    ka = window_note(soon, NOW, "ka")

    assert ru is not None and "30 мин" in ru and "whatsapp" in ru
    assert ka is not None and "30 წთ" in ka and "whatsapp" in ka
