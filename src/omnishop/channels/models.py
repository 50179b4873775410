from __future__ import annotations

from enum import StrEnum

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from omnishop.kernel.db import Base, IdMixin, TimestampMixin


class ChannelKind(StrEnum):
    WEB = "web"
    APP = "app"
    TELEGRAM = "telegram"
    WHATSAPP = "whatsapp"
    MESSENGER = "messenger"
    SMS = "sms"
    WEBCHAT = "webchat"
    INSTAGRAM = "instagram"
    FACEBOOK = "facebook"
    TIKTOK = "tiktok"
    PINTEREST = "pinterest"
    GOOGLE = "google"
    STORE = "store"
    POS = "pos"


class AllocationRule(StrEnum):
    """How a channel picks the locations its cart holds come from."""

    PRIORITY = "priority"  # Location.priority, then code
    NEAREST = "nearest"  # closest to the buyer when a position is known, else priority


class Channel(IdMixin, TimestampMixin, Base):
    __tablename__ = "channels"

    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(20))
    currency: Mapped[str] = mapped_column(String(3))
    default_locale: Mapped[str] = mapped_column(String(5))
    country: Mapped[str] = mapped_column(String(2))
    active: Mapped[bool] = mapped_column(default=True)
    # How long a cart hold lives without cart activity.
    hold_minutes: Mapped[int] = mapped_column(default=15, server_default="15")
    allocation_rule: Mapped[str] = mapped_column(
        String(20), default=AllocationRule.PRIORITY.value, server_default="priority"
    )
