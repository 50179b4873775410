"""What live screens hear: the realtime channel names and the event a message or a chat change
becomes. The operator inbox and the chat widget treat an event as "read now" (they read the
database, which stays the source of truth), so a lost one only delays them until their poll.

Inbound messages are announced by ``service.receive`` when its transaction commits (the
operator sees the customer's words at once, not after the bot's turn in the worker); bot and
operator messages and chat changes by the outbox handlers in ``jobs``.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.conversations.models import Conversation, Message
from omnishop.kernel import realtime


def inbox_channel() -> str:
    return "inbox"


def conversation_channel(conversation_id: uuid.UUID | str) -> str:
    return f"conversation:{conversation_id}"


def message_event(row: Message) -> dict[str, Any]:
    return {
        "type": "message",
        "conversation_id": str(row.conversation_id),
        "message_id": str(row.id),
        "direction": row.direction,
        "author": row.author,
        "kind": row.kind,
        "body": row.body,
        "status": row.status,
        "created_at": row.created_at.isoformat(),
    }


def conversation_event(row: Conversation, what: str) -> dict[str, Any]:
    return {
        "type": "conversation",
        "event": what,
        "conversation_id": str(row.id),
        "status": row.status,
        "assigned_staff_id": str(row.assigned_staff_id) if row.assigned_staff_id else None,
        "waiting_since": row.waiting_since.isoformat() if row.waiting_since else None,
        "handoff_reason": row.handoff_reason,
        "language": row.language,
        "platform": row.platform,
    }


def announce_after_commit(session: AsyncSession, row: Message) -> None:
    """Once ``row`` is committed: the message to its thread's screens, a nudge to the inbox
    (which re-reads its lists, at most a few times a second however busy the shop is)."""
    data = message_event(row)
    realtime.publish_after_commit(session, conversation_channel(row.conversation_id), data)
    realtime.nudge_after_commit(session, inbox_channel())


async def announce(row: Message) -> None:
    """Tell the screens about a committed message now (from an outbox handler)."""
    data = message_event(row)
    live = realtime.broadcaster()
    await live.publish(conversation_channel(row.conversation_id), data)
    await live.publish(inbox_channel(), data)


async def announce_change(row: Conversation, what: str) -> None:
    data = conversation_event(row, what)
    live = realtime.broadcaster()
    await live.publish(conversation_channel(row.id), data)
    await live.publish(inbox_channel(), data)
