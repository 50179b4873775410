"""The handoff state machine and the operator queue.

bot -> queued (handoff) -> assigned (assign_next / take) -> bot (hand_back) or resolved.
While queued or assigned the bot is silent (``service.send`` refuses it). Assignment uses
conditional UPDATEs in one transaction: an operator's ``active_chats`` only grows while below
capacity and a chat only leaves ``queued`` once, so two workers never assign a chat twice
and never overfill an operator."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.conversations import csat, metrics, operators, rules
from omnishop.conversations.events import (
    ConversationAssigned,
    ConversationHandedBack,
    ConversationHandedOff,
    ConversationResolved,
)
from omnishop.conversations.models import (
    ASSIGNED,
    BOT,
    QUEUED,
    RESOLVED,
    Conversation,
    Message,
    OperatorProfile,
)
from omnishop.conversations.operators import (  # re-exported: callers use handoff.*
    OperatorInfo,
    held_by,
    queue,
    set_operator,
)
from omnishop.conversations.schemas import ConversationInfo
from omnishop.kernel import clock, outbox
from omnishop.kernel.errors import Conflict, NotFound

__all__ = [
    "OperatorInfo",
    "assign_next",
    "consider",
    "hand_back",
    "handoff",
    "held_by",
    "queue",
    "reassign_stale",
    "resolve",
    "set_operator",
    "take",
]

# An operator who has not answered a waiting customer this long loses the chat to another.
REASSIGN_AFTER = timedelta(minutes=5)


async def _conversation(session: AsyncSession, conversation_id: uuid.UUID) -> Conversation:
    row = await session.get(Conversation, conversation_id)
    if row is None:
        raise NotFound("no such conversation")
    return row


async def _info(session: AsyncSession, conversation_id: uuid.UUID) -> ConversationInfo:
    row = await session.get(Conversation, conversation_id)
    assert row is not None
    await session.refresh(row)
    return ConversationInfo.of(row, now=clock.now())


async def handoff(
    *,
    session: AsyncSession,
    conversation_id: uuid.UUID,
    reason: str,
    summary: str,
    skills: list[str] | None = None,
) -> ConversationInfo:
    """Hand the chat from the bot to the operator queue (no-op when a human already has it).
    A handler then tries to assign it at once."""
    now = clock.now()
    moved = await session.execute(
        update(Conversation)
        .where(Conversation.id == conversation_id, Conversation.status.in_((BOT, RESOLVED)))
        .values(
            status=QUEUED,
            handoff_reason=reason[:30],
            handoff_summary=summary[:4000],
            handoff_at=now,
            waiting_since=now,
            first_response_at=None,
            skills=sorted(set(skills or [])),
            low_confidence=0,
        )
        .execution_options(synchronize_session=False)
    )
    conversation = await _conversation(session, conversation_id)
    await session.refresh(conversation)
    if moved.rowcount:  # type: ignore[attr-defined]
        await outbox.emit(
            session,
            ConversationHandedOff(
                conversation_id=conversation_id,
                reason=reason,
                summary=summary,
                language=conversation.language,
            ),
        )
        await metrics.record(session=session, conversation=conversation, name="handoff", now=now)
    await session.flush()
    return ConversationInfo.of(conversation, now=now)


async def note_confidence(
    *, session: AsyncSession, conversation_id: uuid.UUID, confident: bool
) -> int:
    """The bot understood (reset) or not (count); returns the current low-confidence streak,
    which ``rules.handoff_reason`` turns into a handoff at two."""
    values: dict[str, Any] = (
        {"low_confidence": 0} if confident else {"low_confidence": Conversation.low_confidence + 1}
    )
    await session.execute(
        update(Conversation)
        .where(Conversation.id == conversation_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    streak = await session.scalar(
        select(Conversation.low_confidence).where(Conversation.id == conversation_id)
    )
    if streak is None:
        raise NotFound("no such conversation")
    return int(streak)


async def assign_next(
    *, session: AsyncSession, conversation_id: uuid.UUID | None = None
) -> uuid.UUID | None:
    """Give this queued chat (or the longest-waiting one) to the best free operator; returns
    the operator's staff id, or None when nobody eligible has room (it stays queued)."""
    query = select(Conversation).where(Conversation.status == QUEUED)
    if conversation_id is not None:
        query = query.where(Conversation.id == conversation_id)
    conversation = await session.scalar(
        query.order_by(Conversation.waiting_since, Conversation.id).limit(1)
    )
    if conversation is None:
        return None
    now = clock.now()
    tried: set[uuid.UUID] = set()
    pool = await operators.candidates(session)
    while True:
        choice = rules.choose_operator(
            pool,
            language=conversation.language,
            skills=conversation.skills or [],
            now=now,
            exclude=tried,
        )
        if choice is None:
            return None
        staff_id: uuid.UUID = choice.staff_id
        tried.add(staff_id)
        if not await operators.claim_seat(session, staff_id):
            continue  # filled meanwhile by another worker
        if await _move(session, conversation, to=staff_id, expect_status=QUEUED):
            await _assigned_event(session, conversation.id, staff_id, None, "auto")
            return staff_id
        await operators.free_seat(session, staff_id)  # the chat was taken meanwhile
        return None


async def _move(
    session: AsyncSession,
    conversation: Conversation,
    *,
    to: uuid.UUID,
    expect_status: str | tuple[str, ...],
    expect_staff: uuid.UUID | None = None,
) -> bool:
    statuses = (expect_status,) if isinstance(expect_status, str) else expect_status
    where = [Conversation.id == conversation.id, Conversation.status.in_(statuses)]
    if expect_staff is not None:
        where.append(Conversation.assigned_staff_id == expect_staff)
    now = clock.now()
    won = await session.execute(
        update(Conversation)
        .where(*where)
        .values(status=ASSIGNED, assigned_staff_id=to, assigned_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(won.rowcount)  # type: ignore[attr-defined]


async def _assigned_event(
    session: AsyncSession,
    conversation_id: uuid.UUID,
    staff_id: uuid.UUID,
    previous: uuid.UUID | None,
    how: str,
) -> None:
    await outbox.emit(
        session,
        ConversationAssigned(
            conversation_id=conversation_id,
            staff_id=staff_id,
            previous_staff_id=str(previous) if previous else None,
            how=how,
        ),
    )
    await session.flush()


async def take(
    *, session: AsyncSession, conversation_id: uuid.UUID, staff_id: uuid.UUID
) -> ConversationInfo:
    """An operator takes a chat from the queue or straight from the bot (within capacity).
    Taking one's own chat again is a no-op; another's is a Conflict."""
    conversation = await _conversation(session, conversation_id)
    if conversation.status == ASSIGNED and conversation.assigned_staff_id == staff_id:
        return ConversationInfo.of(conversation, now=clock.now())
    if await session.get(OperatorProfile, staff_id) is None:
        await operators.set_operator(session=session, staff_id=staff_id, online=True)
    if not await operators.claim_seat(session, staff_id):
        raise Conflict("you already hold as many chats as your capacity allows")
    if not await _move(session, conversation, to=staff_id, expect_status=(BOT, QUEUED, RESOLVED)):
        await operators.free_seat(session, staff_id)
        raise Conflict("another operator holds this conversation")
    if conversation.handoff_at is None or conversation.status in (BOT, RESOLVED):
        await session.execute(
            update(Conversation)
            .where(Conversation.id == conversation_id)
            .values(handoff_at=clock.now(), handoff_reason="taken", first_response_at=None)
            .execution_options(synchronize_session=False)
        )
    await _assigned_event(session, conversation_id, staff_id, None, "taken")
    return await _info(session, conversation_id)


async def hand_back(
    *, session: AsyncSession, conversation_id: uuid.UUID, staff_id: uuid.UUID
) -> ConversationInfo:
    """The operator gives the chat back to the bot."""
    won = await session.execute(
        update(Conversation)
        .where(
            Conversation.id == conversation_id,
            Conversation.status == ASSIGNED,
            Conversation.assigned_staff_id == staff_id,
        )
        .values(status=BOT, assigned_staff_id=None, waiting_since=None, low_confidence=0)
        .execution_options(synchronize_session=False)
    )
    if not won.rowcount:  # type: ignore[attr-defined]
        await _conversation(session, conversation_id)
        raise Conflict("you do not hold this conversation")
    await operators.free_seat(session, staff_id)
    await outbox.emit(
        session, ConversationHandedBack(conversation_id=conversation_id, staff_id=str(staff_id))
    )
    return await _info(session, conversation_id)


async def reassign_stale(*, session: AsyncSession, after: timedelta = REASSIGN_AFTER) -> int:
    """Move chats whose operator has not answered the waiting customer within ``after`` to
    another eligible operator (the silent one keeps nothing); returns how many moved."""
    now = clock.now()
    stale = list(
        await session.scalars(
            select(Conversation)
            .where(Conversation.status == ASSIGNED, Conversation.waiting_since.is_not(None))
            .order_by(Conversation.waiting_since)
            .limit(100)
        )
    )
    moved = 0
    pool = await operators.candidates(session) if stale else []
    for conversation in stale:
        if not rules.should_reassign(
            assigned_at=conversation.assigned_at,
            waiting_since=conversation.waiting_since,
            now=now,
            timeout=after,
        ):
            continue
        old = conversation.assigned_staff_id
        choice = rules.choose_operator(
            pool,
            language=conversation.language,
            skills=conversation.skills or [],
            now=now,
            exclude={old},
        )
        if choice is None or not await operators.claim_seat(session, choice.staff_id):
            continue
        if not await _move(
            session, conversation, to=choice.staff_id, expect_status=ASSIGNED, expect_staff=old
        ):
            await operators.free_seat(session, choice.staff_id)
            continue
        await operators.free_seat(session, old)
        await _assigned_event(session, conversation.id, choice.staff_id, old, "reassigned")
        pool = await operators.candidates(session)
        moved += 1
    return moved


async def resolve(
    *,
    session: AsyncSession,
    conversation_id: uuid.UUID,
    staff_id: uuid.UUID | None = None,
    by_bot: bool = False,
) -> ConversationInfo:
    """Close the chat (by its operator, or by the bot when it never left the bot); the
    resolution metric is recorded and a CSAT question is sent when the platform allows."""
    conversation = await _conversation(session, conversation_id)
    if by_bot:
        expected: tuple[str, ...] = (BOT,)
    else:
        expected = (ASSIGNED, QUEUED)
    where = [Conversation.id == conversation_id, Conversation.status.in_(expected)]
    if not by_bot and conversation.status == ASSIGNED:
        where.append(Conversation.assigned_staff_id == staff_id)
    now = clock.now()
    won = await session.execute(
        update(Conversation)
        .where(*where)
        .values(status=RESOLVED, resolved_at=now, resolved_by_bot=by_bot, waiting_since=None)
        .execution_options(synchronize_session=False)
    )
    if not won.rowcount:  # type: ignore[attr-defined]
        raise Conflict("this conversation cannot be resolved by you now")
    held = conversation.assigned_staff_id
    await session.refresh(conversation)
    if not by_bot:
        await operators.free_seat(session, held)
    await outbox.emit(
        session,
        ConversationResolved(
            conversation_id=conversation_id,
            staff_id=str(held) if held else None,
            by_bot=by_bot,
        ),
    )
    await metrics.record(
        session=session,
        conversation=conversation,
        name="bot_resolved" if by_bot else "resolution",
        now=now,
        since=conversation.handoff_at or conversation.created_at,
        staff_id=held,
    )
    await csat.ask(session=session, conversation=conversation)
    return ConversationInfo.of(conversation, now=now)


async def summary_of(*, session: AsyncSession, conversation_id: uuid.UUID, last: int = 5) -> str:
    """The customer's last few messages, one line each, for the operator's queue card."""
    rows = await session.scalars(
        select(Message)
        .where(Message.conversation_id == conversation_id, Message.direction == "in")
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(last)
    )
    lines = []
    for row in reversed(list(rows)):
        text = row.body.get("text") or row.body.get("payload") or f"[{row.kind}]"
        lines.append(str(text)[:200])
    return "\n".join(lines)


async def consider(
    *,
    session: AsyncSession,
    conversation_id: uuid.UUID,
    kind: str,
    text: str | None,
    confident: bool,
    intent: str | None = None,
) -> ConversationInfo | None:
    """The bot's check after each customer message: count a low-confidence answer, and hand
    the chat to the queue when ``rules.handoff_reason`` says so (asked for a human, angry,
    a photo, or not understood twice). Returns the queued conversation, or None."""
    streak = await note_confidence(
        session=session, conversation_id=conversation_id, confident=confident
    )
    reason = rules.handoff_reason(kind=kind, text=text, low_confidence_streak=streak, intent=intent)
    if reason is None:
        return None
    summary = await summary_of(session=session, conversation_id=conversation_id)
    return await handoff(
        session=session, conversation_id=conversation_id, reason=reason, summary=summary
    )
