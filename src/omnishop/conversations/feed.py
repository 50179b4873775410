"""Reads for live views (the operator inbox, the web chat widget): a thread's messages after a
cursor, the inbox lists, and a cheap change marker that live streams poll.

The cursor is a message id: messages are ordered by (created_at, id), so "after" a message
means strictly later in that order. A client that resumes with the last id it saw gets
every later message once (the widget also drops an id it already shows, belt and braces).
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.conversations.handoff import OperatorInfo
from omnishop.conversations.models import (
    ASSIGNED,
    BOT,
    Conversation,
    DialogueState,
    Message,
    OperatorProfile,
)
from omnishop.conversations.note_models import ConversationNote
from omnishop.conversations.schemas import ConversationInfo, MessageInfo
from omnishop.kernel import clock

MAX_PAGE = 200


async def after(
    *,
    session: AsyncSession,
    conversation_id: uuid.UUID,
    cursor: uuid.UUID | None,
    limit: int = 100,
    overlap: timedelta | None = None,
) -> list[MessageInfo]:
    """The thread's messages after the message ``cursor`` (oldest first). No cursor, or one
    that is not a message of this thread: the latest ``limit`` messages.

    ``overlap`` also re-reads that much before the cursor: a message's time is taken before
    its transaction commits, so on PostgreSQL a message committed late can sort before one
    a reader already saw. A live stream re-reads a few seconds and skips the ids it sent."""
    limit = max(1, min(limit, MAX_PAGE))
    query = select(Message).where(Message.conversation_id == conversation_id)
    mark = None
    if cursor is not None:
        mark = (
            await session.execute(
                select(Message.created_at, Message.id).where(
                    Message.id == cursor, Message.conversation_id == conversation_id
                )
            )
        ).first()
    if mark is None:
        rows = list(
            await session.scalars(
                query.order_by(Message.created_at.desc(), Message.id.desc()).limit(limit)
            )
        )
        rows.reverse()
    else:
        at, mark_id = mark
        later = or_(Message.created_at > at, and_(Message.created_at == at, Message.id > mark_id))
        if overlap is not None:
            later = or_(later, Message.created_at > at - overlap)
        rows = list(
            await session.scalars(
                query.where(later).order_by(Message.created_at, Message.id).limit(limit)
            )
        )
    return [MessageInfo.of(r) for r in rows]


async def held_by_others(
    *, session: AsyncSession, staff_id: uuid.UUID, limit: int = 100
) -> list[ConversationInfo]:
    """Chats colleagues hold, the customer waiting longest first."""
    now = clock.now()
    rows = await session.scalars(
        select(Conversation)
        .where(Conversation.status == ASSIGNED, Conversation.assigned_staff_id != staff_id)
        .order_by(Conversation.waiting_since.is_(None), Conversation.waiting_since)
        .limit(limit)
    )
    return [ConversationInfo.of(r, now=now) for r in rows]


async def with_bot(*, session: AsyncSession, limit: int = 30) -> list[ConversationInfo]:
    """Chats the bot is handling, latest customer message first (an operator may step in)."""
    now = clock.now()
    rows = await session.scalars(
        select(Conversation)
        .where(Conversation.status == BOT)
        .order_by(Conversation.last_inbound_at.desc().nulls_last(), Conversation.id)
        .limit(limit)
    )
    return [ConversationInfo.of(r, now=now) for r in rows]


async def change_marker(*, session: AsyncSession, conversation_id: uuid.UUID | None = None) -> str:
    """A string that changes whenever a message is added or a chat changes hands (for the
    whole inbox, or one thread): live streams poll it and tell the page to refresh."""
    messages = select(func.count(Message.id), func.max(Message.created_at))
    chats = select(func.count(Conversation.id), func.max(Conversation.updated_at))
    if conversation_id is not None:
        messages = messages.where(Message.conversation_id == conversation_id)
        chats = chats.where(Conversation.id == conversation_id)
    notes = select(func.count(ConversationNote.id), func.max(ConversationNote.created_at))
    if conversation_id is not None:
        notes = notes.where(ConversationNote.conversation_id == conversation_id)
    m = (await session.execute(messages)).one()
    c = (await session.execute(chats)).one()
    n = (await session.execute(notes)).one()
    return f"{m[0]}:{m[1]}:{c[0]}:{c[1]}:{n[0]}:{n[1]}"


async def operator(*, session: AsyncSession, staff_id: uuid.UUID) -> OperatorInfo | None:
    """A staff member's inbox profile (capacity, chats held, online), if they have one."""
    row = await session.get(OperatorProfile, staff_id)
    if row is None:
        return None
    return OperatorInfo(
        staff_id=row.staff_id,
        capacity=row.capacity,
        active_chats=row.active_chats,
        languages=list(row.languages or []),
        skills=list(row.skills or []),
        online=row.online,
        business_hours=dict(row.business_hours or {}),
        timezone=row.timezone,
    )


async def cart_token(*, session: AsyncSession, conversation_id: uuid.UUID) -> str | None:
    """The cart the bot keeps for this chat (its token in the dialogue state), if any."""
    row = await session.get(DialogueState, conversation_id)
    token = (row.slots or {}).get("cart") if row is not None else None
    return token if isinstance(token, str) and token else None
