"""Keyset paging by (time, id): a page of rows after an opaque cursor, and the cursor that
continues it. Stable under inserts, unlike OFFSET; one ordering for every list that pages by
a timestamp (orders by placed_at, reviews by created_at or approved_at)."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Select, and_, or_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from omnishop.kernel.errors import ValidationFailed

T = TypeVar("T")


def encode(at: datetime, row_id: uuid.UUID) -> str:
    raw = json.dumps({"at": at.isoformat(), "id": str(row_id)}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor: str | None) -> tuple[datetime, uuid.UUID] | None:
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


def check_limit(limit: int, most: int = 100) -> None:
    if not 1 <= limit <= most:
        raise ValidationFailed(f"limit must be 1–{most}", field="limit")


async def page(
    session: AsyncSession,
    query: Select[T],
    *,
    at: InstrumentedAttribute[Any],
    row_id: InstrumentedAttribute[Any],
    cursor: str | None,
    limit: int,
    newest_first: bool = True,
) -> tuple[list[T], str | None]:
    """Up to ``limit`` rows of ``query`` after ``cursor``, ordered by (``at``, ``row_id``)
    newest (or oldest) first, and the cursor of the next page (None on the last one)."""
    check_limit(limit)
    after = decode(cursor)
    if after is not None:
        when, last_id = after
        if newest_first:
            query = query.where(or_(at < when, and_(at == when, row_id < last_id)))
        else:
            query = query.where(or_(at > when, and_(at == when, row_id > last_id)))
    order = (at.desc(), row_id.desc()) if newest_first else (at, row_id)
    rows = list(await session.scalars(query.order_by(*order).limit(limit + 1)))
    found = rows[:limit]
    last_at = getattr(found[-1], at.key) if found else None
    if len(rows) <= limit or last_at is None:
        return found, None
    return found, encode(last_at, getattr(found[-1], row_id.key))
