"""Tax and duty schemas: staff inputs per direction, reads, and the quote other domains use."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from omnishop.pricing.schemas import RateOut

Country = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
Region = Annotated[str, StringConstraints(strip_whitespace=True, max_length=60)]
TaxClass = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]{0,39}$")]
HsPrefix = Annotated[str, StringConstraints(pattern=r"^\d{0,10}$")]
Percent = Annotated[
    Decimal,
    Field(ge=0, le=100, max_digits=7, decimal_places=4, description='Percent, e.g. "8.875".'),
]
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- country settings ---


class TaxCountrySet(Strict):
    prices_include_tax: bool = True
    rounding_level: Literal["line", "total"] = "line"
    rounding_mode: Literal["half_up", "half_even"] = "half_up"
    tax_shipping: bool = True
    shipping_tax_class: TaxClass = "standard"
    de_minimis_covers_import_vat: bool = True


class TaxCountryRead(TaxCountrySet):
    model_config = ConfigDict(from_attributes=True)

    country: str


class ChannelTaxSet(Strict):
    """``null``: the channel follows its country's setting."""

    prices_include_tax: bool | None


class ChannelTaxRead(BaseModel):
    channel: str
    prices_include_tax: bool  # in effect now
    overridden: bool  # set on the channel rather than taken from its country


# --- tax rates ---


class TaxRateCreate(Strict):
    country: Country
    region: Region | None = None  # none: the whole country
    tax_class: TaxClass = "standard"
    rate_percent: Percent
    name: Label
    active: bool = True


class TaxRateUpdate(Strict):
    """Only the fields sent change; the country, region and class identify the rate."""

    rate_percent: Percent | None = None
    name: Label | None = None
    active: bool | None = None


class TaxRateRead(BaseModel):
    id: uuid.UUID
    country: str
    region: str | None
    tax_class: str
    rate_percent: RateOut
    name: str
    active: bool


# --- duty rates ---


class DutyRateCreate(Strict):
    country: Country
    hs_prefix: HsPrefix = ""  # "": every HS code
    duty_percent: Percent
    import_vat_percent: Percent
    de_minimis_amount: Annotated[int, Field(ge=0, le=10**15)] = 0  # minor units; 0 = none
    de_minimis_currency: Currency
    name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=120)] = ""
    active: bool = True


class DutyRateUpdate(Strict):
    duty_percent: Percent | None = None
    import_vat_percent: Percent | None = None
    de_minimis_amount: Annotated[int, Field(ge=0, le=10**15)] | None = None
    de_minimis_currency: Currency | None = None
    name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=120)] | None = None
    active: bool | None = None


class DutyRateRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    country: str
    hs_prefix: str
    duty_percent: RateOut
    import_vat_percent: RateOut
    de_minimis_amount: int
    de_minimis_currency: str
    name: str
    active: bool


# --- quote ---


@dataclass(frozen=True)
class TaxableLine:
    """A cart or order line as taxed: its amount after discounts, in the channel currency.

    ``tax_class`` and ``hs_code`` are read from the catalog when left out.
    """

    key: str
    amount: int
    variant_id: uuid.UUID | None = None
    tax_class: str | None = None
    hs_code: str | None = None


@dataclass(frozen=True)
class LineTax:
    key: str
    tax_class: str
    rate_percent: Decimal
    net: int
    tax: int
    gross: int
    hs_code: str | None = None
    duty: int = 0
    import_vat: int = 0


@dataclass(frozen=True)
class TaxLine:
    """One row of the receipt's tax block: "НДС 20%  200,00 ₽"."""

    name: str
    rate_percent: Decimal
    amount: int


@dataclass
class TaxQuote:
    """Tax, duties and the landed cost of a cart or order, in minor units of ``currency``.

    ``tax`` is included in the prices or added on top (``tax_added``); under DDP ``duties_due``
    is the duty and import VAT the buyer pays now, under DAP it is 0 and ``duties_total`` is an
    estimate the carrier collects on delivery.
    """

    currency: str
    country: str  # the destination
    prices_include_tax: bool
    lines: list[LineTax]
    taxes: list[TaxLine]
    shipping_tax: int
    tax: int
    tax_added: int
    cross_border: bool = False
    ddp: bool = False
    duty: int = 0
    import_vat: int = 0
    duties_total: int = 0
    duties_due: int = 0
    de_minimis_applied: bool = False
    goods: int = 0
    shipping: int = 0
    total: int = 0  # the landed cost the buyer pays at checkout
    notes: list[str] = field(default_factory=list)
