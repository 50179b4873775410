"""Pricing API (staff): per-channel variant prices and FX rates."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from omnishop.api.auth import require_scope
from omnishop.api.deps import SessionDep
from omnishop.api.pagination import Cursor, Limit, Page, decode_cursor, encode_cursor
from omnishop.kernel.errors import ValidationFailed
from omnishop.pricing import service as pricing
from omnishop.pricing.schemas import FxRateRead, FxRateSet, PriceRead, PriceSet

router = APIRouter(tags=["pricing"])
write = [Depends(require_scope("pricing:write"))]
# Reading prices and rates is staff-only too: a key that may read the catalog may read them.
read = [Depends(require_scope("catalog:read"))]
CurrencyQuery = Annotated[str | None, Query(pattern=r"^[A-Z]{3}$")]


@router.put("/prices", dependencies=write)
async def put_price(session: SessionDep, body: PriceSet) -> PriceRead:
    """Set a variant's price in a channel, in minor units of the channel's currency."""
    return await pricing.put_price(session=session, data=body)


@router.get("/prices", dependencies=read)
async def list_prices(session: SessionDep, variant_id: uuid.UUID) -> Page[PriceRead]:
    """A variant's prices in every channel (one row per channel, so one page)."""
    return Page(data=await pricing.list_prices(session=session, variant_id=variant_id))


@router.post("/fx-rates", status_code=201, dependencies=write)
async def set_fx_rate(session: SessionDep, body: FxRateSet) -> FxRateRead:
    """Record a rate: 1 `base` buys `rate` `quote`, as of `as_of` (default now)."""
    return FxRateRead.model_validate(await pricing.set_fx_rate(session=session, data=body))


@router.get("/fx-rates", dependencies=read)
async def list_fx_rates(
    session: SessionDep,
    base: CurrencyQuery = None,
    quote: CurrencyQuery = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[FxRateRead]:
    """Stored rates, newest first."""
    after = _after(decode_cursor(cursor))
    rows = await pricing.list_fx_rates(
        session=session, base=base, quote=quote, after=after, limit=limit + 1
    )
    page = rows[:limit]
    next_cursor = (
        encode_cursor({"as_of": page[-1].as_of.isoformat(), "id": str(page[-1].id)})
        if len(rows) > limit
        else None
    )
    return Page(data=[FxRateRead.model_validate(r) for r in page], next_cursor=next_cursor)


def _after(cursor: dict[str, object] | None) -> tuple[datetime, uuid.UUID] | None:
    if cursor is None:
        return None
    try:
        as_of = datetime.fromisoformat(str(cursor["as_of"]))
        last_id = uuid.UUID(str(cursor["id"]))
    except (KeyError, ValueError) as exc:
        raise ValidationFailed("malformed cursor", field="cursor") from exc
    if as_of.tzinfo is None:
        raise ValidationFailed("malformed cursor", field="cursor")
    return as_of, last_id
