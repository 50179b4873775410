from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from omnishop.inventory.models import LocationKind


class LocationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,39}$")]
    name: Annotated[str, Field(min_length=1, max_length=200)]
    kind: LocationKind
    country: Annotated[str, Field(pattern=r"^[A-Z]{2}$")]
    city: str | None = None
    address: str | None = None
    latitude: Annotated[Decimal, Field(ge=-90, le=90)] | None = None
    longitude: Annotated[Decimal, Field(ge=-180, le=180)] | None = None
    timezone: str = "Europe/Moscow"
    opening_hours: dict[str, Any] = Field(default_factory=dict)
    pickup: bool = False
    priority: int = 100
    external_ref: str | None = None


@dataclass(frozen=True)
class StockCount:
    """A counted quantity of a variant at a location."""

    variant_id: uuid.UUID
    location_id: uuid.UUID
    quantity: int
