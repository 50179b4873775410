"""Moderation: the staff queue, approve / reject with a reason / public reply, requeue after
reports, and the rating summary changed in the same transaction as every status move."""

from __future__ import annotations

import uuid
from typing import cast

from sqlalchemy import Table, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.kernel import clock, keyset, outbox
from omnishop.kernel.db import insert_for
from omnishop.kernel.errors import NotFound, ValidationFailed
from omnishop.reviews import photos, reading, rules
from omnishop.reviews.events import ReviewApproved, ReviewWithdrawn
from omnishop.reviews.models import RatingSummary, Review
from omnishop.reviews.rules import ReviewStatus
from omnishop.reviews.schemas import (
    ConsentedPhoto,
    ConsentedPhotoPage,
    ReviewStaffRead,
    StaffReviewPage,
)

STAR_COLUMNS = ("stars_1", "stars_2", "stars_3", "stars_4", "stars_5")


async def list_for_moderation(
    *,
    session: AsyncSession,
    status: ReviewStatus | None = ReviewStatus.PENDING,
    product_id: uuid.UUID | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> StaffReviewPage:
    """The queue (oldest first, so nothing waits forever), or any status; filter by product."""
    keyset.check_limit(limit)
    query = select(Review)
    if status is not None:
        query = query.where(Review.status == status)
    if product_id is not None:
        query = query.where(Review.product_id == product_id)
    page, next_cursor = await keyset.page(
        session, query, at=Review.created_at, row_id=Review.id, cursor=cursor, limit=limit,
        newest_first=False,
    )  # fmt: skip
    return StaffReviewPage(data=[reading.staff(r) for r in page], next_cursor=next_cursor)


async def get(*, session: AsyncSession, review_id: uuid.UUID) -> ReviewStaffRead:
    """One review, any status, as a moderator sees it."""
    return reading.staff(await _load(session, review_id))


async def approve(*, session: AsyncSession, review_id: uuid.UUID, actor: str) -> ReviewStaffRead:
    """Publish a pending (or reconsider a rejected) review; the rating counts it at once."""
    review = await _move(session, review_id, ReviewStatus.APPROVED, actor)
    review.reject_reason = None
    review.approved_at = clock.now()
    await session.flush()
    await outbox.emit(
        session,
        ReviewApproved(
            review_id=review.id,
            product_id=review.product_id,
            channel_id=review.channel_id,
            customer_id=str(review.customer_id) if review.customer_id else None,
            rating=review.rating,
            verified_purchase=review.verified_purchase,
            photos=len(review.photos),
            photo_rights_consent=review.photo_rights_consent,
        ),
    )
    return reading.staff(review)


async def reject(
    *, session: AsyncSession, review_id: uuid.UUID, reason: str, actor: str
) -> ReviewStaffRead:
    """Reject a pending review or take down an approved one, with a reason for the record."""
    reason = rules.clean_text(reason)
    if not reason or len(reason) > rules.REASON_MAX:
        raise ValidationFailed(f"reason must be 1–{rules.REASON_MAX} characters", field="reason")
    review = await _move(session, review_id, ReviewStatus.REJECTED, actor)
    review.reject_reason = reason
    await session.flush()
    return reading.staff(review)


async def reply(
    *, session: AsyncSession, review_id: uuid.UUID, text: str, actor: str
) -> ReviewStaffRead:
    """The shop's public answer under the review (replaces an earlier one)."""
    body = rules.clean_text(text)
    if not body or len(body) > rules.TEXT_MAX:
        raise ValidationFailed(f"text must be 1–{rules.TEXT_MAX} characters", field="text")
    review = await _load(session, review_id, lock=True)
    review.reply_text, review.reply_by, review.replied_at = body, actor, clock.now()
    await session.flush()
    return reading.staff(review)


async def requeue(*, session: AsyncSession, review_id: uuid.UUID, actor: str) -> ReviewStaffRead:
    """Send an approved review back to the queue (hidden and uncounted until decided)."""
    review = await _move(session, review_id, ReviewStatus.PENDING, actor)
    await session.flush()
    return reading.staff(review)


async def _load(session: AsyncSession, review_id: uuid.UUID, *, lock: bool = False) -> Review:
    query = select(Review).where(Review.id == review_id).execution_options(populate_existing=True)
    review = await session.scalar(query.with_for_update() if lock else query)
    if review is None:
        raise NotFound("review not found", field="review_id")
    return review


async def _move(
    session: AsyncSession, review_id: uuid.UUID, target: ReviewStatus, actor: str
) -> Review:
    # The row lock makes two moderators deciding at once take turns: the second sees the
    # first's decision and gets 409 rather than counting the review twice.
    review = await _load(session, review_id, lock=True)
    current = review.status
    rules.transition(current, target)
    review.status = target
    review.moderated_by, review.moderated_at = actor, clock.now()
    delta = rules.summary_delta(current, target)
    if delta:
        await _count(session, review.product_id, review.rating, delta)
    if delta < 0:
        await outbox.emit(
            session,
            ReviewWithdrawn(review_id=review.id, product_id=review.product_id, status=target),
        )
    return review


async def _count(session: AsyncSession, product_id: uuid.UUID, rating: int, delta: int) -> None:
    """Add (or withdraw) one approved review of ``rating`` to the product's summary: the
    counters move in one UPDATE (no lost update under concurrency), then the average follows
    from the counts the UPDATE returned."""
    rules.check_rating(rating)
    insert = insert_for(session)
    table = cast(Table, RatingSummary.__table__)
    await session.execute(
        insert(table)
        .values(product_id=product_id, updated_at=clock.now())
        .on_conflict_do_nothing(index_elements=["product_id"])
    )
    star = table.c[STAR_COLUMNS[rating - 1]]
    row = (
        await session.execute(
            update(table)
            .where(table.c.product_id == product_id)
            .values(
                {
                    star: star + delta,
                    table.c.count: table.c.count + delta,
                    table.c.total: table.c.total + delta * rating,
                    table.c.updated_at: clock.now(),
                }
            )
            .returning(*(table.c[name] for name in STAR_COLUMNS))
        )
    ).one()
    summary = rules.summarize(tuple(int(n) for n in row))
    await session.execute(
        update(table).where(table.c.product_id == product_id).values(average=summary.average)
    )
    # The ORM copy (if loaded) is stale now; the next read must come from the table.
    cached = await session.get(RatingSummary, product_id)
    if cached is not None:
        await session.refresh(cached)


async def consented_photos(
    *, session: AsyncSession, cursor: str | None = None, limit: int = 50
) -> ConsentedPhotoPage:
    """Photos of approved reviews whose authors allowed reuse in social feeds, newest first."""
    keyset.check_limit(limit)
    query = select(Review).where(
        Review.status == ReviewStatus.APPROVED,
        Review.photo_rights_consent.is_(True),
    )
    page, next_cursor = await keyset.page(
        session, query, at=Review.approved_at, row_id=Review.id, cursor=cursor, limit=limit
    )
    return ConsentedPhotoPage(
        data=[
            ConsentedPhoto(
                review_id=r.id,
                product_id=r.product_id,
                rating=r.rating,
                author_name=r.author_name,
                url=photos.url(p),
                content_type=str(p["content_type"]),
                approved_at=r.approved_at,
            )
            for r in page
            for p in r.photos
        ],
        next_cursor=next_cursor,
    )
