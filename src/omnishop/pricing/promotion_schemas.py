"""Staff inputs and outputs for promotions, vouchers and flash-sale prices."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from omnishop.pricing.promotion_rules import Reward
from omnishop.pricing.segment_rules import Segment

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Code = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9_-]{3,64}$")]
ChannelCode = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,39}$")]
Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
Minor = Annotated[int, Field(ge=0, le=10**15)]
Labels = dict[Annotated[str, StringConstraints(pattern=r"^(ru|en|ka)$")], Name]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PromotionFields(Strict):
    labels: Labels | None = None
    active: bool | None = None
    starts_at: AwareDatetime | None = None
    ends_at: AwareDatetime | None = None
    channels: Annotated[list[ChannelCode], Field(max_length=100)] | None = None
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")] | None = None
    priority: Annotated[int, Field(ge=-1000, le=1000)] | None = None
    exclusive: bool | None = None
    needs_voucher: bool | None = None
    tiers: Annotated[list[Tag], Field(max_length=50)] | None = None
    segments: Annotated[list[Segment], Field(max_length=50)] | None = None
    category_ids: Annotated[list[uuid.UUID], Field(max_length=500)] | None = None
    product_ids: Annotated[list[uuid.UUID], Field(max_length=1000)] | None = None
    min_subtotal: Minor | None = None
    first_order_only: bool | None = None
    value: Annotated[Decimal, Field(ge=0, le=10**15)] | None = None
    buy_qty: Annotated[int, Field(ge=0, le=100)] | None = None
    get_qty: Annotated[int, Field(ge=0, le=100)] | None = None
    gift_variant_id: uuid.UUID | None = None


class PromotionCreate(PromotionFields):
    """A promotion: ``value`` is a percent (0-100) for percent rewards, minor units for
    fixed ones, an optional percent off the free units for buy X get Y."""

    name: Name
    reward: Reward

    @model_validator(mode="after")
    def _coherent(self) -> PromotionCreate:
        check_reward(self.reward, self.value, self.buy_qty, self.get_qty, self.gift_variant_id)
        fixed = self.reward in (Reward.FIXED_ITEMS, Reward.FIXED_ORDER) or self.min_subtotal
        if fixed and self.currency is None:
            raise ValueError("fixed amounts and min_subtotal need the currency they are in")
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        return self


def check_reward(
    reward: Reward,
    value: Decimal | None,
    buy_qty: int | None,
    get_qty: int | None,
    gift: uuid.UUID | None,
) -> None:
    """The reward's parameters make sense (pydantic turns the ValueError into a 422)."""
    if reward in (Reward.PERCENT_ITEMS, Reward.PERCENT_ORDER) and not (
        value is not None and 0 < value <= 100
    ):
        raise ValueError("a percent reward needs a value above 0 and at most 100")
    if reward in (Reward.FIXED_ITEMS, Reward.FIXED_ORDER) and not (
        value is not None and value > 0 and value == value.to_integral_value()
    ):
        raise ValueError("a fixed reward needs a whole positive value in minor units")
    if reward == Reward.BUY_X_GET_Y and not (buy_qty and get_qty):
        raise ValueError("buy X get Y needs buy_qty and get_qty")
    if reward == Reward.GIFT_ITEM and gift is None:
        raise ValueError("a gift reward needs gift_variant_id")


class PromotionUpdate(PromotionFields):
    """Only the fields sent change."""

    name: Name | None = None


class PromotionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    labels: dict[str, str]
    active: bool
    starts_at: datetime | None
    ends_at: datetime | None
    channels: list[str]
    currency: str | None
    priority: int
    exclusive: bool
    needs_voucher: bool
    tiers: list[str]
    segments: list[str]
    category_ids: list[Any]
    product_ids: list[Any]
    min_subtotal: int
    first_order_only: bool
    reward: str
    value: Decimal
    buy_qty: int
    get_qty: int
    gift_variant_id: uuid.UUID | None
    created_at: datetime
    updated_at: datetime


class VoucherCreate(Strict):
    code: Code
    usage_limit: Annotated[int, Field(ge=1, le=10**9)] | None = None
    per_customer_limit: Annotated[int, Field(ge=1, le=10**6)] | None = None
    active: bool = True


class VoucherBulk(Strict):
    """Many single-use-style codes at once: unguessable, ``prefix`` + random part."""

    count: Annotated[int, Field(ge=1, le=10_000)]
    prefix: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9]{0,12}$")] = ""
    length: Annotated[int, Field(ge=8, le=32)] = 12
    usage_limit: Annotated[int, Field(ge=1, le=10**9)] | None = 1
    per_customer_limit: Annotated[int, Field(ge=1, le=10**6)] | None = None


class VoucherRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    code: str
    promotion_id: uuid.UUID
    active: bool
    usage_limit: int | None
    per_customer_limit: int | None
    used_count: int
    batch: str | None
    created_at: datetime


class VoucherBatch(BaseModel):
    batch: str
    count: int
    codes: list[str]


class SalePriceSet(Strict):
    variant_id: uuid.UUID
    channel: ChannelCode
    amount: Minor
    starts_at: AwareDatetime
    ends_at: AwareDatetime

    @model_validator(mode="after")
    def _window(self) -> SalePriceSet:
        if self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        return self


class SalePriceRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    variant_id: uuid.UUID
    channel_id: uuid.UUID
    amount: int
    starts_at: datetime
    ends_at: datetime
