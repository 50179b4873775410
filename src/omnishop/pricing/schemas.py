from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

MinorUnits = Annotated[int, Field(ge=0, le=10**15, description="Amount in minor units.")]


class PriceSet(BaseModel):
    model_config = ConfigDict(extra="forbid")

    variant_id: uuid.UUID
    channel: Annotated[str, Field(min_length=1, max_length=40)]
    amount: MinorUnits
    compare_at_amount: MinorUnits | None = None


class FxRateSet(BaseModel):
    model_config = ConfigDict(extra="forbid")

    base: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
    quote: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
    rate: Annotated[Decimal, Field(gt=0, max_digits=20, decimal_places=10)]
    as_of: datetime | None = None
    source: Annotated[str, Field(max_length=60)] = "manual"


@dataclass(frozen=True)
class PriceInfo:
    variant_id: uuid.UUID
    channel_id: uuid.UUID
    currency: str
    amount: int
    compare_at_amount: int | None
