"""Shaping review rows for readers (lists page through ``kernel.keyset``)."""

from __future__ import annotations

import uuid
from typing import Any

from omnishop.reviews import photos, rules
from omnishop.reviews.models import RatingSummary, Review
from omnishop.reviews.schemas import (
    MyReviewRead,
    PhotoRead,
    RatingRead,
    ReplyRead,
    ReviewRead,
    ReviewStaffRead,
)


def public(review: Review) -> ReviewRead:
    return ReviewRead(**_common(review))


def mine(review: Review) -> MyReviewRead:
    return MyReviewRead(**_common(review), status=rules.ReviewStatus(review.status))


def staff(review: Review) -> ReviewStaffRead:
    return ReviewStaffRead(
        **_common(review),
        status=rules.ReviewStatus(review.status),
        customer_id=review.customer_id,
        order_id=review.order_id,
        channel_id=review.channel_id,
        photo_rights_consent=review.photo_rights_consent,
        flags=[str(f) for f in review.flags],
        report_count=review.report_count,
        reject_reason=review.reject_reason,
        moderated_by=review.moderated_by,
        moderated_at=review.moderated_at,
    )


def _common(review: Review) -> dict[str, Any]:
    reply = (
        ReplyRead(text=review.reply_text, at=review.replied_at)
        if review.reply_text and review.replied_at
        else None
    )
    return {
        "id": review.id,
        "product_id": review.product_id,
        "variant_id": review.variant_id,
        "rating": review.rating,
        "title": review.title,
        "text": review.text,
        "author_name": review.author_name,
        "locale": review.locale,
        "verified_purchase": review.verified_purchase,
        "photos": [
            PhotoRead(url=photos.url(p), content_type=str(p["content_type"])) for p in review.photos
        ],
        "reply": reply,
        "created_at": review.created_at,
    }


def rating(product_id: uuid.UUID, row: RatingSummary | None) -> RatingRead:
    if row is None:
        summary = rules.EMPTY
    else:
        summary = rules.summarize((row.stars_1, row.stars_2, row.stars_3, row.stars_4, row.stars_5))
    return RatingRead(
        product_id=product_id,
        count=summary.count,
        average=summary.average,
        histogram={str(star): n for star, n in zip(rules.STARS, summary.histogram, strict=True)},
    )
