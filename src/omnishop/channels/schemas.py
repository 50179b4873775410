from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from omnishop.channels.models import AllocationRule, ChannelKind

# A channel's code: lower-case letters, digits and dashes (it is part of URLs).
CODE_PATTERN = r"^[a-z0-9][a-z0-9-]{0,39}$"
ChannelCode = Annotated[str, StringConstraints(pattern=CODE_PATTERN, min_length=1, max_length=40)]
CurrencyCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
LocaleCode = Annotated[str, Field(pattern=r"^(ru|en|ka)$")]
# A cart hold lives from one minute to one day without cart activity.
HoldMinutes = Annotated[int, Field(ge=1, le=1440)]


class ChannelCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: ChannelCode
    name: Annotated[str, StringConstraints(min_length=1, max_length=120, strip_whitespace=True)]
    kind: ChannelKind
    currency: CurrencyCode
    default_locale: LocaleCode
    country: CountryCode
    active: bool = True
    hold_minutes: HoldMinutes = 15
    allocation_rule: AllocationRule = AllocationRule.PRIORITY


class ChannelUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, StringConstraints(min_length=1, max_length=120)] | None = None
    currency: CurrencyCode | None = None
    default_locale: LocaleCode | None = None
    country: CountryCode | None = None
    active: bool | None = None
    hold_minutes: HoldMinutes | None = None
    allocation_rule: AllocationRule | None = None


class ChannelRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    code: str
    name: str
    kind: ChannelKind
    currency: str
    default_locale: str
    country: str
    active: bool
    hold_minutes: int
    allocation_rule: AllocationRule
    created_at: datetime
    updated_at: datetime
