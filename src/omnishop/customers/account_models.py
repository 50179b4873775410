"""Tables of the buyer's account: one-time sign-in codes, the dev mailbox, saved cards."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from omnishop.kernel import clock
from omnishop.kernel.db import Base, IdMixin


class SignInCode(IdMixin, Base):
    """A one-time code sent to an email or phone; only its hash is kept."""

    __tablename__ = "customer_sign_in_codes"

    destination: Mapped[str] = mapped_column(String(254), index=True)  # normalised
    kind: Mapped[str] = mapped_column(String(10))  # email | phone
    code_hash: Mapped[str] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class OutboundMessage(IdMixin, Base):
    """What the shop "sent" a buyer (sign-in codes): the demo has no SMTP or SMS gateway, so
    messages land here, in the log and in the back-office."""

    __tablename__ = "customer_outbound_messages"

    # The event that asked for it: a redelivered event writes nothing twice.
    source_id: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(10))  # email | phone
    destination: Mapped[str] = mapped_column(String(254), index=True)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)

    def __str__(self) -> str:
        return f"{self.kind} to {self.destination}"


class SavedCard(IdMixin, Base):
    """A payment method saved by a customer: the PSP's token and what identifies it to a
    person (brand, last four digits, expiry). Never a card number."""

    __tablename__ = "customer_saved_cards"

    customer_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    provider: Mapped[str] = mapped_column(String(30), default="sandbox")
    token: Mapped[str] = mapped_column(String(200))
    brand: Mapped[str] = mapped_column(String(30))
    last4: Mapped[str] = mapped_column(String(4))
    exp_month: Mapped[int]
    exp_year: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
