"""Checkout in/out schemas: the cart the API shows as is, cart inputs, shipping zones/methods."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from omnishop.checkout.rules import MAX_LINE_QUANTITY

ChannelCode = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,39}$")]
Locale = Annotated[str, StringConstraints(pattern=r"^(ru|en|ka)$")]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Country = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=2)]
MethodCode = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,59}$")]
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- cart inputs ---


class CartCreate(Strict):
    channel: ChannelCode
    locale: Locale | None = None


class LineAdd(Strict):
    variant_id: uuid.UUID
    quantity: Annotated[int, Field(ge=1, le=MAX_LINE_QUANTITY)] = 1


class LineUpdate(Strict):
    quantity: Annotated[int, Field(ge=0, le=MAX_LINE_QUANTITY, description="0 removes the line")]


class Address(Strict):
    recipient: Text | None = None
    phone: Annotated[str, StringConstraints(max_length=40)] | None = None
    country: Country
    region: Text | None = None
    city: Text | None = None
    postcode: Annotated[str, StringConstraints(strip_whitespace=True, max_length=20)] | None = None
    line1: Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)] | None = None
    line2: Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)] | None = None
    latitude: Annotated[float, Field(ge=-90, le=90)] | None = None
    longitude: Annotated[float, Field(ge=-180, le=180)] | None = None


class ShippingChoice(Strict):
    kind: Literal["shipping"]
    method: MethodCode


class PickupChoice(Strict):
    kind: Literal["pickup"]
    location_id: uuid.UUID


class VoucherApply(Strict):
    code: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]


class CartUpdate(Strict):
    """Only the fields sent change; ``null`` clears one."""

    email: Annotated[str, StringConstraints(max_length=254)] | None = None
    phone: Annotated[str, StringConstraints(max_length=40)] | None = None
    shipping_address: Address | None = None
    delivery: Annotated[ShippingChoice | PickupChoice, Field(discriminator="kind")] | None = None
    # Cross-border duties: paid now ("ddp", the default) or on delivery ("dap").
    duties: Literal["ddp", "dap"] | None = None


# --- cart read ---


class MoneyView(BaseModel):
    amount: int
    currency: str
    formatted: str


class HoldView(BaseModel):
    location_id: uuid.UUID
    quantity: int
    expires_at: datetime


class CartLineView(BaseModel):
    id: uuid.UUID
    variant_id: uuid.UUID
    sku: str
    name: str
    quantity: int
    unit_price: MoneyView
    line_total: MoneyView
    # The line's share of the cart's discounts, and its tax (checkout.totals).
    discount: MoneyView | None = None
    tax: MoneyView | None = None
    # Units actually held for the line now (fewer than quantity when a hold lapsed).
    held: int
    holds: list[HoldView]
    hold_expires_at: datetime | None


class PromotionView(BaseModel):
    """A promotion or voucher on the cart: applied (``amount`` off) or not, and why."""

    name: str
    reason: str
    promotion_id: str | None = None
    code: str | None = None
    amount: MoneyView | None = None


class TaxLineView(BaseModel):
    """A row of the cart's tax block: "НДС 20%" and the tax at that rate (pricing.taxes)."""

    name: str
    rate_percent: str
    amount: MoneyView


class OrderRef(BaseModel):
    id: uuid.UUID
    number: str
    token: str


class CartView(BaseModel):
    token: str
    channel: str
    state: str
    currency: str
    locale: str
    lines: list[CartLineView]
    subtotal: MoneyView
    shipping: MoneyView
    total: MoneyView
    # checkout.totals: total = subtotal - discount + shipping + tax (unless tax_included)
    # + duties - points_amount; shipping is after free-shipping rewards.
    discount: MoneyView | None = None
    shipping_discount: MoneyView | None = None
    tax: MoneyView | None = None
    tax_included: bool = False
    duties: MoneyView | None = None
    # Taxes by rate; for a destination across a customs border, duties_mode ("ddp"/"dap"),
    # the duty and import VAT (duties_estimate: in the total under DDP, due on delivery under
    # DAP) and landed_total, everything the buyer pays including duties.
    tax_lines: list[TaxLineView] = Field(default_factory=list)
    duties_mode: str | None = None
    duties_estimate: MoneyView | None = None
    landed_total: MoneyView | None = None
    points: int = 0
    points_amount: MoneyView | None = None
    vouchers: list[str] = Field(default_factory=list)
    promotions: list[PromotionView] = Field(default_factory=list)
    promotions_rejected: list[PromotionView] = Field(default_factory=list)
    # Gift items promotions add at zero price (each with a held unit): {variant_id, sku, name}
    gifts: list[dict[str, Any]] = Field(default_factory=list)
    email: str | None
    phone: str | None
    shipping_address: dict[str, Any] | None
    delivery: dict[str, Any] | None
    order: OrderRef | None = None
    order_id: uuid.UUID | None
    payment_id: uuid.UUID | None
    next_action: dict[str, Any] | None = None
    # When the first of the cart's holds lapses without cart activity.
    expires_at: datetime | None


# --- delivery options ---


class Estimate(BaseModel):
    min_days: int
    max_days: int


class ShippingOption(BaseModel):
    method: str
    name: str
    carrier: str | None
    amount: int
    currency: str
    formatted: str
    estimate: Estimate


class MissingLine(BaseModel):
    line_id: uuid.UUID
    variant_id: uuid.UUID
    sku: str
    quantity: int


class PickupOptionView(BaseModel):
    location_id: uuid.UUID
    code: str
    name: str
    address: str | None
    city: str | None
    latitude: float | None
    longitude: float | None
    opening_hours: dict[str, Any]
    timezone: str
    distance_km: float | None
    amount: int
    currency: str
    formatted: str
    complete: bool
    missing: list[MissingLine]


class DeliveryOptions(BaseModel):
    shipping: list[ShippingOption]
    pickup: list[PickupOptionView]
    # What the buyer must give before more options can be shown (e.g. "shipping_address").
    needs: list[str]


# --- shipping zones and methods (staff) ---


ZoneName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
Position = Annotated[int, Field(ge=-1_000_000, le=1_000_000)]


class ZoneCreate(Strict):
    name: ZoneName
    countries: Annotated[list[Country], Field(min_length=1, max_length=300)]
    regions: Annotated[list[Text], Field(max_length=500)] = Field(default_factory=list)
    postcodes: Annotated[
        list[Annotated[str, StringConstraints(max_length=30)]], Field(max_length=1000)
    ] = Field(default_factory=list)
    active: bool = True


class ZoneUpdate(Strict):
    name: ZoneName | None = None
    countries: Annotated[list[Country], Field(min_length=1, max_length=300)] | None = None
    regions: Annotated[list[Text], Field(max_length=500)] | None = None
    postcodes: (
        Annotated[list[Annotated[str, StringConstraints(max_length=30)]], Field(max_length=1000)]
        | None
    ) = None
    active: bool | None = None


class ZoneRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    countries: list[str]
    regions: list[str]
    postcodes: list[str]
    active: bool
    created_at: datetime
    updated_at: datetime


class Tier(Strict):
    up_to: Annotated[int, Field(ge=0)] | None = None
    amount: Annotated[int, Field(ge=0, le=10**12)]


Days = Annotated[int, Field(ge=0, le=365)]
Names = Annotated[dict[Locale, Text], Field(min_length=1)]


class MethodCreate(Strict):
    zone_id: uuid.UUID
    code: MethodCode
    names: Names
    carrier: Annotated[str, StringConstraints(max_length=60)] | None = None
    rate_kind: Literal["flat", "weight", "value"] = "flat"
    currency: Currency
    tiers: Annotated[list[Tier], Field(min_length=1, max_length=50)]
    free_over: Annotated[int, Field(ge=0, le=10**12)] | None = None
    min_days: Days = 1
    max_days: Days = 3
    active: bool = True
    channels: Annotated[list[ChannelCode], Field(max_length=100)] = Field(default_factory=list)
    position: Position = 0


class MethodUpdate(Strict):
    zone_id: uuid.UUID | None = None
    names: Names | None = None
    carrier: Annotated[str, StringConstraints(max_length=60)] | None = None
    rate_kind: Literal["flat", "weight", "value"] | None = None
    currency: Currency | None = None
    tiers: Annotated[list[Tier], Field(min_length=1, max_length=50)] | None = None
    free_over: Annotated[int, Field(ge=0, le=10**12)] | None = None
    min_days: Days | None = None
    max_days: Days | None = None
    active: bool | None = None
    channels: Annotated[list[ChannelCode], Field(max_length=100)] | None = None
    position: Position | None = None


class MethodRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    zone_id: uuid.UUID
    code: str
    names: dict[str, str]
    carrier: str | None
    rate_kind: str
    currency: str
    tiers: list[dict[str, Any]]
    free_over: int | None
    min_days: int
    max_days: int
    active: bool
    channels: list[str]
    position: int
    created_at: datetime
    updated_at: datetime
