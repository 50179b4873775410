"""Storefront visits that arrived with campaign (UTM) parameters: QR codes, newsletters, ads."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from omnishop.kernel import clock
from omnishop.kernel.db import Base, IdMixin


class Visit(IdMixin, Base):
    __tablename__ = "visits"

    created_at: Mapped[datetime] = mapped_column(default=clock.now, index=True)
    path: Mapped[str] = mapped_column(String(300))
    channel_code: Mapped[str | None] = mapped_column(String(40))
    utm_source: Mapped[str | None] = mapped_column(String(100), index=True)
    utm_medium: Mapped[str | None] = mapped_column(String(100))
    utm_campaign: Mapped[str | None] = mapped_column(String(100))
    utm_content: Mapped[str | None] = mapped_column(String(100))
    utm_term: Mapped[str | None] = mapped_column(String(100))
    referrer_host: Mapped[str | None] = mapped_column(String(200))
    customer_id: Mapped[uuid.UUID | None]
