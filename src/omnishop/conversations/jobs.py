"""Conversations handlers: send queued messages through the platform's Sender (after commit,
with retries), and the periodic jobs of the inbox."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.channels import service as channels
from omnishop.conversations import content as bodies
from omnishop.conversations import csat, handoff, live, window_rules, wire
from omnishop.conversations.events import (
    ConversationAssigned,
    ConversationHandedBack,
    ConversationHandedOff,
    ConversationResolved,
    MessageQueued,
    MessageReceived,
    MessageSent,
)
from omnishop.conversations.models import Conversation, Message
from omnishop.kernel import clock, outbox, schedule
from omnishop.kernel.db import step_outside, unit_of_work
from omnishop.kernel.events import handles, handles_batch
from omnishop.kernel.logging import get_logger
from omnishop.kernel.settings import get_settings

log = get_logger(__name__)
# A send in flight holds its message this long; a worker that died mid-send is retried after.
SEND_LEASE = timedelta(minutes=2)
# Platform calls in flight at once per worker: a platform answers in tens to hundreds of
# milliseconds, so one at a time would cap a worker at a few messages a second.
SEND_CONCURRENCY = 16


@handles_batch(MessageQueued)
async def deliver(session: AsyncSession, events: list[MessageQueued]) -> None:
    """Claim the queued messages (a conditional UPDATE: one sender per message), call the
    platforms outside any transaction — different chats at once, each chat's messages in
    order — then record the results. Idempotent: a message no longer "queued" (sent, failed,
    held by another worker) is left alone."""
    now = clock.now()
    wanted = list(dict.fromkeys(e.message_id for e in events))
    claimed = set(
        await session.scalars(
            update(Message)
            .where(Message.id.in_(wanted), Message.status == "queued")
            .values(
                status="sending", attempts=Message.attempts + 1, next_attempt_at=now + SEND_LEASE
            )
            .returning(Message.id)
            .execution_options(synchronize_session=False)
        )
    )
    if not claimed:
        return
    rows = list(
        await session.scalars(
            select(Message)
            .where(Message.id.in_(claimed))
            .order_by(Message.created_at, Message.id)
            .execution_options(populate_existing=True)
        )
    )
    threads = {
        row.id: row
        for row in await session.scalars(
            select(Conversation).where(Conversation.id.in_({r.conversation_id for r in rows}))
        )
    }
    chats: dict[uuid.UUID, list[tuple[wire.OutboundMessage, int]]] = {}
    for row in rows:
        conversation = threads.get(row.conversation_id)
        if conversation is None:
            continue
        channel = await channels.get(session=session, channel_id=conversation.channel_id)
        outbound = _outbound(row, conversation, channel.code)
        chats.setdefault(conversation.id, []).append((outbound, row.attempts))
    factory = await step_outside(session)
    gate = asyncio.Semaphore(SEND_CONCURRENCY)
    # The calls overlap; the results are written one at a time (short transactions, and
    # SQLite has one writer anyway).
    writing = asyncio.Lock()

    async def send_in_order(queue: list[tuple[wire.OutboundMessage, int]]) -> None:
        for outbound, attempts in queue:
            async with gate:
                result = await _call(outbound)
            async with writing, unit_of_work(factory) as uow:
                await record_result(
                    session=uow, message_id=outbound.message_id, attempts=attempts, result=result
                )

    await asyncio.gather(*(send_in_order(queue) for queue in chats.values()))


def _outbound(row: Message, conversation: Conversation, channel_code: str) -> wire.OutboundMessage:
    content = bodies.content_from_body(row.body)
    return wire.OutboundMessage(
        message_id=row.id,
        platform=conversation.platform,  # type: ignore[arg-type]
        channel_code=channel_code,
        recipient_id=conversation.external_sender_id,
        text=content.text,
        buttons=content.buttons,
        cards=content.cards,
        image_url=content.image_url,
        location=content.location,
        template=content.template,
        invoice=content.invoice,
        answer=content.answer,
    )


async def _call(message: wire.OutboundMessage) -> wire.SendResult:
    sender = wire.sender_for(message.platform)
    if sender is None:
        return wire.SendResult(None, retryable=True, error=f"no sender for {message.platform}")
    try:
        return await sender(message)
    except Exception as exc:  # a sender bug or a network error: try again later
        log.warning("sender raised", platform=message.platform, error=repr(exc))
        return wire.SendResult(None, retryable=True, error=repr(exc)[:500])


async def record_result(
    *, session: AsyncSession, message_id: uuid.UUID, attempts: int, result: wire.SendResult
) -> str:
    """Sent, retry later with back-off, or failed for good; returns the new status."""
    now = clock.now()
    row = await session.get(Message, message_id)
    if row is None or row.status != "sending":
        return row.status if row is not None else "missing"
    if result.ok:
        row.status, row.error, row.next_attempt_at = "sent", None, None
        row.sent_at = now
        row.external_id = result.external_id
    else:
        delay = window_rules.retry_delay(attempts, result.retry_after) if result.retryable else None
        row.error = result.error
        if delay is None:
            row.status, row.next_attempt_at = "failed", None
        else:
            row.status, row.next_attempt_at = "retrying", now + delay
    if row.status in ("sent", "failed"):
        await outbox.emit(
            session,
            MessageSent(
                conversation_id=row.conversation_id,
                message_id=row.id,
                status=row.status,
                error=row.error,
            ),
        )
    await session.flush()
    return row.status


@schedule.every(5, "conversations.retry_sends")
async def retry_sends(session: AsyncSession) -> int:
    """Queue again the messages whose back-off is over, sends whose worker died, and those
    held back by quiet hours."""
    now = clock.now()
    due = list(
        await session.execute(
            select(Message.id, Message.conversation_id, Message.status)
            .where(
                Message.status.in_(("retrying", "sending", "scheduled")),
                Message.next_attempt_at <= now,
            )
            .order_by(Message.next_attempt_at)
            .limit(200)
        )
    )
    requeued = 0
    for message_id, conversation_id, status in due:
        won = await session.execute(
            update(Message)
            .where(
                Message.id == message_id,
                Message.status == status,
                Message.next_attempt_at <= now,
            )
            .values(status="queued", next_attempt_at=None)
            .execution_options(synchronize_session=False)
        )
        if won.rowcount:  # type: ignore[attr-defined]
            await outbox.emit(
                session, MessageQueued(conversation_id=conversation_id, message_id=message_id)
            )
            requeued += 1
    await session.flush()
    return requeued


@handles(ConversationHandedOff)
async def assign_on_handoff(session: AsyncSession, event: ConversationHandedOff) -> None:
    """Try to give a newly queued chat to an operator at once (no-op once it left the queue)."""
    await handoff.assign_next(session=session, conversation_id=event.conversation_id)


@schedule.every(10, "conversations.assign_waiting")
async def assign_waiting(session: AsyncSession) -> int:
    """Operators come online and free up: hand them the longest-waiting chats."""
    assigned = 0
    for conversation in await handoff.queue(session=session, limit=50):
        # One by one: a chat nobody can take (language, skill) does not block the others.
        if await handoff.assign_next(session=session, conversation_id=conversation.id):
            assigned += 1
    return assigned


@schedule.every(30, "conversations.reassign_stale")
async def reassign_stale(session: AsyncSession) -> int:
    minutes = get_settings().inbox_reassign_minutes
    return await handoff.reassign_stale(session=session, after=timedelta(minutes=minutes))


# --- realtime: the inbox and chat widgets follow every change (after commit) ----------------


async def _publish_message(session: AsyncSession, message_id: uuid.UUID) -> None:
    row = await session.get(Message, message_id, populate_existing=True)
    if row is not None:
        await live.announce(row)


async def _publish_conversation(
    session: AsyncSession, conversation_id: uuid.UUID, what: str
) -> None:
    row = await session.get(Conversation, conversation_id, populate_existing=True)
    if row is not None:
        await live.announce_change(row, what)


@handles(MessageReceived)
async def record_csat(session: AsyncSession, event: MessageReceived) -> None:
    """A tap on a CSAT button (``csat:N``) is the customer's rating of the resolved chat."""
    if event.kind != "button":
        return
    row = await session.get(Message, event.message_id)
    score = csat.parse(row.body.get("payload") if row is not None else None)
    if score is not None:
        await csat.record(session=session, conversation_id=event.conversation_id, score=score)


# A new message (the customer's, the bot's or an operator's) is announced when it commits
# (service.receive / service.send); the worker announces what changes later.
@handles(MessageSent)
async def publish_sent(session: AsyncSession, event: MessageSent) -> None:
    await _publish_message(session, event.message_id)


@handles(ConversationHandedOff)
async def publish_handed_off(session: AsyncSession, event: ConversationHandedOff) -> None:
    await _publish_conversation(session, event.conversation_id, "handed_off")


@handles(ConversationAssigned)
async def publish_assigned(session: AsyncSession, event: ConversationAssigned) -> None:
    await _publish_conversation(session, event.conversation_id, "assigned")


@handles(ConversationHandedBack)
async def publish_handed_back(session: AsyncSession, event: ConversationHandedBack) -> None:
    await _publish_conversation(session, event.conversation_id, "handed_back")


@handles(ConversationResolved)
async def publish_resolved(session: AsyncSession, event: ConversationResolved) -> None:
    await _publish_conversation(session, event.conversation_id, "resolved")
