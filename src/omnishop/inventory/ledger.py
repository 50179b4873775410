"""The stock movement ledger: every change of a named quantity is a row, so levels can be
rebuilt from history and checked (a level that disagrees with its ledger is a bug)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.inventory.models import MovementKind, StockLevel, StockMovement

QUANTITIES = ("on_hand", "reserved", "committed", "incoming")


@dataclass(frozen=True)
class Move:
    """One change to record: ``delta`` applied to the level's ``quantity`` field."""

    variant_id: uuid.UUID
    location_id: uuid.UUID
    kind: MovementKind
    quantity: str
    delta: int
    reason: str | None = None
    reference: str | None = None
    actor: str | None = None


async def record(session: AsyncSession, moves: list[Move]) -> None:
    """Write movements in one statement (the demo seed records thousands at once)."""
    rows: list[dict[str, Any]] = [
        {
            "variant_id": m.variant_id,
            "location_id": m.location_id,
            "kind": m.kind.value,
            "quantity": m.quantity,
            "delta": m.delta,
            "reason": m.reason,
            "reference": m.reference,
            "actor": m.actor,
        }
        for m in moves
        if m.delta != 0
    ]
    if rows:
        await session.execute(insert(StockMovement), rows)


@dataclass(frozen=True)
class LedgerCheck:
    """The level's quantities next to those rebuilt from its movements."""

    level: dict[str, int]
    ledger: dict[str, int]

    @property
    def ok(self) -> bool:
        return self.level == self.ledger


async def verify_ledger(
    *, session: AsyncSession, variant_id: uuid.UUID, location_id: uuid.UUID
) -> LedgerCheck:
    """Rebuild every quantity of a level from its movements and compare with the level."""
    rows = await session.execute(
        select(StockMovement.quantity, func.sum(StockMovement.delta))
        .where(StockMovement.variant_id == variant_id, StockMovement.location_id == location_id)
        .group_by(StockMovement.quantity)
    )
    sums = {quantity: total for quantity, total in rows}
    ledger = {q: int(sums.get(q) or 0) for q in QUANTITIES}
    row = (
        await session.execute(
            select(
                StockLevel.on_hand, StockLevel.reserved, StockLevel.committed, StockLevel.incoming
            ).where(StockLevel.variant_id == variant_id, StockLevel.location_id == location_id)
        )
    ).first()
    level = dict(zip(QUANTITIES, row, strict=True)) if row else dict.fromkeys(QUANTITIES, 0)
    return LedgerCheck(level={k: int(v) for k, v in level.items()}, ledger=ledger)
