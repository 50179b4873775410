"""Channel identities: who a customer is on a messenger or platform (Telegram user id …)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from omnishop.kernel.db import Base, IdMixin, TimestampMixin


class CustomerIdentity(IdMixin, TimestampMixin, Base):
    __tablename__ = "customer_identities"
    # One external account belongs to one customer; a customer may have many accounts.
    __table_args__ = (UniqueConstraint("kind", "external_id"),)

    kind: Mapped[str] = mapped_column(String(20))  # "telegram", "whatsapp", …
    external_id: Mapped[str] = mapped_column(String(100))
    customer_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    # When the platform last vouched for the identity (e.g. a valid signed initData).
    verified_at: Mapped[datetime | None]
    # What the platform told us (username, names, language) at the last verification.
    profile: Mapped[dict[str, Any]] = mapped_column(default=dict)

    def __str__(self) -> str:
        return f"{self.kind}:{self.external_id}"
