"""Inventory API (staff): stock levels, compare-and-set counts, adjustments and transfers."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.api.auth import require_scope
from omnishop.api.deps import SessionDep
from omnishop.api.pagination import Page
from omnishop.catalog import service as catalog
from omnishop.customers.models import ApiKey
from omnishop.inventory import exchange, operations
from omnishop.inventory.schemas import Adjustment, LevelRead, LevelSet, TransferCreate, TransferRead
from omnishop.kernel.errors import NotFound, ValidationFailed

router = APIRouter(prefix="/inventory", tags=["inventory"])
MAX_CSV_BYTES = 20 * 1024 * 1024
Reader = Annotated[ApiKey, Depends(require_scope("inventory:read"))]
Writer = Annotated[ApiKey, Depends(require_scope("inventory:write"))]


async def _known(session: AsyncSession, variant_ids: Iterable[uuid.UUID]) -> None:
    # A clear 404 naming the field instead of a foreign-key failure deep in the write.
    wanted = set(variant_ids)
    if wanted - await catalog.existing_variant_ids(session=session, variant_ids=list(wanted)):
        raise NotFound("variant not found", field="variant_id")


@router.get("/levels")
async def list_levels(session: SessionDep, _: Reader, variant_id: uuid.UUID) -> Page[LevelRead]:
    """A variant's stock at each location (one row per location, so one page)."""
    await _known(session, [variant_id])
    return Page(data=await operations.levels_for_variant(session=session, variant_id=variant_id))


@router.put("/levels")
async def set_level(session: SessionDep, key: Writer, body: LevelSet) -> LevelRead:
    """Set the counted on_hand; with `expected_on_hand` a 409 `stock_mismatch` if it moved."""
    await _known(session, [body.variant_id])
    return await operations.set_level(session=session, data=body, actor=f"apikey:{key.id}")


@router.post("/adjust")
async def adjust(session: SessionDep, key: Writer, body: Adjustment) -> LevelRead:
    """Add or remove stock with a reason; on_hand never goes below zero (409 `out_of_stock`)."""
    await _known(session, [body.variant_id])
    return await operations.adjust(session=session, data=body, actor=f"apikey:{key.id}")


@router.post("/transfers", status_code=201)
async def transfer(session: SessionDep, key: Writer, body: TransferCreate) -> TransferRead:
    """Move available stock between locations, both sides in one transaction."""
    await _known(session, [body.variant_id])
    return await operations.transfer(session=session, data=body, actor=f"apikey:{key.id}")


@router.get("/levels.csv", response_class=Response)
async def export_levels(session: SessionDep, _: Reader) -> Response:
    """Every stock level as CSV for an ERP."""
    body = await exchange.export_levels_csv(session=session)
    return Response(body, media_type="text/csv; charset=utf-8")


class ImportResult(BaseModel):
    rows: int


@router.post("/levels.csv", openapi_extra={"requestBody": {"content": {"text/csv": {}}}})
async def import_levels(session: SessionDep, key: Writer, request: Request) -> ImportResult:
    """Set on_hand from CSV (location_code, variant_id, on_hand). All rows or none: bad rows
    come back as a 422 problem listing each line, field and reason."""
    raw = await request.body()
    if len(raw) > MAX_CSV_BYTES:
        raise ValidationFailed("the file is larger than 20 MB", field="file")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationFailed("the file is not UTF-8", field="file") from None

    async def known(ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
        return await catalog.existing_variant_ids(session=session, variant_ids=ids)

    rows = await exchange.import_levels_csv(
        session=session, text=text, known_variants=known, actor=f"apikey:{key.id}"
    )
    return ImportResult(rows=rows)
