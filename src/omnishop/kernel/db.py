"""Database plumbing: declarative base, engine, sessions and the unit of work.

Services receive an ``AsyncSession`` and only ``flush()``; the outer layer (a request, a job,
a CLI command) opens a unit of work and commits once.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, DateTime, MetaData, TypeDecorator, Uuid, event
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column
from sqlalchemy.pool import ConnectionPoolEntry

from omnishop.kernel import clock, ids
from omnishop.kernel.logging import get_logger

log = get_logger(__name__)

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC timestamps on every engine (SQLite would hand back naive ones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# JSONB on PostgreSQL (indexable), JSON text elsewhere.
JSONType = JSON().with_variant(JSONB(), "postgresql")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime,
        uuid.UUID: Uuid(),
        dict[str, Any]: JSONType,
        list[Any]: JSONType,
    }


class IdMixin:
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=ids.new_id)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(default=clock.now, onupdate=clock.now)


# Execution option: this transaction will write (see ``will_write``).
WRITES = "omnishop_writes"


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def make_engine(url: str, *, echo: bool = False, pool_size: int = 10) -> AsyncEngine:
    """An async engine; SQLite gets WAL, foreign keys and a busy timeout so writers queue."""
    if is_sqlite(url):
        engine = create_async_engine(url, echo=echo, connect_args={"timeout": 30})

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, record: ConnectionPoolEntry) -> None:
            # Let SQLAlchemy, not the driver, issue BEGIN: otherwise SAVEPOINTs misbehave.
            dbapi_conn.isolation_level = None
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        @event.listens_for(engine.sync_engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            # A transaction that will write takes the write lock up front (IMMEDIATE): a
            # deferred one that read first cannot upgrade once another writer committed
            # (SQLITE_BUSY at once, busy_timeout does not help), which fails under load.
            immediate = conn.get_execution_options().get(WRITES, False)
            conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

        return engine
    return create_async_engine(url, echo=echo, pool_size=pool_size, max_overflow=pool_size)


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def insert_for(session: AsyncSession) -> Callable[..., Any]:
    """The engine's own ``insert`` (PostgreSQL or SQLite), which has ``on_conflict_*``."""
    from sqlalchemy.dialects import postgresql, sqlite

    dialect = session.get_bind().dialect.name
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


async def will_write(session: AsyncSession) -> None:
    """Declare that this session's transaction writes: on SQLite it then begins IMMEDIATE,
    queueing behind other writers instead of failing; elsewhere nothing changes."""
    if session.get_bind().dialect.name == "sqlite":
        await session.connection(execution_options={WRITES: True})


@asynccontextmanager
async def unit_of_work(
    factory: async_sessionmaker[AsyncSession], *, writes: bool = True
) -> AsyncIterator[AsyncSession]:
    """One transaction: commits once when the block ends, rolls back on any error.
    ``writes=False`` for one that only reads or runs its own units of work inside."""
    async with factory() as session:
        if writes:
            await will_write(session)
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise
        await run_after_commit(session)


def sibling_factory(session: AsyncSession) -> async_sessionmaker[AsyncSession]:
    """Sessions on the same bind as ``session``, for a job or handler that must run its own
    units of work (e.g. around a call to a payment provider). On an engine they are separate
    transactions; inside a test's connection they nest as savepoints."""
    return async_sessionmaker(
        bind=session.bind, expire_on_commit=False, join_transaction_mode="create_savepoint"
    )


async def step_outside(session: AsyncSession) -> async_sessionmaker[AsyncSession]:
    """End ``session``'s transaction early and hand back a factory for units of work of the
    caller's own, e.g. around a call to a payment provider: no transaction of ours stays open
    across the call, and on SQLite the write lock is free for those units of work. Only for
    idempotent handlers and jobs, which may safely run again if a later step fails."""
    await session.commit()
    await run_after_commit(session)
    return sibling_factory(session)


# --- after commit: work that must only happen once the change is durable ------------------
# A service calls ``after_commit(session, fn)``; the callbacks move to "ready" when the
# session's transaction commits and are dropped when it rolls back; the unit of work that
# committed awaits them. Used to tell live screens and the worker at once (a broadcast), never
# for anything that must not be lost: that is what the outbox is for.
AfterCommit = Callable[[], Awaitable[None]]
_PENDING = "omnishop_after_commit"
_READY = "omnishop_after_commit_ready"


def after_commit(
    session: AsyncSession, callback: AfterCommit, *, key: Hashable | None = None
) -> None:
    """Run ``callback`` once this session's transaction commits (never if it rolls back).
    A ``key`` registers it once per transaction (e.g. one worker wake-up for many events)."""
    pending: dict[object, AfterCommit] = session.sync_session.info.setdefault(_PENDING, {})
    pending.setdefault(key if key is not None else object(), callback)


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if pending:
        session.info.setdefault(_READY, []).extend(pending.values())


@event.listens_for(Session, "after_rollback")
def _rolled_back(session: Session) -> None:
    session.info.pop(_PENDING, None)


async def run_after_commit(session: AsyncSession) -> None:
    """Await the callbacks of committed transactions; a failing one is logged, not raised:
    the change is already committed and the caller's work is done."""
    ready: list[AfterCommit] = session.sync_session.info.pop(_READY, [])
    for callback in ready:
        try:
            await callback()
        except Exception as exc:
            log.warning("after-commit callback failed", error=repr(exc))
