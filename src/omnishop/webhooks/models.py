"""Tables of the webhooks domain: endpoints, one delivery per (endpoint, event), attempts."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from omnishop.kernel import clock
from omnishop.kernel.db import Base, IdMixin, TimestampMixin


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # not tried yet (or replayed)
    FAILED = "failed"  # tried, failed, a retry is scheduled at next_attempt_at
    DELIVERED = "delivered"
    DEAD = "dead"  # the retry schedule ran out; only a replay sends it again


class WebhookEndpoint(IdMixin, TimestampMixin, Base):
    __tablename__ = "webhook_endpoints"

    url: Mapped[str] = mapped_column(String(2000))
    # Public topics (``order.placed``...) or ``"*"`` for all of them.
    topics: Mapped[list[Any]] = mapped_column(default=list)
    # Kept in clear: we must compute HMACs with it (it is a shared secret, not a password).
    secret: Mapped[str] = mapped_column(String(100))
    # After a rotation the old secret still signs (a second v1) until this moment.
    previous_secret: Mapped[str | None] = mapped_column(String(100))
    previous_secret_expires_at: Mapped[datetime | None]
    description: Mapped[str | None] = mapped_column(String(500))
    active: Mapped[bool] = mapped_column(default=True, index=True)
    disabled_reason: Mapped[str | None] = mapped_column(String(500))
    # Start of the current run of failures; cleared by any success.
    failing_since: Mapped[datetime | None]


class WebhookDelivery(IdMixin, Base):
    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        # The tap inserts if absent: a re-run of the same outbox event adds nothing.
        UniqueConstraint("endpoint_id", "event_id"),
        Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
    )

    endpoint_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("webhook_endpoints.id", ondelete="CASCADE"), index=True
    )
    # The outbox id: the stable id subscribers dedupe on (Omnishop-Event-Id).
    event_id: Mapped[uuid.UUID]
    topic: Mapped[str] = mapped_column(String(100))
    payload: Mapped[dict[str, Any]]
    occurred_at: Mapped[datetime] = mapped_column(default=clock.now)
    status: Mapped[str] = mapped_column(String(20), default=DeliveryStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=clock.now)
    # A sender's lease: rows are claimed by a conditional UPDATE, like the outbox.
    locked_until: Mapped[datetime | None]
    lease: Mapped[uuid.UUID | None]
    last_status_code: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    delivered_at: Mapped[datetime | None]


class WebhookAttempt(IdMixin, Base):
    __tablename__ = "webhook_attempts"

    delivery_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("webhook_deliveries.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(default=clock.now)
    status_code: Mapped[int | None]
    latency_ms: Mapped[int]
    error: Mapped[str | None] = mapped_column(String(1000))
    response_excerpt: Mapped[str | None] = mapped_column(String(500))
