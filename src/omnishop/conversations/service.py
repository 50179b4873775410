"""Conversations use cases: receive an inbound message, send one, read a thread.

``receive`` is what every messaging adapter calls after verifying a webhook; ``send`` is what
the bot, the inbox and notifications call. Neither talks to a platform: sending happens in the
outbox handler (conversations.jobs) through the Sender the adapter registered (wire).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, ClassVar, Literal, cast

from sqlalchemy import Table, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.channels import service as channels
from omnishop.conversations import consent, live, metrics, window_rules
from omnishop.conversations import content as bodies
from omnishop.conversations.events import MessageQueued, MessageReceived
from omnishop.conversations.models import (
    ASSIGNED,
    BOT,
    QUEUED,
    RESOLVED,
    Conversation,
    Message,
)
from omnishop.conversations.schemas import ConversationInfo, MessageInfo
from omnishop.conversations.wire import InboundMessage, OutboundContent, Template
from omnishop.customers import identities
from omnishop.kernel import clock, i18n, ids, outbox
from omnishop.kernel.db import insert_for
from omnishop.kernel.errors import Conflict, NotFound, ValidationFailed

Author = Literal["bot", "operator", "system"]


class BotSilenced(Conflict):
    """A human holds the conversation: the bot must not speak."""

    code: ClassVar[str] = "conversation_held_by_human"
    title: ClassVar[str] = "An operator holds this conversation"


class WindowClosed(Conflict):
    code: ClassVar[str] = "messaging_window_closed"
    title: ClassVar[str] = "The platform's customer-service window is closed"


class NotYourConversation(Conflict):
    code: ClassVar[str] = "conversation_not_assigned_to_you"
    title: ClassVar[str] = "Take the conversation before replying"


@dataclass(frozen=True)
class Received:
    duplicate: bool
    conversation_id: uuid.UUID | None = None
    message_id: uuid.UUID | None = None
    customer_id: uuid.UUID | None = None
    identity_id: uuid.UUID | None = None
    # Who answers: "bot" while the bot holds the thread, "operator" once handed off.
    handled_by: Literal["bot", "operator"] = "bot"
    language: str = i18n.DEFAULT_LOCALE
    # A "status" report: which of our messages it updated (None: unknown or not newer).
    status_updated: uuid.UUID | None = None


async def receive(*, session: AsyncSession, message: InboundMessage) -> Received:
    """Store one verified inbound message in its thread (one per channel and sender).

    A redelivery (same channel and external id) is recognised and writes nothing. The sender's
    platform identity is signed in (its own customer on first sight); it is never attached to
    another customer on a claim (see ``linking``). Unknown channel code: NotFound."""
    channel = await channels.get_by_code(session=session, code=message.channel_code)
    if message.kind == "status":
        return await _status(session, channel.id, message)
    seen = await session.execute(
        select(Message.id, Message.conversation_id).where(
            Message.channel_id == channel.id,
            Message.direction == "in",
            Message.external_id == message.external_id,
        )
    )
    row = seen.first()
    if row is not None:
        return Received(duplicate=True, message_id=row[0], conversation_id=row[1])
    identity = None
    if not message.profile:  # nothing new about the sender: the identity we know will do
        identity = await identities.find(
            session=session, kind=message.platform, external_id=message.sender_id
        )
    if identity is None:  # first sight, or perhaps news about the sender
        identity = await identities.sign_in(
            session=session,
            kind=message.platform,
            external_id=message.sender_id,
            profile=message.profile,
            source_channel=channel.code,
        )
    now = clock.now()
    conversation = await _thread(session, channel.id, message, identity)
    stored = Message(
        id=ids.new_id(),
        conversation_id=conversation.id,
        channel_id=channel.id,
        direction="in",
        author="customer",
        kind=message.kind,
        body=bodies.inbound_body(message),
        external_id=message.external_id,
        status="received",
        created_at=now,
    )
    if not await _insert_new(session, stored):  # a parallel delivery of the same message won
        return Received(duplicate=True, conversation_id=conversation.id)
    rating = message.kind == "button" and (message.payload or "").startswith("csat:")
    if conversation.status == RESOLVED and not rating:  # a CSAT answer keeps it closed
        _reopen(conversation)
    # The window runs from the customer's message; a clock ahead of ours counts as now.
    conversation.last_inbound_at = min(message.sent_at, now)
    if conversation.status in (QUEUED, ASSIGNED) and conversation.waiting_since is None:
        conversation.waiting_since = now
    if message.kind in ("opt_out", "opt_in"):
        await consent.keyword(
            session=session,
            channel_id=channel.id,
            identity_id=identity.id,
            customer_id=identity.customer_id,
            opted_in=message.kind == "opt_in",
        )
    handled_by: Literal["bot", "operator"] = "bot" if conversation.status == BOT else "operator"
    await outbox.emit(
        session,
        MessageReceived(
            conversation_id=conversation.id,
            message_id=stored.id,
            channel_id=channel.id,
            platform=message.platform,
            kind=message.kind,
            customer_id=str(conversation.customer_id) if conversation.customer_id else None,
            handled_by=handled_by,
        ),
    )
    await session.flush()
    live.announce_after_commit(session, stored)
    return Received(
        duplicate=False,
        conversation_id=conversation.id,
        message_id=stored.id,
        customer_id=conversation.customer_id,
        identity_id=identity.id,
        handled_by=handled_by,
        language=conversation.language,
    )


async def _insert_new(session: AsyncSession, row: Message) -> bool:
    """Insert ``row`` unless the unique (channel, direction, external id) already holds it:
    one statement, no savepoint (this runs for every message a customer sends)."""
    table = cast(Table, Message.__table__)
    values = {c.name: getattr(row, c.key) for c in table.columns if getattr(row, c.key) is not None}
    statement = (
        insert_for(session)(table).values(values).on_conflict_do_nothing().returning(table.c.id)
    )
    return await session.scalar(statement) is not None


def _reopen(conversation: Conversation) -> None:
    conversation.status = BOT
    conversation.assigned_staff_id = None
    conversation.assigned_at = None
    conversation.handoff_reason = None
    conversation.handoff_summary = None
    conversation.handoff_at = None
    conversation.waiting_since = None
    conversation.first_response_at = None
    conversation.low_confidence = 0
    conversation.resolved_at = None
    conversation.resolved_by_bot = False
    conversation.csat = None


async def _thread(
    session: AsyncSession,
    channel_id: uuid.UUID,
    message: InboundMessage,
    identity: identities.IdentityInfo,
) -> Conversation:
    """The thread of this sender on this channel, made on first contact (race-safe)."""
    where = (
        Conversation.channel_id == channel_id,
        Conversation.external_sender_id == message.sender_id,
    )
    found = await session.scalar(select(Conversation).where(*where))
    if found is None:
        language = i18n.normalize(str(message.profile.get("language_code") or "")) or (
            i18n.DEFAULT_LOCALE
        )
        found = Conversation(
            channel_id=channel_id,
            platform=message.platform,
            external_sender_id=message.sender_id,
            customer_id=identity.customer_id,
            identity_id=identity.id,
            status=BOT,
            language=language,
        )
        try:
            async with session.begin_nested():
                session.add(found)
                await session.flush()
        except IntegrityError:
            found = await session.scalar(select(Conversation).where(*where))
            if found is None:
                raise
    # The identity may have been linked to another customer (verified) since.
    found.identity_id = identity.id
    found.customer_id = identity.customer_id
    return found


async def _status(
    session: AsyncSession, channel_id: uuid.UUID, message: InboundMessage
) -> Received:
    """A delivery report for one of our messages: statuses only move forward."""
    if not message.reply_to or not message.status:
        raise ValidationFailed("a status needs reply_to and status", field="status")
    ours = await session.scalar(
        select(Message).where(
            Message.channel_id == channel_id,
            Message.direction == "out",
            Message.external_id == message.reply_to,
        )
    )
    if ours is None:
        return Received(duplicate=False)
    new = window_rules.next_delivery_status(ours.status, message.status)
    if new is None:
        return Received(duplicate=True, conversation_id=ours.conversation_id, message_id=ours.id)
    values: dict[str, Any] = {"status": new}
    if new == "failed":
        values["error"] = str(message.meta.get("error") or "reported failed by the platform")
    await session.execute(
        update(Message)
        .where(Message.id == ours.id, Message.status == ours.status)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    await session.flush()
    return Received(
        duplicate=False,
        conversation_id=ours.conversation_id,
        message_id=ours.id,
        status_updated=ours.id,
    )


async def send(
    *,
    session: AsyncSession,
    conversation_id: uuid.UUID,
    content: OutboundContent,
    author: Author,
    staff_id: uuid.UUID | None = None,
    trigger: str | None = None,
    key: str | None = None,
    not_before: datetime | None = None,
) -> MessageInfo:
    """Queue a message to the customer: stored now, sent by the outbox handler after commit.

    ``trigger`` names the event behind an unasked message (window_rules.TEMPLATES); ``key``
    (stored instead of it) makes a notification findable for dedupe and caps; ``not_before``
    holds it back (quiet hours) until the retry job releases it.

    Refused (409) when the bot speaks while a human holds the thread, when an operator who
    does not hold it replies, or outside a platform's window without an allowed template or
    tag (the trigger of a proactive message chooses them)."""
    conversation = await session.get(Conversation, conversation_id)
    if conversation is None:
        raise NotFound("no such conversation")
    if author == "bot" and conversation.status in (QUEUED, ASSIGNED):
        raise BotSilenced("an operator holds this conversation")
    if author == "operator" and (staff_id is None or conversation.assigned_staff_id != staff_id):
        raise NotYourConversation("take the conversation before replying")
    now = clock.now()
    decision = window_rules.decide(
        platform=conversation.platform,
        last_inbound_at=conversation.last_inbound_at,
        now=now,
        author=author,
        trigger=trigger,
        has_template=content.template is not None,
        tag=content.template.tag if content.template else None,
    )
    if not decision.allowed:
        raise WindowClosed(decision.reason or "window closed")
    if decision.tag or decision.template:
        # Outside the window: the message goes as the template / with the tag decided.
        base = content.template
        content = replace(
            content,
            template=Template(
                name=base.name if base else (decision.template or str(decision.tag).lower()),
                language=base.language if base else conversation.language,
                parameters=base.parameters if base else (),
                tag=decision.tag or (base.tag if base else None),
            ),
        )
    body = bodies.outbound_body(content)
    stored_trigger = key or trigger
    channel = await channels.get(session=session, channel_id=conversation.channel_id)
    row = Message(
        conversation_id=conversation.id,
        channel_id=channel.id,
        direction="out",
        author=author,
        staff_id=staff_id,
        kind=bodies.outbound_kind(content),
        body=body,
        status="scheduled" if not_before is not None and not_before > now else "queued",
        next_attempt_at=not_before if not_before is not None and not_before > now else None,
        trigger=stored_trigger[:60] if stored_trigger else None,
        created_at=now,
    )
    session.add(row)
    if author == "operator":
        await metrics.operator_replied(session=session, conversation=conversation, now=now)
        conversation.waiting_since = None
    conversation.last_outbound_at = now
    await session.flush()
    if row.status == "queued":
        await outbox.emit(
            session, MessageQueued(conversation_id=conversation.id, message_id=row.id)
        )
    await session.flush()
    live.announce_after_commit(session, row)
    return MessageInfo.of(row)


async def get(*, session: AsyncSession, conversation_id: uuid.UUID) -> ConversationInfo:
    """One conversation with its window state."""
    row = await session.get(Conversation, conversation_id)
    if row is None:
        raise NotFound("no such conversation")
    return ConversationInfo.of(row, now=clock.now())


async def history(
    *,
    session: AsyncSession,
    conversation_id: uuid.UUID,
    limit: int = 50,
    before: datetime | None = None,
) -> list[MessageInfo]:
    """The latest messages of a thread, oldest first (``before`` pages back)."""
    query = select(Message).where(Message.conversation_id == conversation_id)
    if before is not None:
        query = query.where(Message.created_at < before)
    rows = list(
        await session.scalars(
            query.order_by(Message.created_at.desc(), Message.id.desc()).limit(min(limit, 200))
        )
    )
    return [MessageInfo.of(r) for r in reversed(rows)]


async def find_thread(
    *, session: AsyncSession, channel_code: str, sender_id: str
) -> ConversationInfo | None:
    """The thread of a sender on a channel, if any (webchat resumes with it)."""
    channel = await channels.get_by_code(session=session, code=channel_code)
    row = await session.scalar(
        select(Conversation).where(
            Conversation.channel_id == channel.id,
            Conversation.external_sender_id == sender_id,
        )
    )
    return None if row is None else ConversationInfo.of(row, now=clock.now())
