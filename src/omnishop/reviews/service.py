"""Reviews as customers and shoppers use them: who may review, writing one (with photos),
the approved list and rating of a product, and abuse reports. Moderation is in
``reviews.moderation``."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from babel.dates import format_date
from babel.numbers import format_decimal
from sqlalchemy import exists, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.catalog import service as catalog
from omnishop.channels import service as channels
from omnishop.customers import contacts
from omnishop.kernel import i18n, keyset
from omnishop.kernel.errors import NotFound, ValidationFailed
from omnishop.orders import purchases
from omnishop.reviews import moderation, photos, reading, rules
from omnishop.reviews.models import RatingSummary, Review, ReviewReport
from omnishop.reviews.photos import PhotoUpload
from omnishop.reviews.rules import ReviewStatus
from omnishop.reviews.schemas import (
    Eligibility,
    MyReviewPage,
    RatingRead,
    ReportCreate,
    ReportRead,
    ReviewCreate,
    ReviewPage,
    ReviewRead,
    ReviewStaffRead,
)


async def eligibility(
    *, session: AsyncSession, customer_id: uuid.UUID, product_ref: str
) -> Eligibility:
    """Whether the customer may review the product now (storefront and chat show the button)."""
    product_id = await catalog.find_product_id(session=session, id_or_slug=product_ref)
    reason, _ = await _eligibility(session, customer_id, product_id)
    return Eligibility(eligible=reason is None, reason=reason.value if reason else None)


async def _eligibility(
    session: AsyncSession, customer_id: uuid.UUID, product_id: uuid.UUID
) -> tuple[rules.Ineligible | None, uuid.UUID | None]:
    order_id = await purchases.delivered_order_for(
        session=session, customer_id=customer_id, product_id=product_id
    )
    already = bool(
        await session.scalar(
            select(
                exists().where(Review.customer_id == customer_id, Review.product_id == product_id)
            )
        )
    )
    reason = rules.eligibility(received_order=order_id is not None, already_reviewed=already)
    return reason, order_id


async def submit(
    *,
    session: AsyncSession,
    customer_id: uuid.UUID,
    product_ref: str,
    data: ReviewCreate,
    uploads: Sequence[PhotoUpload] = (),
    media_dir: Path,
) -> ReviewStaffRead:
    """A verified buyer's review, pending moderation. 403 without a received order of the
    product, 409 for a second review, 422 for bad text or a photo that is not an image."""
    product_id = await catalog.find_product_id(session=session, id_or_slug=product_ref)
    customer = await contacts.profile(session=session, customer_id=customer_id)
    reason, order_id = await _eligibility(session, customer_id, product_id)
    rules.require_eligible(reason)
    assert order_id is not None
    title, text = rules.check_text(data.title, data.text)
    if data.variant_id is not None:
        bundle = await catalog.get_bundle(session=session, id_or_slug=str(product_id))
        if data.variant_id not in {v.id for v in bundle.variants}:
            raise ValidationFailed(
                "variant_id is not a variant of this product", field="variant_id"
            )
    if data.channel is not None:
        channel_id = (await channels.get_by_code(session=session, code=data.channel)).id
    else:
        channel_id = await purchases.channel_of(session=session, order_id=order_id)
    checked = photos.check(uploads)
    stored = await photos.store(media_dir, checked)
    review = Review(
        product_id=product_id,
        variant_id=data.variant_id,
        customer_id=customer_id,
        order_id=order_id,
        channel_id=channel_id,
        author_name=rules.author_name(customer.first_name, customer.last_name),
        rating=rules.check_rating(data.rating),
        title=title,
        text=text,
        locale=data.locale or i18n.normalize(customer.locale) or i18n.DEFAULT_LOCALE,
        photos=stored,
        photo_rights_consent=data.photo_rights_consent and bool(stored),
        verified_purchase=True,
        status=ReviewStatus.PENDING,
        flags=list(rules.flags(title, text)),
    )
    try:
        # A savepoint: a concurrent double submit loses on the unique key, cleanly.
        async with session.begin_nested():
            session.add(review)
            await session.flush()
    except IntegrityError as exc:
        await photos.remove(media_dir, stored)
        raise rules.AlreadyReviewed("this customer has already reviewed this product") from exc
    except BaseException:
        await photos.remove(media_dir, stored)
        raise
    return reading.staff(review)


async def list_public(
    *, session: AsyncSession, product_ref: str, cursor: str | None = None, limit: int = 10
) -> ReviewPage:
    """A product's approved reviews, newest first, with the verified badge and staff reply."""
    keyset.check_limit(limit)
    product_id = await catalog.find_product_id(session=session, id_or_slug=product_ref)
    query = select(Review).where(
        Review.product_id == product_id, Review.status == ReviewStatus.APPROVED
    )
    page, next_cursor = await keyset.page(
        session, query, at=Review.approved_at, row_id=Review.id, cursor=cursor, limit=limit
    )
    return ReviewPage(data=[reading.public(r) for r in page], next_cursor=next_cursor)


async def rating(*, session: AsyncSession, product_ref: str) -> RatingRead:
    """The product's rating summary (approved reviews only)."""
    product_id = await catalog.find_product_id(session=session, id_or_slug=product_ref)
    return reading.rating(product_id, await session.get(RatingSummary, product_id))


async def ratings(
    *, session: AsyncSession, product_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, RatingRead]:
    """Rating summaries of many products at once (grids, search results)."""
    rows = {
        row.product_id: row
        for row in await session.scalars(
            select(RatingSummary).where(RatingSummary.product_id.in_(list(product_ids)))
        )
    }
    return {pid: reading.rating(pid, rows.get(pid)) for pid in product_ids}


async def report(
    *, session: AsyncSession, review_id: uuid.UUID, reporter_id: uuid.UUID, data: ReportCreate
) -> ReportRead:
    """A shopper reports an approved review; once per reporter (a repeat changes nothing).
    Enough distinct reports send the review back to the moderation queue."""
    review = await session.scalar(
        select(Review).where(Review.id == review_id, Review.status == ReviewStatus.APPROVED)
    )
    if review is None:
        raise NotFound("review not found", field="review_id")
    try:
        async with session.begin_nested():
            session.add(
                ReviewReport(
                    review_id=review_id, reporter_id=reporter_id, reason=data.reason, note=data.note
                )
            )
            await session.flush()
    except IntegrityError:
        return ReportRead(review_id=review_id, reason=data.reason, created=False)
    count = await session.scalar(
        update(Review)
        .where(Review.id == review_id)
        .values(report_count=Review.report_count + 1)
        .returning(Review.report_count)
        .execution_options(synchronize_session=False)
    )
    if rules.requeue_after_report(review.status, int(count or 0)):
        await moderation.requeue(session=session, review_id=review_id, actor="reports")
    return ReportRead(review_id=review_id, reason=data.reason, created=True)


async def customer_reviews(
    *, session: AsyncSession, customer_id: uuid.UUID, cursor: str | None = None, limit: int = 20
) -> MyReviewPage:
    """The customer's own reviews, newest first, with their moderation status."""
    keyset.check_limit(limit)
    query = select(Review).where(Review.customer_id == customer_id)
    page, next_cursor = await keyset.page(
        session, query, at=Review.created_at, row_id=Review.id, cursor=cursor, limit=limit
    )
    return MyReviewPage(data=[reading.mine(r) for r in page], next_cursor=next_cursor)


async def get_public(*, session: AsyncSession, review_id: uuid.UUID) -> ReviewRead:
    """One approved review."""
    review = await session.scalar(
        select(Review).where(Review.id == review_id, Review.status == ReviewStatus.APPROVED)
    )
    if review is None:
        raise NotFound("review not found", field="review_id")
    return reading.public(review)


@dataclass(frozen=True)
class PanelReview:
    review: ReviewRead
    date_label: str  # the date in the page's locale


@dataclass(frozen=True)
class ReviewPanel:
    """What a product page shows: the rating and the latest approved reviews."""

    rating: RatingRead
    average_label: str  # "4,7" in ru, "4.7" in en
    latest: list[PanelReview]
    more: bool


async def product_panel(
    *, session: AsyncSession, product_ref: str, locale: str, limit: int = 3
) -> ReviewPanel:
    """The rating summary and latest approved reviews, labelled in ``locale``."""
    product_id = await catalog.find_product_id(session=session, id_or_slug=product_ref)
    summary = reading.rating(product_id, await session.get(RatingSummary, product_id))
    # Most products have no approved review: then the list is not even asked for.
    page = (
        await list_public(session=session, product_ref=str(product_id), limit=limit)
        if summary.count
        else ReviewPage(data=[], next_cursor=None)
    )
    average = (Decimal(summary.average) / 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return ReviewPanel(
        rating=summary,
        average_label=format_decimal(average, format="0.0", locale=locale),
        latest=[
            PanelReview(
                review=r, date_label=format_date(r.created_at, format="long", locale=locale)
            )
            for r in page.data
        ],
        more=page.next_cursor is not None,
    )
