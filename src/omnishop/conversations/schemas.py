"""Read models of the conversations domain (what services hand to heads and the bot)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from omnishop.conversations import window_rules
from omnishop.conversations.models import Conversation, Message


@dataclass(frozen=True)
class MessageInfo:
    id: uuid.UUID
    conversation_id: uuid.UUID
    direction: str
    author: str
    kind: str
    body: dict[str, Any]
    status: str
    created_at: datetime
    external_id: str | None = None
    staff_id: uuid.UUID | None = None
    attempts: int = 0
    error: str | None = None

    @classmethod
    def of(cls, row: Message) -> MessageInfo:
        return cls(
            id=row.id,
            conversation_id=row.conversation_id,
            direction=row.direction,
            author=row.author,
            kind=row.kind,
            body=dict(row.body),
            status=row.status,
            created_at=row.created_at,
            external_id=row.external_id,
            staff_id=row.staff_id,
            attempts=row.attempts,
            error=row.error,
        )


@dataclass(frozen=True)
class ConversationInfo:
    id: uuid.UUID
    channel_id: uuid.UUID
    platform: str
    external_sender_id: str
    customer_id: uuid.UUID | None
    identity_id: uuid.UUID | None
    status: str
    assigned_staff_id: uuid.UUID | None
    language: str
    skills: list[str]
    handoff_reason: str | None
    handoff_summary: str | None
    waiting_since: datetime | None
    last_inbound_at: datetime | None
    window: str  # window_rules.WindowState
    window_closes_at: datetime | None
    low_confidence: int
    created_at: datetime

    @classmethod
    def of(cls, row: Conversation, *, now: datetime) -> ConversationInfo:
        return cls(
            id=row.id,
            channel_id=row.channel_id,
            platform=row.platform,
            external_sender_id=row.external_sender_id,
            customer_id=row.customer_id,
            identity_id=row.identity_id,
            status=row.status,
            assigned_staff_id=row.assigned_staff_id,
            language=row.language,
            skills=list(row.skills or []),
            handoff_reason=row.handoff_reason,
            handoff_summary=row.handoff_summary,
            waiting_since=row.waiting_since,
            last_inbound_at=row.last_inbound_at,
            window=window_rules.window_state(
                platform=row.platform, last_inbound_at=row.last_inbound_at, now=now
            ),
            window_closes_at=window_rules.window_closes_at(
                platform=row.platform, last_inbound_at=row.last_inbound_at
            ),
            low_confidence=row.low_confidence,
            created_at=row.created_at,
        )
