"""Reviews API: a product's approved reviews and rating for everyone; writing a review
(verified buyers, JSON or multipart with photos) and abuse reports for signed-in customers;
the moderation queue, approve / reject / reply and consented photos for staff."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response
from fastapi.exceptions import HTTPException, RequestValidationError
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from omnishop.api.auth import require_scope
from omnishop.api.deps import SessionDep
from omnishop.api.pagination import Cursor, Limit
from omnishop.customers import tokens
from omnishop.customers.models import ApiKey, Customer
from omnishop.kernel.errors import ValidationFailed
from omnishop.kernel.settings import Settings
from omnishop.reviews import moderation, rules, service
from omnishop.reviews.photos import PhotoUpload
from omnishop.reviews.rules import ReviewStatus
from omnishop.reviews.schemas import (
    ConsentedPhotoPage,
    Eligibility,
    MyReviewPage,
    RatingRead,
    RejectRequest,
    ReplyRequest,
    ReportCreate,
    ReportRead,
    ReviewCreate,
    ReviewPage,
    ReviewStaffRead,
    StaffReviewPage,
)

router = APIRouter(tags=["reviews"])
Reader = Annotated[ApiKey, Depends(require_scope("reviews:read"))]
Writer = Annotated[ApiKey, Depends(require_scope("reviews:write"))]
ProductRef = Annotated[str, Path(min_length=1, max_length=120, description="Product id or slug.")]
FORM_TRUE = {"1", "true", "on", "yes"}


async def signed_in_customer(
    session: SessionDep,
    authorization: Annotated[str | None, Header(max_length=200)] = None,
    x_customer_token: Annotated[
        str | None,
        Header(alias="X-Customer-Token", max_length=200, description="The buyer's token."),
    ] = None,
) -> Customer:
    """The buyer, from ``Authorization: Bearer cst_…`` or ``X-Customer-Token``."""
    token = x_customer_token
    if token is None and authorization and authorization.lower().startswith("bearer "):
        token = authorization[7:].strip()
    return await tokens.authenticate(session=session, token=token)


CustomerDep = Annotated[Customer, Depends(signed_in_customer)]

_REVIEW_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": ReviewCreate.model_json_schema()},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["rating", "text"],
                    "properties": {
                        **{
                            k: {"type": "string"}
                            for k in ("title", "text", "variant_id", "channel", "locale")
                        },
                        "rating": {"type": "integer", "minimum": 1, "maximum": 5},
                        "photo_rights_consent": {"type": "boolean"},
                        "photos": {
                            "type": "array",
                            "maxItems": rules.PHOTOS_MAX,
                            "items": {"type": "string", "format": "binary"},
                        },
                    },
                }
            },
        },
    }
}


@router.get("/products/{product_ref}/reviews")
async def product_reviews(
    session: SessionDep, product_ref: ProductRef, cursor: Cursor = None, limit: Limit = 10
) -> ReviewPage:
    """Approved reviews, newest first, with the verified-purchase badge and the shop's reply."""
    return await service.list_public(
        session=session, product_ref=product_ref, cursor=cursor, limit=limit
    )


@router.get("/products/{product_ref}/rating")
async def product_rating(session: SessionDep, product_ref: ProductRef) -> RatingRead:
    """Count, average (hundredths: 467 = 4.67) and histogram of approved reviews."""
    return await service.rating(session=session, product_ref=product_ref)


# Under /customer, not /products: the catalog micro-cache (api/cache.py) keys /products reads
# without the X-Customer-Token header, and this answer is the customer's own.
@router.get("/customer/reviews/eligibility")
async def review_eligibility(
    session: SessionDep,
    customer: CustomerDep,
    product: Annotated[str, Query(min_length=1, max_length=120, description="Product id or slug.")],
) -> Eligibility:
    """Whether the signed-in customer may review the product (else `reason`)."""
    return await service.eligibility(session=session, customer_id=customer.id, product_ref=product)


@router.post("/products/{product_ref}/reviews", status_code=201, openapi_extra=_REVIEW_BODY)
async def create_review(
    request: Request, session: SessionDep, customer: CustomerDep, product_ref: ProductRef
) -> ReviewStaffRead:
    """Review a product received in any channel: JSON, or multipart with up to 5 photos
    (JPEG, PNG, WebP, ≤ 5 MB each). Pending until a moderator approves it. 403
    `review_requires_delivered_order`, 409 `review_exists`, 422 `unsupported_photo`."""
    data, uploads = await _review_input(request)
    settings: Settings = request.app.state.settings
    return await service.submit(
        session=session,
        customer_id=customer.id,
        product_ref=product_ref,
        data=data,
        uploads=uploads,
        media_dir=settings.media_dir,
    )


# Five photos at their limit plus the text fields: anything bigger is refused before reading.
MAX_BODY = rules.PHOTOS_MAX * rules.PHOTO_BYTES_MAX + 256 * 1024


async def _review_input(request: Request) -> tuple[ReviewCreate, list[PhotoUpload]]:
    content_type = request.headers.get("content-type", "")
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > MAX_BODY:
        raise HTTPException(413, "a review with its photos is at most 25 MB")
    try:
        if content_type.startswith("multipart/form-data"):
            form = await request.form(max_files=rules.PHOTOS_MAX + 1, max_fields=20)
            fields: dict[str, Any] = {}
            uploads: list[PhotoUpload] = []
            for name, value in form.multi_items():
                if isinstance(value, UploadFile):
                    if name != "photos":
                        raise ValidationFailed("files go in the `photos` field", field=name)
                    data = await value.read(rules.PHOTO_BYTES_MAX + 1)
                    uploads.append(PhotoUpload(data=data, filename=value.filename))
                elif name == "rating":
                    fields[name] = int(value) if value.strip().isdigit() else value
                elif name == "photo_rights_consent":
                    fields[name] = value.strip().lower() in FORM_TRUE
                elif name != "photos":
                    fields[name] = value
            return ReviewCreate.model_validate(fields), uploads
        return ReviewCreate.model_validate_json(await request.body()), []
    except ValidationError as exc:
        raise RequestValidationError(
            [{**e, "loc": ("body", *e["loc"])} for e in exc.errors()]
        ) from exc


@router.get("/customer/reviews")
async def my_reviews(
    session: SessionDep, customer: CustomerDep, cursor: Cursor = None, limit: Limit = 20
) -> MyReviewPage:
    """The signed-in customer's reviews, newest first, with their status."""
    return await service.customer_reviews(
        session=session, customer_id=customer.id, cursor=cursor, limit=limit
    )


@router.post("/reviews/{review_id}/reports", status_code=201)
async def report_review(
    session: SessionDep,
    customer: CustomerDep,
    review_id: uuid.UUID,
    body: ReportCreate,
    response: Response,
) -> ReportRead:
    """Report an abusive review (201); reporting it again is acknowledged with 200."""
    result = await service.report(
        session=session, review_id=review_id, reporter_id=customer.id, data=body
    )
    if not result.created:
        response.status_code = 200
    return result


@router.get("/reviews")
async def moderation_queue(
    session: SessionDep,
    _: Reader,
    status: ReviewStatus | None = ReviewStatus.PENDING,
    product_id: uuid.UUID | None = None,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> StaffReviewPage:
    """Reviews by status (default `pending`, oldest first), with heuristics' flags."""
    return await moderation.list_for_moderation(
        session=session, status=status, product_id=product_id, cursor=cursor, limit=limit
    )


@router.get("/reviews/photos")
async def consented_photos(
    session: SessionDep,
    _: Reader,
    consented: Annotated[bool, Query(description="Only `true` is served.")] = True,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> ConsentedPhotoPage:
    """Photos of approved reviews whose authors allowed reuse in social feeds."""
    if not consented:
        raise ValidationFailed("only consented photos may be listed for reuse", field="consented")
    return await moderation.consented_photos(session=session, cursor=cursor, limit=limit)


@router.get("/reviews/{review_id}")
async def get_review(session: SessionDep, _: Reader, review_id: uuid.UUID) -> ReviewStaffRead:
    return await moderation.get(session=session, review_id=review_id)


@router.post("/reviews/{review_id}/approve")
async def approve_review(session: SessionDep, key: Writer, review_id: uuid.UUID) -> ReviewStaffRead:
    """Publish the review; the product's rating counts it in the same transaction."""
    return await moderation.approve(session=session, review_id=review_id, actor=f"apikey:{key.id}")


@router.post("/reviews/{review_id}/reject")
async def reject_review(
    session: SessionDep, key: Writer, review_id: uuid.UUID, body: RejectRequest
) -> ReviewStaffRead:
    """Reject (or take down) the review with a reason. 409 if already rejected."""
    return await moderation.reject(
        session=session, review_id=review_id, reason=body.reason, actor=f"apikey:{key.id}"
    )


@router.post("/reviews/{review_id}/reply")
async def reply_review(
    session: SessionDep, key: Writer, review_id: uuid.UUID, body: ReplyRequest
) -> ReviewStaffRead:
    """The shop's public reply, shown under the review."""
    return await moderation.reply(
        session=session, review_id=review_id, text=body.text, actor=f"apikey:{key.id}"
    )
