"""Tax and duty tables: per-country settings, tax rates by class, duty rates by HS prefix, and a
channel's own "prices include tax" when it differs from its country's."""

from __future__ import annotations

import uuid
from decimal import Decimal

from sqlalchemy import BigInteger, ForeignKey, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from omnishop.kernel.db import Base, IdMixin, TimestampMixin


class TaxCountry(IdMixin, TimestampMixin, Base):
    """How a country taxes: whether shelf prices include tax, how tax is rounded, whether
    shipping is taxed, and whether its de-minimis threshold waives import VAT as well."""

    __tablename__ = "tax_countries"

    country: Mapped[str] = mapped_column(String(2), unique=True)
    prices_include_tax: Mapped[bool] = mapped_column(default=True)
    rounding_level: Mapped[str] = mapped_column(String(10), default="line")  # line | total
    rounding_mode: Mapped[str] = mapped_column(String(10), default="half_up")  # | half_even
    tax_shipping: Mapped[bool] = mapped_column(default=True)
    shipping_tax_class: Mapped[str] = mapped_column(String(40), default="standard")
    de_minimis_covers_import_vat: Mapped[bool] = mapped_column(default=True)

    def __str__(self) -> str:
        return self.country


class TaxRate(IdMixin, TimestampMixin, Base):
    """The rate of one tax class in a country or, when ``region`` is set, in one of its regions
    (a region's rate replaces the country's for that class: US state + local sales tax)."""

    __tablename__ = "tax_rates"
    __table_args__ = (UniqueConstraint("country", "region", "tax_class"),)

    country: Mapped[str] = mapped_column(String(2), index=True)
    # "" for the whole country (so the unique constraint holds on every database).
    region: Mapped[str] = mapped_column(String(60), default="")
    tax_class: Mapped[str] = mapped_column(String(40), default="standard")
    rate_percent: Mapped[Decimal] = mapped_column(Numeric(7, 4))
    name: Mapped[str] = mapped_column(String(120))  # "НДС 20%", "NY sales tax"
    active: Mapped[bool] = mapped_column(default=True)

    def __str__(self) -> str:
        return self.name


class DutyRate(IdMixin, TimestampMixin, Base):
    """What ``country`` charges on imports whose HS code starts with ``hs_prefix`` (the longest
    matching prefix wins; "" covers every code). Consignments worth no more than the de-minimis
    threshold (in its own currency) pay no duty."""

    __tablename__ = "duty_rates"
    __table_args__ = (UniqueConstraint("country", "hs_prefix"),)

    country: Mapped[str] = mapped_column(String(2), index=True)
    hs_prefix: Mapped[str] = mapped_column(String(10), default="")
    duty_percent: Mapped[Decimal] = mapped_column(Numeric(7, 4))
    import_vat_percent: Mapped[Decimal] = mapped_column(Numeric(7, 4))
    de_minimis_amount: Mapped[int] = mapped_column(BigInteger, default=0)  # minor units
    de_minimis_currency: Mapped[str] = mapped_column(String(3))
    name: Mapped[str] = mapped_column(String(120), default="")
    active: Mapped[bool] = mapped_column(default=True)

    def __str__(self) -> str:
        return f"{self.country} {self.hs_prefix or '*'}"


class ChannelTaxSetting(TimestampMixin, Base):
    """A channel whose prices include (or exclude) tax unlike its country's default."""

    __tablename__ = "channel_tax_settings"

    channel_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("channels.id", ondelete="CASCADE"), primary_key=True
    )
    prices_include_tax: Mapped[bool | None]
