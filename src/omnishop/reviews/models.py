"""Tables of the reviews domain: reviews with their photos and moderation, abuse reports, and
one rating summary per product kept in step with moderation."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from omnishop.kernel import clock
from omnishop.kernel.db import Base, IdMixin, TimestampMixin


class Review(IdMixin, TimestampMixin, Base):
    __tablename__ = "reviews"
    __table_args__ = (
        # One review per customer and product: the last guard against a double submit.
        UniqueConstraint("customer_id", "product_id"),
        # The public list of a product: approved, newest first.
        Index("ix_reviews_product_status_approved", "product_id", "status", "approved_at"),
    )

    product_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), index=True
    )
    variant_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("variants.id", ondelete="SET NULL")
    )
    customer_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("customers.id", ondelete="SET NULL")
    )
    # The received order that makes this a verified purchase.
    order_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("orders.id", ondelete="SET NULL"))
    # Where the review was written (storefront or a chat channel).
    channel_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("channels.id"), index=True)
    # Shown with the review ("Anna K."): a snapshot, so the list needs no customer join.
    author_name: Mapped[str | None] = mapped_column(String(120))
    rating: Mapped[int]
    title: Mapped[str | None] = mapped_column(String(120))
    text: Mapped[str] = mapped_column(Text)
    locale: Mapped[str] = mapped_column(String(5))
    # [{"file": "reviews/<hex>.jpg", "content_type": "image/jpeg", "size": 12345}]
    photos: Mapped[list[Any]] = mapped_column(default=list)
    # The customer allows reuse of the photos in social feeds and ads.
    photo_rights_consent: Mapped[bool] = mapped_column(default=False)
    verified_purchase: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(20), index=True)
    # What the cheap abuse heuristics noticed, for the moderator: ["links", "shouting"].
    flags: Mapped[list[Any]] = mapped_column(default=list)
    report_count: Mapped[int] = mapped_column(default=0)
    reject_reason: Mapped[str | None] = mapped_column(String(500))
    moderated_by: Mapped[str | None] = mapped_column(String(100))
    moderated_at: Mapped[datetime | None]
    approved_at: Mapped[datetime | None]
    reply_text: Mapped[str | None] = mapped_column(Text)
    reply_by: Mapped[str | None] = mapped_column(String(100))
    replied_at: Mapped[datetime | None]

    def __str__(self) -> str:
        return f"{self.rating}★ {self.title or self.text[:40]}"


class ReviewReport(IdMixin, Base):
    """A shopper's abuse report; one per reporter and review."""

    __tablename__ = "review_reports"
    __table_args__ = (UniqueConstraint("review_id", "reporter_id"),)

    review_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("reviews.id", ondelete="CASCADE"), index=True
    )
    reporter_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)


class RatingSummary(Base):
    """Approved reviews of a product counted per star; changed in moderation's transaction."""

    __tablename__ = "rating_summaries"

    product_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), primary_key=True
    )
    count: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(BigInteger, default=0)
    # Mean rating in hundredths (467 = 4.67), rounded half up; 0 with no reviews.
    average: Mapped[int] = mapped_column(default=0)
    stars_1: Mapped[int] = mapped_column(default=0)
    stars_2: Mapped[int] = mapped_column(default=0)
    stars_3: Mapped[int] = mapped_column(default=0)
    stars_4: Mapped[int] = mapped_column(default=0)
    stars_5: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(default=clock.now, onupdate=clock.now)
