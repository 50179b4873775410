"""Inventory API (staff): locations, stock levels, compare-and-set counts, adjustments and
transfers."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from enum import Enum
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.api.auth import require_scope
from omnishop.api.deps import SessionDep
from omnishop.api.pagination import Cursor, Limit, Page, decode_cursor, encode_cursor
from omnishop.catalog import service as catalog
from omnishop.customers.models import ApiKey
from omnishop.inventory import exchange, locations, operations
from omnishop.inventory.schemas import (
    Adjustment,
    LevelRead,
    LevelSet,
    LocationCreate,
    LocationRead,
    LocationUpdate,
    TransferCreate,
    TransferRead,
)
from omnishop.kernel.errors import NotFound, ValidationFailed

router = APIRouter()
INVENTORY: list[str | Enum] = ["inventory"]
LOCATIONS: list[str | Enum] = ["locations"]
MAX_CSV_BYTES = 20 * 1024 * 1024
Reader = Annotated[ApiKey, Depends(require_scope("inventory:read"))]
Writer = Annotated[ApiKey, Depends(require_scope("inventory:write"))]


async def _known(session: AsyncSession, variant_ids: Iterable[uuid.UUID]) -> None:
    # A clear 404 naming the field instead of a foreign-key failure deep in the write.
    wanted = set(variant_ids)
    if wanted - await catalog.existing_variant_ids(session=session, variant_ids=list(wanted)):
        raise NotFound("variant not found", field="variant_id")


@router.get("/inventory/levels", tags=INVENTORY)
async def list_levels(session: SessionDep, _: Reader, variant_id: uuid.UUID) -> Page[LevelRead]:
    """A variant's stock at each location (one row per location, so one page)."""
    await _known(session, [variant_id])
    return Page(data=await operations.levels_for_variant(session=session, variant_id=variant_id))


@router.put("/inventory/levels", tags=INVENTORY)
async def set_level(session: SessionDep, key: Writer, body: LevelSet) -> LevelRead:
    """Set the counted on_hand and/or `incoming` (expected receipts, never sold); with
    `expected_on_hand` a 409 `stock_mismatch` if the count moved."""
    await _known(session, [body.variant_id])
    return await operations.set_level(session=session, data=body, actor=f"apikey:{key.id}")


@router.post("/inventory/adjust", tags=INVENTORY)
async def adjust(session: SessionDep, key: Writer, body: Adjustment) -> LevelRead:
    """Add or remove stock with a reason; on_hand never goes below zero (409 `out_of_stock`)."""
    await _known(session, [body.variant_id])
    return await operations.adjust(session=session, data=body, actor=f"apikey:{key.id}")


@router.post("/inventory/transfers", tags=INVENTORY, status_code=201)
async def transfer(session: SessionDep, key: Writer, body: TransferCreate) -> TransferRead:
    """Move available stock between locations, both sides in one transaction."""
    await _known(session, [body.variant_id])
    return await operations.transfer(session=session, data=body, actor=f"apikey:{key.id}")


@router.get("/inventory/levels.csv", tags=INVENTORY, response_class=Response)
async def export_levels(session: SessionDep, _: Reader) -> Response:
    """Every stock level as CSV for an ERP."""
    body = await exchange.export_levels_csv(session=session)
    return Response(body, media_type="text/csv; charset=utf-8")


class ImportResult(BaseModel):
    rows: int


@router.post(
    "/inventory/levels.csv",
    tags=INVENTORY,
    openapi_extra={"requestBody": {"content": {"text/csv": {}}}},
)
async def import_levels(session: SessionDep, key: Writer, request: Request) -> ImportResult:
    """Set on_hand and/or incoming from CSV (location_code, variant_id, then on_hand,
    incoming or both). All rows or none: bad rows
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


LocationId = Annotated[uuid.UUID, Path(description="The location's id.")]


@router.get("/locations", tags=LOCATIONS)
async def list_locations(
    session: SessionDep,
    _: Reader,
    cursor: Cursor = None,
    limit: Limit = 50,
    active: Annotated[bool | None, Query(description="Only active (or archived) ones.")] = None,
) -> Page[LocationRead]:
    """Every warehouse, store and pickup point by code, archived ones included unless
    `active` says otherwise."""
    after = decode_cursor(cursor)
    after_code = after.get("code") if after else None
    if after is not None and not isinstance(after_code, str):
        raise ValidationFailed("malformed cursor", field="cursor")
    found = await locations.list_page(
        session=session, after_code=after_code, limit=limit + 1, active=active
    )
    page = found[:limit]
    return Page(
        data=await locations.reads(session=session, locations=page),
        next_cursor=encode_cursor({"code": page[-1].code}) if len(found) > limit else None,
    )


@router.post("/locations", tags=LOCATIONS, status_code=201)
async def create_location(session: SessionDep, _: Writer, body: LocationCreate) -> LocationRead:
    """Add a location. `timezone` is an IANA zone; `opening_hours` maps mon..sun to
    `[["10:00", "22:00"], ...]` in that zone; `channels` lists channel codes (none: all)."""
    location = await locations.create(session=session, data=body)
    return await locations.read(session=session, location=location)


@router.get("/locations/{location_id}", tags=LOCATIONS)
async def get_location(session: SessionDep, _: Reader, location_id: LocationId) -> LocationRead:
    location = await locations.get(session=session, location_id=location_id)
    return await locations.read(session=session, location=location)


@router.patch("/locations/{location_id}", tags=LOCATIONS)
async def update_location(
    session: SessionDep, _: Writer, location_id: LocationId, body: LocationUpdate
) -> LocationRead:
    """Change the fields sent; `{"active": false}` archives the location (no more holds or
    pickup there), `{"channels": []}` lets it serve every channel."""
    location = await locations.update(session=session, location_id=location_id, data=body)
    return await locations.read(session=session, location=location)
