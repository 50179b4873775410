"""Events of the conversations domain (outbox). Optional ids are strings (``None`` when
absent) so the outbox round-trip keeps their type."""

from __future__ import annotations

import dataclasses
import uuid

from omnishop.kernel.events import Event, event


@event
@dataclasses.dataclass(frozen=True)
class MessageReceived(Event):
    """A new (not duplicate) inbound message was stored; the bot reacts when ``handled_by`` is
    "bot", the inbox shows it either way."""

    topic = "conversations.message_received"
    conversation_id: uuid.UUID
    message_id: uuid.UUID
    channel_id: uuid.UUID
    platform: str
    kind: str
    customer_id: str | None
    handled_by: str  # "bot" | "operator"


@event
@dataclasses.dataclass(frozen=True)
class MessageQueued(Event):
    """An outbound message waits for its sender; the handler sends it (at least once)."""

    topic = "conversations.message_queued"
    conversation_id: uuid.UUID
    message_id: uuid.UUID


@event
@dataclasses.dataclass(frozen=True)
class MessageSent(Event):
    """The platform accepted (``status`` sent) or refused for good (``status`` failed)."""

    topic = "conversations.message_sent"
    conversation_id: uuid.UUID
    message_id: uuid.UUID
    status: str
    error: str | None


@event
@dataclasses.dataclass(frozen=True)
class ConversationHandedOff(Event):
    topic = "conversations.handed_off"
    conversation_id: uuid.UUID
    reason: str
    summary: str
    language: str


@event
@dataclasses.dataclass(frozen=True)
class ConversationAssigned(Event):
    topic = "conversations.assigned"
    conversation_id: uuid.UUID
    staff_id: uuid.UUID
    previous_staff_id: str | None
    how: str  # "auto" | "taken" | "reassigned"


@event
@dataclasses.dataclass(frozen=True)
class ConversationHandedBack(Event):
    topic = "conversations.handed_back"
    conversation_id: uuid.UUID
    staff_id: str | None


@event
@dataclasses.dataclass(frozen=True)
class ConversationResolved(Event):
    topic = "conversations.resolved"
    conversation_id: uuid.UUID
    staff_id: str | None
    by_bot: bool


@event
@dataclasses.dataclass(frozen=True)
class ConsentChanged(Event):
    topic = "conversations.consent_changed"
    channel_id: uuid.UUID
    identity_id: uuid.UUID
    purpose: str
    opted_in: bool
    source: str


@event
@dataclasses.dataclass(frozen=True)
class IdentityLinked(Event):
    """A messenger identity was moved to the customer who proved the email/phone."""

    topic = "conversations.identity_linked"
    identity_id: uuid.UUID
    customer_id: uuid.UUID
    previous_customer_id: str | None


@event
@dataclasses.dataclass(frozen=True)
class ConversationMetric(Event):
    """One measurement for analytics: ``name`` is first_response | reply | resolution |
    bot_resolved | handoff | csat; ``seconds`` wall-clock and ``business_seconds`` counted
    only inside the operator's business hours (None when not a duration)."""

    topic = "conversations.metric"
    conversation_id: uuid.UUID
    name: str
    at: str  # ISO-8601 UTC
    seconds: int | None
    business_seconds: int | None
    value: int | None
    staff_id: str | None
    channel_id: str | None
