"""Shaping review rows for readers, and the (time, id) paging cursor of review lists."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import datetime
from typing import Any

from omnishop.kernel.errors import ValidationFailed
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


def encode_cursor(at: datetime, row_id: uuid.UUID) -> str:
    raw = json.dumps({"at": at.isoformat(), "id": str(row_id)}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> tuple[datetime, uuid.UUID] | None:
    """The (time, id) a page continues after; a cursor we did not make is a 422."""
    if cursor is None:
        return None
    try:
        raw: Any = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        at = datetime.fromisoformat(raw["at"])
        if at.tzinfo is None:
            raise ValueError("naive")
        return at, uuid.UUID(raw["id"])
    except (ValueError, TypeError, KeyError, UnicodeDecodeError) as exc:
        raise ValidationFailed("malformed cursor", field="cursor") from exc


def check_limit(limit: int) -> None:
    if not 1 <= limit <= 100:
        raise ValidationFailed("limit must be 1–100", field="limit")
