"""Events of the loyalty domain."""

from __future__ import annotations

import dataclasses
import uuid

from omnishop.kernel.events import Event, event


@event
@dataclasses.dataclass(frozen=True)
class PointsChanged(Event):
    """An entry was written: points earned, spent, expired, adjusted, reversed or credited
    (notifications tell the buyer through their channel)."""

    topic = "loyalty.points_changed"
    customer_id: uuid.UUID
    entry_id: uuid.UUID
    kind: str
    points: int
    balance: int
    reference: str
    channel_id: str | None


@event
@dataclasses.dataclass(frozen=True)
class TierChanged(Event):
    topic = "loyalty.tier_changed"
    customer_id: uuid.UUID
    from_tier: str | None
    to_tier: str | None
