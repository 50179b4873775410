"""Web push subscriptions (a browser's push endpoint and keys) and what was sent to them."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from omnishop.kernel import clock
from omnishop.kernel.db import Base, IdMixin, TimestampMixin


class PushSubscription(IdMixin, TimestampMixin, Base):
    __tablename__ = "push_subscriptions"

    # Endpoints can be long; their SHA-256 is the unique key (one row per browser).
    endpoint_hash: Mapped[str] = mapped_column(String(64), unique=True)
    endpoint: Mapped[str] = mapped_column(Text)
    p256dh: Mapped[str] = mapped_column(String(200))
    auth: Mapped[str] = mapped_column(String(100))
    customer_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    locale: Mapped[str] = mapped_column(String(5), default="ru")
    last_sent_at: Mapped[datetime | None]


class PushOrderLink(IdMixin, Base):
    """A guest's opt-in for one order (from its confirmation page): no customer needed."""

    __tablename__ = "push_order_links"
    __table_args__ = (UniqueConstraint("subscription_id", "order_id"),)

    subscription_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("push_subscriptions.id", ondelete="CASCADE")
    )
    # The orders domain's id; no foreign key across domains.
    order_id: Mapped[uuid.UUID] = mapped_column(index=True)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)


class PushDelivery(IdMixin, Base):
    """One notification sent to one subscription: redelivered events do not push twice."""

    __tablename__ = "push_deliveries"
    __table_args__ = (UniqueConstraint("subscription_id", "key"),)

    subscription_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("push_subscriptions.id", ondelete="CASCADE")
    )
    key: Mapped[str] = mapped_column(String(120))
    sent_at: Mapped[datetime] = mapped_column(default=clock.now)
