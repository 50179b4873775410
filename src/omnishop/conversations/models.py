"""Tables of the conversations domain: threads, messages, dialogue state, consent, operators."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from omnishop.kernel import clock
from omnishop.kernel.db import Base, IdMixin, TimestampMixin

# Conversation.status
BOT = "bot"  # the bot answers
QUEUED = "queued"  # handed off, waiting for an operator
ASSIGNED = "assigned"  # a human holds it: the bot is silent
RESOLVED = "resolved"  # closed; the next inbound message reopens it with the bot
STATUSES = (BOT, QUEUED, ASSIGNED, RESOLVED)


class Conversation(IdMixin, TimestampMixin, Base):
    """One thread per (channel, external sender): reopened, never duplicated."""

    __tablename__ = "conversations"
    __table_args__ = (
        UniqueConstraint("channel_id", "external_sender_id"),
        Index("ix_conversations_status_waiting", "status", "waiting_since"),
    )

    channel_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("channels.id"), index=True)
    platform: Mapped[str] = mapped_column(String(20))
    external_sender_id: Mapped[str] = mapped_column(String(100))
    # The customer the platform identity belongs to (never re-pointed on an unverified claim).
    customer_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("customers.id", ondelete="SET NULL"), index=True
    )
    identity_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("customer_identities.id", ondelete="SET NULL")
    )
    status: Mapped[str] = mapped_column(String(12), default=BOT)
    assigned_staff_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL"), index=True
    )
    assigned_at: Mapped[datetime | None]
    language: Mapped[str] = mapped_column(String(5), default="ru")
    skills: Mapped[list[Any]] = mapped_column(default=list)  # skills the chat needs
    handoff_reason: Mapped[str | None] = mapped_column(String(30))
    handoff_summary: Mapped[str | None] = mapped_column(Text)
    handoff_at: Mapped[datetime | None]
    waiting_since: Mapped[datetime | None]  # queued, or the customer's unanswered message
    # The last customer message: opens the WhatsApp/Messenger customer-service window.
    last_inbound_at: Mapped[datetime | None]
    last_outbound_at: Mapped[datetime | None]
    first_response_at: Mapped[datetime | None]  # first human reply since the handoff
    low_confidence: Mapped[int] = mapped_column(default=0)
    resolved_at: Mapped[datetime | None]
    resolved_by_bot: Mapped[bool] = mapped_column(default=False)
    csat: Mapped[int | None]  # 1..5 after resolution

    def __str__(self) -> str:
        return f"{self.platform}:{self.external_sender_id}"


class Message(IdMixin, Base):
    """A message in or out. (channel, direction, external_id) is unique: a redelivered
    webhook finds its row and changes nothing."""

    __tablename__ = "conversation_messages"
    __table_args__ = (
        UniqueConstraint("channel_id", "direction", "external_id"),
        Index("ix_conversation_messages_thread", "conversation_id", "created_at"),
        Index("ix_conversation_messages_retry", "status", "next_attempt_at"),
    )

    conversation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE")
    )
    channel_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("channels.id"))
    direction: Mapped[str] = mapped_column(String(3))  # "in" | "out"
    author: Mapped[str] = mapped_column(String(10))  # customer | bot | operator | system
    staff_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    kind: Mapped[str] = mapped_column(String(20))  # InboundKind, or "out" content kind
    body: Mapped[dict[str, Any]] = mapped_column(default=dict)
    external_id: Mapped[str | None] = mapped_column(String(200))
    # in: received. out: queued -> sent -> delivered -> read, or retrying / failed.
    status: Mapped[str] = mapped_column(String(12))
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)
    # Why a proactive message may be sent (notification topic), for caps and metrics.
    trigger: Mapped[str | None] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    sent_at: Mapped[datetime | None]


class DialogueState(Base):
    """The bot's place in a flow; survives restarts and is shared by every worker."""

    __tablename__ = "conversation_dialogue_states"

    conversation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True
    )
    flow: Mapped[str | None] = mapped_column(String(40))
    step: Mapped[str | None] = mapped_column(String(40))
    slots: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Flows interrupted by a topic switch: [{"flow", "step", "slots"}], last = most recent.
    paused: Mapped[list[Any]] = mapped_column(default=list)
    expires_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=clock.now, onupdate=clock.now)


# Consent.purpose
TRANSACTIONAL = "transactional"  # order status, a reply to what they asked about
MARKETING = "marketing"  # back in stock, cart reminder
PURPOSES = (TRANSACTIONAL, MARKETING)


class Consent(IdMixin, Base):
    """Whether we may message this identity on this channel unasked, and why."""

    __tablename__ = "conversation_consents"
    __table_args__ = (UniqueConstraint("channel_id", "identity_id", "purpose"),)

    channel_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("channels.id"))
    identity_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("customer_identities.id", ondelete="CASCADE")
    )
    customer_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    purpose: Mapped[str] = mapped_column(String(20))
    opted_in: Mapped[bool]
    changed_at: Mapped[datetime] = mapped_column(default=clock.now)
    source: Mapped[str] = mapped_column(String(40))  # "keyword", "bot", "checkout", "operator"


class OperatorProfile(TimestampMixin, Base):
    """How the queue may use a staff member: capacity, languages, skills, hours."""

    __tablename__ = "conversation_operators"

    staff_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("staff_users.id", ondelete="CASCADE"), primary_key=True
    )
    capacity: Mapped[int] = mapped_column(default=8)
    # Chats currently held (status assigned): kept by conditional UPDATEs, never over capacity.
    active_chats: Mapped[int] = mapped_column(default=0)
    languages: Mapped[list[Any]] = mapped_column(default=list)
    skills: Mapped[list[Any]] = mapped_column(default=list)
    online: Mapped[bool] = mapped_column(default=False)
    # {"mon": [["09:00", "18:00"]], ...} in ``timezone``; empty = always within hours.
    business_hours: Mapped[dict[str, Any]] = mapped_column(default=dict)
    timezone: Mapped[str] = mapped_column(String(60), default="UTC")
    last_assigned_at: Mapped[datetime | None]


class LinkRequest(IdMixin, Base):
    """A pending cross-channel link: this identity claims an email/phone; a code was sent."""

    __tablename__ = "conversation_link_requests"

    identity_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("customer_identities.id", ondelete="CASCADE"), index=True
    )
    destination: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    confirmed_at: Mapped[datetime | None]


class StockWatch(IdMixin, Base):
    """A customer asked in a chat to hear when an item is back: one message, then done."""

    __tablename__ = "conversation_stock_watches"
    __table_args__ = (UniqueConstraint("conversation_id", "variant_id"),)

    conversation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE")
    )
    variant_id: Mapped[uuid.UUID] = mapped_column(index=True)
    title: Mapped[str] = mapped_column(String(200))
    url: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    notified_at: Mapped[datetime | None]


class CartWatch(IdMixin, Base):
    """A cart built in a chat: if left, one reminder (never more) to an opted-in customer."""

    __tablename__ = "conversation_cart_watches"
    __table_args__ = (UniqueConstraint("conversation_id", "cart_token"),)

    conversation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE")
    )
    cart_token: Mapped[str] = mapped_column(String(64))
    url: Mapped[str | None] = mapped_column(String(500))  # the pay link to come back to
    touched_at: Mapped[datetime] = mapped_column(default=clock.now, index=True)
    reminded_at: Mapped[datetime | None]
