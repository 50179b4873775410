"""The sandbox PSP's own storage: its own declarative base, metadata, engine and tables.

Nothing here shares omnishop's ``Base`` or database. Tables are created on first use.
``use(url)`` points the store elsewhere (tests give each run a tmp file).
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

from sqlalchemy import MetaData, String, Text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from omnishop.kernel import clock
from omnishop.kernel.db import NAMING, JSONType, UTCDateTime, make_engine, make_sessionmaker
from omnishop.payments.sandbox.settings import get_settings


class SandboxBase(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime,
        dict[str, Any]: JSONType,
    }


class Token(SandboxBase):
    """A card or wallet token. The card number itself is never stored: only what the
    sandbox needs to behave (brand, last4 and the test card's behaviour)."""

    __tablename__ = "sandbox_tokens"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # card | wallet
    wallet: Mapped[str | None] = mapped_column(String(20))
    brand: Mapped[str] = mapped_column(String(20))
    last4: Mapped[str] = mapped_column(String(4))
    exp_month: Mapped[int | None]
    exp_year: Mapped[int | None]
    behaviour: Mapped[str] = mapped_column(String(30))
    # Tokens are single-use: the charge that consumed it.
    charge_id: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)


class PaymentMethod(SandboxBase):
    """A card saved at the PSP for one of the merchant's customers (``save: true`` at
    tokenisation): reusable, unlike a token, but only for that customer. No card number."""

    __tablename__ = "sandbox_payment_methods"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    customer: Mapped[str] = mapped_column(String(100), index=True)
    brand: Mapped[str] = mapped_column(String(20))
    last4: Mapped[str] = mapped_column(String(4))
    exp_month: Mapped[int]
    exp_year: Mapped[int]
    behaviour: Mapped[str] = mapped_column(String(30))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    detached_at: Mapped[datetime | None]


class Charge(SandboxBase):
    __tablename__ = "sandbox_charges"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    method: Mapped[str] = mapped_column(String(20))
    token: Mapped[str | None] = mapped_column(String(40))
    amount: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))
    # requires_action | authorized | captured | partially_refunded | refunded | failed | canceled
    status: Mapped[str] = mapped_column(String(30))
    captured_amount: Mapped[int] = mapped_column(default=0)
    refunded_amount: Mapped[int] = mapped_column(default=0)
    brand: Mapped[str | None] = mapped_column(String(20))
    last4: Mapped[str | None] = mapped_column(String(4))
    failure_code: Mapped[str | None] = mapped_column(String(60))
    failure_message: Mapped[str | None] = mapped_column(String(500))
    return_url: Mapped[str | None] = mapped_column(String(2000))
    description: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(default=clock.now, onupdate=clock.now)


class Operation(SandboxBase):
    """A capture, void or refund, keyed by the caller's idempotency key."""

    __tablename__ = "sandbox_operations"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    charge_id: Mapped[str] = mapped_column(String(40), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    amount: Mapped[int] = mapped_column(default=0)
    ref: Mapped[str] = mapped_column(String(40))  # re_... for refunds, the charge otherwise
    created_at: Mapped[datetime] = mapped_column(default=clock.now)


class Notification(SandboxBase):
    """A webhook the PSP owes the merchant; delivered (and re-signed) by the delivery job."""

    __tablename__ = "sandbox_notifications"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    type: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    next_attempt_at: Mapped[datetime] = mapped_column(default=clock.now, index=True)
    locked_until: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    delivered_at: Mapped[datetime | None] = mapped_column(index=True)
    last_error: Mapped[str | None] = mapped_column(Text)


class _State:
    url: str | None = None
    engine: AsyncEngine | None = None
    factory: async_sessionmaker[AsyncSession] | None = None


_state = _State()
_opening = asyncio.Lock()


def current_url() -> str:
    return _state.url or get_settings().url


def _sqlite_path(url: str) -> Path | None:
    parsed = make_url(url)
    if not parsed.drivername.startswith("sqlite") or not parsed.database:
        return None
    if parsed.database == ":memory:":
        return None
    return Path(parsed.database)


async def use(url: str | None) -> None:
    """Point the store at ``url`` (None: back to the setting); the old engine is closed."""
    engine = _state.engine
    _state.url, _state.engine, _state.factory = url, None, None
    if engine is not None:
        await engine.dispose()


def opened() -> bool:
    """Whether the store exists: opened in this process, or its SQLite file is on disk. The
    delivery job checks this so a worker never creates a sandbox database by itself."""
    if _state.factory is not None:
        return True
    path = _sqlite_path(current_url())
    return path is None or path.exists()


async def sessions() -> async_sessionmaker[AsyncSession]:
    """The store's session factory; the engine and tables are created on first use."""
    if _state.factory is not None:
        return _state.factory
    # One task creates the engine and tables; a burst of first requests waits for it
    # (concurrent CREATE TABLEs on one SQLite file would fail each other).
    async with _opening:
        if _state.factory is not None:
            return _state.factory
        url = current_url()
        path = _sqlite_path(url)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        engine = make_engine(url)
        async with engine.begin() as conn:
            await conn.run_sync(SandboxBase.metadata.create_all)
        _state.engine, _state.factory = engine, make_sessionmaker(engine)
        return _state.factory


def new_ref(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:24]}"
