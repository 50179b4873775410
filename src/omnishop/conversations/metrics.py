"""Inbox measurements as outbox events (``ConversationMetric``), ready for analytics: first
response, reply, resolution, bot-resolved, handoff, CSAT; durations also counted in the
operator's business hours."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.conversations import rules
from omnishop.conversations.events import ConversationMetric
from omnishop.conversations.models import Conversation, OperatorProfile
from omnishop.kernel import outbox


async def _hours(session: AsyncSession, staff_id: uuid.UUID | None) -> tuple[rules.Hours, str]:
    if staff_id is None:
        return {}, "UTC"
    profile = await session.get(OperatorProfile, staff_id)
    if profile is None:
        return {}, "UTC"
    return dict(profile.business_hours or {}), profile.timezone


async def record(
    *,
    session: AsyncSession,
    conversation: Conversation,
    name: str,
    now: datetime,
    since: datetime | None = None,
    value: int | None = None,
    staff_id: uuid.UUID | None = None,
) -> None:
    """Emit one metric; with ``since`` it is a duration (wall clock and business hours)."""
    seconds = business = None
    if since is not None:
        hours, tz = await _hours(session, staff_id)
        seconds = max(int((now - since).total_seconds()), 0)
        business = rules.business_seconds(hours, tz, since, now)
    await outbox.emit(
        session,
        ConversationMetric(
            conversation_id=conversation.id,
            name=name,
            at=now.isoformat(),
            seconds=seconds,
            business_seconds=business,
            value=value,
            staff_id=str(staff_id) if staff_id else None,
            channel_id=str(conversation.channel_id),
        ),
    )


async def operator_replied(
    *, session: AsyncSession, conversation: Conversation, now: datetime
) -> None:
    """Called by ``send`` before it clears ``waiting_since``: the first human answer after a
    handoff is the first response; every answer to a waiting customer is a reply time."""
    staff_id = conversation.assigned_staff_id
    if conversation.first_response_at is None and conversation.handoff_at is not None:
        conversation.first_response_at = now
        await record(
            session=session,
            conversation=conversation,
            name="first_response",
            now=now,
            since=conversation.handoff_at,
            staff_id=staff_id,
        )
    if conversation.waiting_since is not None:
        await record(
            session=session,
            conversation=conversation,
            name="reply",
            now=now,
            since=conversation.waiting_since,
            staff_id=staff_id,
        )
