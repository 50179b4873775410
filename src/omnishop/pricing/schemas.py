from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, PlainSerializer

MinorUnits = Annotated[int, Field(ge=0, le=10**15, description="Amount in minor units.")]
CurrencyCode = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
# Rates travel as strings so no client parses them into a binary float.
RateOut = Annotated[Decimal, PlainSerializer(lambda d: format(d.normalize(), "f"), return_type=str)]


class PriceSet(BaseModel):
    model_config = ConfigDict(extra="forbid")

    variant_id: uuid.UUID
    channel: Annotated[str, Field(min_length=1, max_length=40)]
    amount: MinorUnits
    compare_at_amount: MinorUnits | None = None


class FxRateSet(BaseModel):
    model_config = ConfigDict(extra="forbid")

    base: CurrencyCode
    quote: CurrencyCode
    rate: Annotated[Decimal, Field(gt=0, max_digits=20, decimal_places=10)]
    as_of: AwareDatetime | None = None
    source: Annotated[str, Field(max_length=60)] = "manual"


@dataclass(frozen=True)
class PriceEntry:
    """One price to set: a variant in a channel, in minor units of the channel currency."""

    variant_id: uuid.UUID
    channel_id: uuid.UUID
    amount: int
    compare_at_amount: int | None = None


@dataclass(frozen=True)
class PriceInfo:
    variant_id: uuid.UUID
    channel_id: uuid.UUID
    currency: str
    amount: int
    compare_at_amount: int | None


class PriceRead(BaseModel):
    """A variant's price in one channel, as staff see it."""

    variant_id: uuid.UUID
    channel: str
    currency: str
    amount: int
    compare_at_amount: int | None


class FxRateRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    base: str
    quote: str
    rate: RateOut
    as_of: datetime
    source: str
