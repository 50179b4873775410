"""The points ledger: accounts, and the one way an entry is written.

Every entry moves the account's cached balance in the same statement that checks it (a
conditional UPDATE ``balance + points >= 0``), so concurrent burns can never overspend and
the balance always equals the sum of the entries. The unique (account, kind, reference)
makes each writer idempotent: a repeated call finds the entry it wrote before."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.kernel import clock, ids, outbox
from omnishop.kernel.errors import Conflict, NotFound
from omnishop.loyalty.events import PointsChanged
from omnishop.loyalty.models import LoyaltyAccount, LoyaltyEntry
from omnishop.loyalty.rules import EntryKind
from omnishop.loyalty.schemas import EntryInfo, Posted


class InsufficientPoints(Conflict):
    code: ClassVar[str] = "insufficient_points"
    title: ClassVar[str] = "Not enough loyalty points"


@dataclass(frozen=True)
class Movement:
    kind: EntryKind
    points: int
    reference: str
    channel_id: uuid.UUID | None = None
    order_id: uuid.UUID | None = None
    lot: str | None = None
    spend: int = 0
    expires_at: datetime | None = None
    reason: str | None = None
    actor: str | None = None


def info(entry: LoyaltyEntry) -> EntryInfo:
    return EntryInfo(
        id=entry.id,
        kind=entry.kind,
        points=entry.points,
        reference=entry.reference,
        channel_id=entry.channel_id,
        order_id=entry.order_id,
        expires_at=entry.expires_at,
        reason=entry.reason,
        created_at=entry.created_at,
    )


async def find_account(session: AsyncSession, customer_id: uuid.UUID) -> LoyaltyAccount | None:
    return await session.scalar(
        select(LoyaltyAccount)
        .where(LoyaltyAccount.customer_id == customer_id)
        .execution_options(populate_existing=True)
    )


async def account(session: AsyncSession, customer_id: uuid.UUID) -> LoyaltyAccount:
    """The customer's account, opened on first use (a concurrent opening is tolerated)."""
    found = await find_account(session, customer_id)
    if found is not None:
        return found
    try:
        async with session.begin_nested():
            opened = LoyaltyAccount(id=ids.new_id(), customer_id=customer_id, balance=0)
            session.add(opened)
            await session.flush()
        return opened
    except IntegrityError:
        found = await find_account(session, customer_id)
        if found is None:  # the customer itself does not exist
            raise NotFound("customer not found", field="customer_id") from None
        return found


async def lock(session: AsyncSession, account_id: uuid.UUID) -> int:
    """Take the account's row lock for the rest of the transaction (a no-op UPDATE: works on
    every engine); returns the balance. Writers that first read and then decide (earn after
    checking the order, reversals) start here so they serialise per customer."""
    balance = await session.scalar(
        update(LoyaltyAccount)
        .where(LoyaltyAccount.id == account_id)
        .values(balance=LoyaltyAccount.balance)
        .returning(LoyaltyAccount.balance)
        .execution_options(synchronize_session=False)
    )
    if balance is None:
        raise NotFound("loyalty account not found", field="customer_id")
    return int(balance)


async def existing(
    session: AsyncSession, account_id: uuid.UUID, kind: EntryKind, reference: str
) -> LoyaltyEntry | None:
    return await session.scalar(
        select(LoyaltyEntry).where(
            LoyaltyEntry.account_id == account_id,
            LoyaltyEntry.kind == kind,
            LoyaltyEntry.reference == reference,
        )
    )


async def post(session: AsyncSession, acct: LoyaltyAccount, move: Movement) -> Posted:
    """Write one entry and move the balance with it, or find the identical earlier entry.
    A debit the balance cannot cover is refused with 409 ``insufficient_points``."""
    before = await existing(session, acct.id, move.kind, move.reference)
    if before is not None:
        return Posted(info(before), created=False, balance=await _balance(session, acct.id))
    try:
        async with session.begin_nested():
            balance = await session.scalar(
                update(LoyaltyAccount)
                .where(
                    LoyaltyAccount.id == acct.id,
                    LoyaltyAccount.balance + move.points >= 0,
                )
                .values(balance=LoyaltyAccount.balance + move.points, updated_at=clock.now())
                .returning(LoyaltyAccount.balance)
                .execution_options(synchronize_session=False)
            )
            if balance is None:
                raise InsufficientPoints(
                    f"the balance does not cover {-move.points} points", field="points"
                )
            entry = LoyaltyEntry(
                id=ids.new_id(),
                account_id=acct.id,
                kind=move.kind,
                points=move.points,
                reference=move.reference,
                lot=move.lot,
                channel_id=move.channel_id,
                order_id=move.order_id,
                spend=move.spend,
                expires_at=move.expires_at,
                reason=move.reason,
                actor=move.actor,
                created_at=clock.now(),
            )
            session.add(entry)
            await session.flush()
    except (IntegrityError, InsufficientPoints):
        # A concurrent identical call wrote it first (the savepoint undid our balance move;
        # a debit may then also find the balance already spent by that very call).
        again = await existing(session, acct.id, move.kind, move.reference)
        if again is None:
            raise
        return Posted(info(again), created=False, balance=await _balance(session, acct.id))
    await outbox.emit(
        session,
        PointsChanged(
            customer_id=acct.customer_id,
            entry_id=entry.id,
            kind=str(move.kind),
            points=move.points,
            balance=int(balance),
            reference=move.reference,
            channel_id=str(move.channel_id) if move.channel_id else None,
        ),
    )
    return Posted(info(entry), created=True, balance=int(balance))


async def _balance(session: AsyncSession, account_id: uuid.UUID) -> int:
    value = await session.scalar(
        select(LoyaltyAccount.balance).where(LoyaltyAccount.id == account_id)
    )
    return int(value or 0)


async def entries(session: AsyncSession, account_id: uuid.UUID) -> list[LoyaltyEntry]:
    """Every entry of an account, oldest first (rules take them as lots and debits)."""
    return list(
        await session.scalars(
            select(LoyaltyEntry)
            .where(LoyaltyEntry.account_id == account_id)
            .order_by(LoyaltyEntry.created_at, LoyaltyEntry.id)
        )
    )
