"""Shapes of the loyalty domain: what services return (frozen dataclasses the API renders)
and what staff and buyers send (Pydantic inputs that refuse unknown fields)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator


@dataclass(frozen=True)
class TierInfo:
    code: str
    name: str  # in the asked locale
    min_spend: int  # programme currency, minor units
    multiplier: str  # decimal as text, e.g. "1.5"


@dataclass(frozen=True)
class NextTier:
    tier: TierInfo
    missing_spend: int  # programme currency minor units still to spend


@dataclass(frozen=True)
class Expiring:
    points: int
    first_at: datetime | None
    within_days: int


@dataclass(frozen=True)
class LoyaltySummary:
    """What the storefront, the chat and staff show: balance, tier, next tier, expiring."""

    customer_id: uuid.UUID
    balance: int
    # What the balance is worth: 1 point = 1 major unit of the programme currency.
    currency: str
    value: int  # minor units of ``currency``
    tier: TierInfo | None
    next_tier: NextTier | None
    rolling_spend: int  # programme currency minor units
    expiring_soon: Expiring


@dataclass(frozen=True)
class EntryInfo:
    id: uuid.UUID
    kind: str
    points: int
    reference: str
    channel_id: uuid.UUID | None
    order_id: uuid.UUID | None
    expires_at: datetime | None
    reason: str | None
    created_at: datetime


@dataclass(frozen=True)
class EntryPage:
    data: list[EntryInfo]
    next_cursor: str | None


@dataclass(frozen=True)
class Posted:
    """An entry written (``created``) or found from an earlier identical call."""

    entry: EntryInfo
    created: bool
    balance: int


@dataclass(frozen=True)
class SpendQuote:
    """How many points a payable amount may take and what they are worth in its currency."""

    balance: int
    max_points: int
    points: int  # the requested points, capped at max_points
    amount: int  # what ``points`` pay, minor units of ``currency``
    currency: str
    # The points asked for are more than the balance covers now (spent elsewhere meanwhile).
    short: bool = False


class AdjustmentCreate(BaseModel):
    """A staff correction: points (either sign, not zero) with the reason a person reads."""

    model_config = ConfigDict(extra="forbid")

    points: Annotated[int, Field(ge=-10_000_000, le=10_000_000)]
    reason: Annotated[str, Field(min_length=1, max_length=500)]

    @field_validator("points")
    @classmethod
    def _not_zero(cls, points: int) -> int:
        if points == 0:
            raise ValueError("points must not be zero")
        return points


class CartPointsSet(BaseModel):
    model_config = ConfigDict(extra="forbid")

    points: Annotated[int, Field(gt=0, le=10_000_000)]
