"""Promotions API: staff promotions, voucher codes and flash-sale prices; the buyer's voucher
codes on a cart (the cart token is the capability)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response

from omnishop.api.auth import require_scope
from omnishop.api.deps import SessionDep
from omnishop.api.pagination import Cursor, Limit, Page, decode_cursor, encode_cursor
from omnishop.checkout import vouchers
from omnishop.checkout.schemas import CartView, VoucherApply
from omnishop.kernel.errors import ValidationFailed
from omnishop.pricing import promotion_staff as staff
from omnishop.pricing.promotion_schemas import (
    PromotionCreate,
    PromotionRead,
    PromotionUpdate,
    SalePriceRead,
    SalePriceSet,
    VoucherBatch,
    VoucherBulk,
    VoucherCreate,
    VoucherRead,
)

router = APIRouter()
promotions = APIRouter(prefix="/promotions", tags=["promotions"])
carts = APIRouter(prefix="/carts", tags=["cart"])
write = [Depends(require_scope("pricing:write"))]
read = [Depends(require_scope("catalog:read"))]
Token = Annotated[
    str,
    Path(pattern=r"^[A-Za-z0-9_-]{16,64}$", description="The cart token from POST /carts."),
]
CodePath = Annotated[str, Path(min_length=1, max_length=64)]


def _after(cursor: str | None) -> uuid.UUID | None:
    raw = decode_cursor(cursor)
    if raw is None:
        return None
    try:
        return uuid.UUID(str(raw["id"]))
    except (KeyError, ValueError) as exc:
        raise ValidationFailed("malformed cursor", field="cursor") from exc


@promotions.post("", status_code=201, dependencies=write)
async def create_promotion(session: SessionDep, body: PromotionCreate) -> PromotionRead:
    """A promotion: conditions (channels, tiers, segments, categories/products, minimum
    subtotal, dates, first order) and a reward; `needs_voucher` for code-only promotions."""
    return PromotionRead.model_validate(await staff.create_promotion(session=session, data=body))


@promotions.get("", dependencies=read)
async def list_promotions(
    session: SessionDep, limit: Limit = 50, cursor: Cursor = None
) -> Page[PromotionRead]:
    """Promotions, newest first."""
    rows = await staff.list_promotions(session=session, after=_after(cursor), limit=limit + 1)
    page = rows[:limit]
    nxt = encode_cursor({"id": str(page[-1].id)}) if len(rows) > limit else None
    return Page(data=[PromotionRead.model_validate(p) for p in page], next_cursor=nxt)


@promotions.get("/{promotion_id}", dependencies=read)
async def get_promotion(session: SessionDep, promotion_id: uuid.UUID) -> PromotionRead:
    return PromotionRead.model_validate(
        await staff.get_promotion(session=session, promotion_id=promotion_id)
    )


@promotions.patch("/{promotion_id}", dependencies=write)
async def update_promotion(
    session: SessionDep, promotion_id: uuid.UUID, body: PromotionUpdate
) -> PromotionRead:
    """Change the fields sent (e.g. `{"active": false}` ends it now)."""
    return PromotionRead.model_validate(
        await staff.update_promotion(session=session, promotion_id=promotion_id, data=body)
    )


@promotions.post("/{promotion_id}/vouchers", status_code=201, dependencies=write)
async def create_voucher(
    session: SessionDep, promotion_id: uuid.UUID, body: VoucherCreate
) -> VoucherRead:
    """One code (case-insensitive, unique) with total and per-customer usage limits."""
    return VoucherRead.model_validate(
        await staff.create_voucher(session=session, promotion_id=promotion_id, data=body)
    )


@promotions.post("/{promotion_id}/vouchers/bulk", status_code=201, dependencies=write)
async def generate_vouchers(
    session: SessionDep, promotion_id: uuid.UUID, body: VoucherBulk
) -> VoucherBatch:
    """`count` unguessable codes at once (single-use by default)."""
    return await staff.generate_vouchers(session=session, promotion_id=promotion_id, data=body)


@promotions.get("/{promotion_id}/vouchers", dependencies=read)
async def list_vouchers(
    session: SessionDep, promotion_id: uuid.UUID, limit: Limit = 50, cursor: Cursor = None
) -> Page[VoucherRead]:
    """The promotion's codes with their use counts."""
    rows = await staff.list_vouchers(
        session=session, promotion_id=promotion_id, after=_after(cursor), limit=limit + 1
    )
    page = rows[:limit]
    nxt = encode_cursor({"id": str(page[-1].id)}) if len(rows) > limit else None
    return Page(data=[VoucherRead.model_validate(v) for v in page], next_cursor=nxt)


@router.post("/sale-prices", status_code=201, dependencies=write, tags=["pricing"])
async def set_sale_price(session: SessionDep, body: SalePriceSet) -> SalePriceRead:
    """A flash-sale price of a variant in a channel from `starts_at` to `ends_at`."""
    return SalePriceRead.model_validate(await staff.set_sale_price(session=session, data=body))


@router.delete("/sale-prices/{sale_id}", status_code=204, dependencies=write, tags=["pricing"])
async def delete_sale_price(session: SessionDep, sale_id: uuid.UUID) -> Response:
    await staff.delete_sale_price(session=session, sale_id=sale_id)
    return Response(status_code=204)


@carts.post("/{token}/vouchers")
async def apply_voucher(session: SessionDep, token: Token, body: VoucherApply) -> CartView:
    """Put a voucher code on the cart; the cart shows what it gives or why it does not
    apply. 404 `voucher_not_found`, 409 `voucher_unavailable` (used up, ended) with why."""
    return await vouchers.apply_voucher(session=session, token=token, code=body.code)


@carts.delete("/{token}/vouchers/{code}")
async def remove_voucher(session: SessionDep, token: Token, code: CodePath) -> CartView:
    """Take a voucher code off the cart."""
    return await vouchers.remove_voucher(session=session, token=token, code=code)


router.include_router(promotions)
router.include_router(carts)
