"""Stored outcomes of mutating requests keyed by ``Idempotency-Key``.

A key is claimed in its own short transaction so a concurrent duplicate sees it at once:
same key and body → the stored response; a different body → mismatch; still running → in flight.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Integer, LargeBinary, String, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from omnishop.kernel import clock
from omnishop.kernel.db import Base, unit_of_work
from omnishop.kernel.errors import IdempotencyInFlight, IdempotencyMismatch

# A claim older than this is taken to belong to a crashed request and may be retried.
STALE_AFTER = timedelta(minutes=5)


class IdempotencyRecord(Base):
    __tablename__ = "idempotency_records"

    scope: Mapped[str] = mapped_column(String(200), primary_key=True)  # principal + method + path
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int | None] = mapped_column(Integer)
    response_headers: Mapped[dict[str, Any] | None]
    response_body: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)


@dataclass(frozen=True)
class StoredResponse:
    status_code: int
    headers: dict[str, str]
    body: bytes


def fingerprint(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


async def claim(
    factory: async_sessionmaker[AsyncSession], *, scope: str, key: str, body: bytes
) -> StoredResponse | None:
    """Claim ``key`` for this request; returns a stored response to replay, or ``None``."""
    digest = fingerprint(body)
    try:
        async with unit_of_work(factory) as session:
            session.add(IdempotencyRecord(scope=scope, key=key, fingerprint=digest))
        return None
    except IntegrityError:
        pass
    async with unit_of_work(factory) as session:
        record = await session.scalar(
            select(IdempotencyRecord).where(
                IdempotencyRecord.scope == scope, IdempotencyRecord.key == key
            )
        )
        if record is None:  # released between our insert and this read: try once more
            session.add(IdempotencyRecord(scope=scope, key=key, fingerprint=digest))
            return None
        if record.fingerprint != digest:
            raise IdempotencyMismatch("this Idempotency-Key was used with a different request")
        if record.status_code is None:
            if clock.now() - record.created_at < STALE_AFTER:
                raise IdempotencyInFlight("a request with this Idempotency-Key is in progress")
            record.created_at = clock.now()
            return None
        return StoredResponse(
            record.status_code,
            {str(k): str(v) for k, v in (record.response_headers or {}).items()},
            record.response_body or b"",
        )


async def complete(
    factory: async_sessionmaker[AsyncSession],
    *,
    scope: str,
    key: str,
    response: StoredResponse,
) -> None:
    async with unit_of_work(factory) as session:
        await session.execute(
            update(IdempotencyRecord)
            .where(IdempotencyRecord.scope == scope, IdempotencyRecord.key == key)
            .values(
                status_code=response.status_code,
                response_headers=response.headers,
                response_body=response.body,
            )
        )


async def release(factory: async_sessionmaker[AsyncSession], *, scope: str, key: str) -> None:
    """Forget a claim whose request failed unexpectedly, so the client may retry."""
    async with unit_of_work(factory) as session:
        await session.execute(
            delete(IdempotencyRecord).where(
                IdempotencyRecord.scope == scope, IdempotencyRecord.key == key
            )
        )
