"""CSV exchange of stock levels with an ERP: export every level, import counted quantities.

An import is all or nothing: every row is checked first and bad rows are reported by line
number; only a clean file is applied, in the caller's one transaction."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.inventory import service
from omnishop.inventory.models import Location, StockLevel
from omnishop.inventory.schemas import StockCount
from omnishop.kernel.errors import ValidationFailed

EXPORT_COLUMNS = (
    "location_code", "variant_id", "on_hand", "reserved", "committed", "safety_stock", "available",
    "incoming",
)  # fmt: skip
IMPORT_COLUMNS = ("location_code", "variant_id")
# At least one of these; a column that is present needs a value on every row.
QUANTITY_COLUMNS = ("on_hand", "incoming")
MAX_QUANTITY = 1_000_000_000
MAX_ROWS = 100_000
MAX_ERRORS = 100
VariantCheck = Callable[[Sequence[uuid.UUID]], Awaitable[set[uuid.UUID]]]


async def export_levels_csv(*, session: AsyncSession) -> str:
    """Every stock level as CSV, by location code then variant id."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(EXPORT_COLUMNS)
    rows = await session.execute(
        select(StockLevel, Location.code)
        .join(Location, Location.id == StockLevel.location_id)
        .order_by(Location.code, StockLevel.variant_id)
        .execution_options(populate_existing=True)
    )
    for level, code in rows:
        free = level.on_hand - level.reserved - level.committed - level.safety_stock
        writer.writerow(
            (code, level.variant_id, level.on_hand, level.reserved, level.committed,
             level.safety_stock, max(free, 0), level.incoming or 0)
        )  # fmt: skip
    return out.getvalue()


async def import_levels_csv(
    *,
    session: AsyncSession,
    text: str,
    known_variants: VariantCheck,
    actor: str | None = None,
) -> int:
    """Set on_hand and/or incoming (expected receipts) from a CSV with columns
    location_code, variant_id and on_hand, incoming or both; returns the number of rows
    applied. ``known_variants`` says which variant ids exist (catalog's call)."""
    reader = csv.DictReader(io.StringIO(text))
    header = reader.fieldnames or []
    missing = [c for c in IMPORT_COLUMNS if c not in header]
    quantities = [c for c in QUANTITY_COLUMNS if c in header]
    if not quantities:
        missing.append(" or ".join(QUANTITY_COLUMNS))
    if missing:
        raise ValidationFailed(f"missing columns: {', '.join(missing)}", field="file")
    codes = {loc.code: loc.id for loc in await _all_locations(session)}
    errors: list[dict[str, Any]] = []
    parsed: list[tuple[int, Row]] = []
    seen: dict[tuple[uuid.UUID, uuid.UUID], int] = {}
    for row in reader:
        line = reader.line_num
        if len(parsed) + len(errors) >= MAX_ROWS:
            raise ValidationFailed(f"at most {MAX_ROWS} rows per file", field="file")
        count = _parse(row, line, codes, quantities, errors)
        if count is None:
            continue
        key = (count.variant_id, count.location_id)
        if key in seen:
            errors.append(
                _error(line, "variant_id", f"same variant and location as line {seen[key]}")
            )
            continue
        seen[key] = line
        parsed.append((line, count))
    known = await known_variants(list({c.variant_id for _, c in parsed}))
    errors += [
        _error(line, "variant_id", "unknown variant")
        for line, c in parsed
        if c.variant_id not in known
    ]
    if errors:
        errors.sort(key=lambda e: int(e["line"]))
        raise ValidationFailed(
            f"{len(errors)} bad rows; nothing was imported", errors=errors[:MAX_ERRORS]
        )
    on_hand = [
        StockCount(c.variant_id, c.location_id, c.on_hand)
        for _, c in parsed
        if c.on_hand is not None
    ]
    incoming = [
        StockCount(c.variant_id, c.location_id, c.incoming)
        for _, c in parsed
        if c.incoming is not None
    ]
    if on_hand:
        await service.set_on_hand_many(
            session=session, counts=on_hand, reason="csv import", actor=actor
        )
    if incoming:
        await service.set_incoming_many(
            session=session, counts=incoming, reason="csv import", actor=actor
        )
    return len(parsed)


async def _all_locations(session: AsyncSession) -> Sequence[Location]:
    return list(await session.scalars(select(Location)))


def _error(line: int, field: str, message: str) -> dict[str, Any]:
    return {"line": line, "field": field, "message": message}


@dataclass(frozen=True)
class Row:
    """One parsed import row: the quantities it sets (None: the file has no such column)."""

    variant_id: uuid.UUID
    location_id: uuid.UUID
    on_hand: int | None
    incoming: int | None


def _quantity(raw: str) -> int | None:
    value = raw.strip()
    number = int(value) if value.isascii() and value.isdigit() else -1
    return number if 0 <= number <= MAX_QUANTITY else None


def _parse(
    row: dict[str, str | Any],
    line: int,
    codes: dict[str, uuid.UUID],
    quantities: list[str],
    errors: list[dict[str, Any]],
) -> Row | None:
    before = len(errors)
    location_id = codes.get(str(row.get("location_code") or "").strip())
    if location_id is None:
        errors.append(_error(line, "location_code", "unknown location"))
    try:
        variant_id = uuid.UUID(str(row.get("variant_id") or "").strip())
    except ValueError:
        errors.append(_error(line, "variant_id", "not a UUID"))
    values: dict[str, int | None] = dict.fromkeys(QUANTITY_COLUMNS)
    for column in quantities:
        values[column] = _quantity(str(row.get(column) or ""))
        if values[column] is None:
            errors.append(_error(line, column, "not a whole number from 0"))
    if len(errors) > before or location_id is None:
        return None
    return Row(variant_id, location_id, values["on_hand"], values["incoming"])
