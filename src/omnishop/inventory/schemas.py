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


class LevelSet(BaseModel):
    """Set a counted quantity; with ``expected_on_hand`` only if the count is still that."""

    model_config = ConfigDict(extra="forbid")

    variant_id: uuid.UUID
    location_id: uuid.UUID
    on_hand: Annotated[int, Field(ge=0, le=1_000_000_000)]
    expected_on_hand: Annotated[int, Field(ge=0, le=1_000_000_000)] | None = None
    reason: Annotated[str, Field(max_length=200)] | None = None


class Adjustment(BaseModel):
    model_config = ConfigDict(extra="forbid")

    variant_id: uuid.UUID
    location_id: uuid.UUID
    delta: Annotated[int, Field(ge=-1_000_000_000, le=1_000_000_000)]
    reason: Annotated[str, Field(min_length=1, max_length=200)]


class TransferCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    variant_id: uuid.UUID
    from_location_id: uuid.UUID
    to_location_id: uuid.UUID
    quantity: Annotated[int, Field(gt=0, le=1_000_000_000)]
    reason: Annotated[str, Field(max_length=200)] | None = None


class LevelRead(BaseModel):
    variant_id: uuid.UUID
    location_id: uuid.UUID
    location_code: str
    on_hand: int
    reserved: int
    committed: int
    safety_stock: int
    available: int


class TransferRead(BaseModel):
    reference: str
    source: LevelRead
    destination: LevelRead
