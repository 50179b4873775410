from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from itertools import pairwise
from typing import Annotated, Literal, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from omnishop.inventory.models import LocationKind

Day = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
# "HH:MM" in the location's own time zone; "24:00" closes at midnight.
Clock = Annotated[str, Field(pattern=r"^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$")]


def _check_hours(
    hours: dict[Day, list[tuple[Clock, Clock]]],
) -> dict[Day, list[tuple[Clock, Clock]]]:
    for day, spans in hours.items():
        if len(spans) > 6:
            raise ValueError(f"{day}: at most 6 opening spans a day")
        ordered = sorted(spans)
        for opens, closes in ordered:
            if opens >= closes:
                raise ValueError(f"{day}: {opens}-{closes} closes before it opens")
        for (_, closes), (opens, _) in pairwise(ordered):
            if opens < closes:
                raise ValueError(f"{day}: opening spans overlap")
    return hours


# {"mon": [["10:00", "22:00"]], ...}; a day left out is closed.
OpeningHours = Annotated[dict[Day, list[tuple[Clock, Clock]]], AfterValidator(_check_hours)]
Latitude = Annotated[Decimal, Field(ge=-90, le=90, max_digits=9, decimal_places=6)]
Longitude = Annotated[Decimal, Field(ge=-180, le=180, max_digits=9, decimal_places=6)]
ChannelCodes = Annotated[
    list[Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,39}$")]], Field(max_length=100)
]
Name = Annotated[str, Field(min_length=1, max_length=200)]
Country = Annotated[str, Field(pattern=r"^[A-Z]{2}$")]
Priority = Annotated[int, Field(ge=0, le=1_000_000)]


class LocationCreate(BaseModel):
    """A warehouse, store or pickup point. ``channels`` lists the codes of the channels it
    serves; none listed: it serves every channel."""

    model_config = ConfigDict(extra="forbid")

    code: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,39}$")]
    name: Name
    kind: LocationKind
    country: Country
    city: Annotated[str, Field(max_length=120)] | None = None
    address: Annotated[str, Field(max_length=300)] | None = None
    latitude: Latitude | None = None
    longitude: Longitude | None = None
    timezone: Annotated[str, Field(max_length=60)] = "Europe/Moscow"
    opening_hours: OpeningHours = Field(default_factory=dict)
    pickup: bool = False
    priority: Priority = 100
    active: bool = True
    external_ref: Annotated[str, Field(max_length=64)] | None = None
    channels: ChannelCodes = Field(default_factory=list)

    @model_validator(mode="after")
    def _both_coordinates(self) -> Self:
        if (self.latitude is None) != (self.longitude is None):
            raise ValueError("latitude and longitude come together")
        return self


class LocationUpdate(BaseModel):
    """Change a location; only the fields sent change (the code never does)."""

    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    kind: LocationKind | None = None
    country: Country | None = None
    city: Annotated[str, Field(max_length=120)] | None = None
    address: Annotated[str, Field(max_length=300)] | None = None
    latitude: Latitude | None = None
    longitude: Longitude | None = None
    timezone: Annotated[str, Field(max_length=60)] | None = None
    opening_hours: OpeningHours | None = None
    pickup: bool | None = None
    priority: Priority | None = None
    active: bool | None = None
    external_ref: Annotated[str, Field(max_length=64)] | None = None
    channels: ChannelCodes | None = None


class LocationRead(BaseModel):
    id: uuid.UUID
    code: str
    name: str
    kind: LocationKind
    country: str
    city: str | None
    address: str | None
    latitude: float | None
    longitude: float | None
    timezone: str
    opening_hours: dict[str, list[tuple[str, str]]]
    pickup: bool
    priority: int
    active: bool
    external_ref: str | None
    channels: list[str]
    created_at: datetime
    updated_at: datetime


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
    on_hand: Annotated[int, Field(ge=0, le=1_000_000_000)] | None = None
    expected_on_hand: Annotated[int, Field(ge=0, le=1_000_000_000)] | None = None
    # Expected receipts (purchase orders on the way): shown to staff, never sold.
    incoming: Annotated[int, Field(ge=0, le=1_000_000_000)] | None = None
    reason: Annotated[str, Field(max_length=200)] | None = None

    @model_validator(mode="after")
    def _something_to_set(self) -> Self:
        if self.on_hand is None and self.incoming is None:
            raise ValueError("give on_hand, incoming or both")
        if self.expected_on_hand is not None and self.on_hand is None:
            raise ValueError("expected_on_hand needs on_hand")
        return self


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
    incoming: int = 0


class TransferRead(BaseModel):
    reference: str
    source: LevelRead
    destination: LevelRead
