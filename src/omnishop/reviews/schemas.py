"""Pydantic shapes of reviews: what a customer sends, what shoppers and moderators read."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from omnishop.reviews.rules import REASON_MAX, TEXT_MAX, TITLE_MAX, ReportReason, ReviewStatus


class ReviewCreate(BaseModel):
    """A customer's review (photos come alongside, as multipart files)."""

    model_config = ConfigDict(extra="forbid")

    rating: Annotated[int, Field(ge=1, le=5, strict=True)]
    title: Annotated[str | None, Field(max_length=TITLE_MAX * 2)] = None
    text: Annotated[str, Field(min_length=1, max_length=TEXT_MAX * 2)]
    variant_id: uuid.UUID | None = None
    # The channel it was written in (storefront `web`, chat `telegram`…); default: the order's.
    channel: Annotated[str | None, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,39}$")] = None
    locale: Annotated[str | None, Field(pattern=r"^(ru|en|ka)$")] = None
    photo_rights_consent: bool = False


class ReportCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: ReportReason
    note: Annotated[str | None, Field(max_length=REASON_MAX)] = None


class RejectRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Annotated[str, Field(min_length=1, max_length=REASON_MAX)]


class ReplyRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: Annotated[str, Field(min_length=1, max_length=TEXT_MAX)]


class PhotoRead(BaseModel):
    url: str
    content_type: str


class ReplyRead(BaseModel):
    text: str
    at: datetime


class ReviewRead(BaseModel):
    """A review as shoppers see it."""

    id: uuid.UUID
    product_id: uuid.UUID
    variant_id: uuid.UUID | None
    rating: int
    title: str | None
    text: str
    author_name: str | None
    locale: str
    verified_purchase: bool
    photos: list[PhotoRead]
    reply: ReplyRead | None
    created_at: datetime


class MyReviewRead(ReviewRead):
    """A review as its author sees it: with its moderation status (not the internal reason)."""

    status: ReviewStatus


class MyReviewPage(BaseModel):
    data: list[MyReviewRead]
    next_cursor: str | None


class ReviewStaffRead(ReviewRead):
    """A review as a moderator sees it."""

    status: ReviewStatus
    customer_id: uuid.UUID | None
    order_id: uuid.UUID | None
    channel_id: uuid.UUID
    photo_rights_consent: bool
    flags: list[str]
    report_count: int
    reject_reason: str | None
    moderated_by: str | None
    moderated_at: datetime | None


class ReviewPage(BaseModel):
    data: list[ReviewRead]
    next_cursor: str | None


class StaffReviewPage(BaseModel):
    data: list[ReviewStaffRead]
    next_cursor: str | None


class RatingRead(BaseModel):
    product_id: uuid.UUID
    count: int
    # Mean in hundredths (467 = 4.67 stars); 0 when there are no approved reviews.
    average: int
    # Approved reviews per star: {"1": 0, …, "5": 12}.
    histogram: dict[str, int]


class Eligibility(BaseModel):
    eligible: bool
    # `no_delivered_order` or `already_reviewed` when not eligible.
    reason: str | None


class ReportRead(BaseModel):
    review_id: uuid.UUID
    reason: ReportReason
    created: bool


class ConsentedPhoto(BaseModel):
    review_id: uuid.UUID
    product_id: uuid.UUID
    rating: int
    author_name: str | None
    url: str
    content_type: str
    approved_at: datetime | None


class ConsentedPhotoPage(BaseModel):
    data: list[ConsentedPhoto]
    next_cursor: str | None
