"""Private notes on a conversation, with @mentions of colleagues.

A note is for staff only: it is stored beside the thread, never sent. ``@handle`` names a
colleague (the head resolves handles to staff ids, see ``mention_handles``); a mentioned
operator finds the note in their inbox.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.conversations.models import Conversation
from omnishop.conversations.note_models import ConversationNote
from omnishop.kernel import clock
from omnishop.kernel.errors import NotFound, ValidationFailed

MAX_NOTE = 2000
MAX_MENTIONS = 10
# "@anna", "@anna.petrova", "@a_b-c"; an email's "@" inside a word is not a mention.
_MENTION = re.compile(r"(?<![\w.@])@([A-Za-z0-9][A-Za-z0-9._-]{0,63})")


@dataclass(frozen=True)
class NoteInfo:
    id: uuid.UUID
    conversation_id: uuid.UUID
    staff_id: uuid.UUID | None
    text: str
    mentions: list[uuid.UUID]
    created_at: datetime


def mention_handles(text: str) -> list[str]:
    """The @handles in a note, lower-cased, first occurrence order, without duplicates."""
    seen: list[str] = []
    for match in _MENTION.finditer(text):
        handle = match.group(1).rstrip("._-").lower()
        if handle and handle not in seen:
            seen.append(handle)
    return seen[:MAX_MENTIONS]


def _info(row: ConversationNote) -> NoteInfo:
    return NoteInfo(
        id=row.id,
        conversation_id=row.conversation_id,
        staff_id=row.staff_id,
        text=row.text,
        mentions=[uuid.UUID(str(m)) for m in row.mentions or []],
        created_at=row.created_at,
    )


async def add(
    *,
    session: AsyncSession,
    conversation_id: uuid.UUID,
    staff_id: uuid.UUID,
    text: str,
    mentions: list[uuid.UUID] | None = None,
) -> NoteInfo:
    """Leave a private note (1-2000 characters) naming the colleagues in ``mentions``."""
    text = text.strip()
    if not text or len(text) > MAX_NOTE:
        raise ValidationFailed(f"a note has 1 to {MAX_NOTE} characters", field="note")
    if await session.get(Conversation, conversation_id) is None:
        raise NotFound("no such conversation")
    row = ConversationNote(
        conversation_id=conversation_id,
        staff_id=staff_id,
        text=text,
        mentions=[str(m) for m in dict.fromkeys(mentions or [])][:MAX_MENTIONS],
        created_at=clock.now(),
    )
    session.add(row)
    await session.flush()
    return _info(row)


async def of_conversation(*, session: AsyncSession, conversation_id: uuid.UUID) -> list[NoteInfo]:
    """A conversation's notes, oldest first."""
    rows = await session.scalars(
        select(ConversationNote)
        .where(ConversationNote.conversation_id == conversation_id)
        .order_by(ConversationNote.created_at, ConversationNote.id)
    )
    return [_info(r) for r in rows]


async def mentioning(
    *, session: AsyncSession, staff_id: uuid.UUID, limit: int = 20
) -> list[NoteInfo]:
    """The latest notes that mention this staff member (newest first)."""
    rows = await session.scalars(
        select(ConversationNote)
        .order_by(ConversationNote.created_at.desc(), ConversationNote.id.desc())
        .limit(500)
    )
    # JSON membership differs between SQLite and PostgreSQL; the recent window is small.
    return [_info(r) for r in rows if str(staff_id) in (r.mentions or [])][:limit]
