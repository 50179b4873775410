"""Back-office views of the tax tables: country settings, tax rates, duty rates, channel
overrides of "prices include tax"."""

from __future__ import annotations

from typing import Any, ClassVar

from wtforms import SelectField  # type: ignore[import-untyped]

from omnishop.admin.base import ShopView
from omnishop.pricing.tax_models import ChannelTaxSetting, DutyRate, TaxCountry, TaxRate

TAXES = "Taxes & duties"


class TaxCountryAdmin(ShopView, model=TaxCountry):
    category = TAXES
    icon = "fa-solid fa-flag"
    name = "Tax country"
    column_list: ClassVar[list[Any]] = [
        TaxCountry.country,
        TaxCountry.prices_include_tax,
        TaxCountry.rounding_level,
        TaxCountry.rounding_mode,
        TaxCountry.tax_shipping,
        TaxCountry.de_minimis_covers_import_vat,
    ]
    column_sortable_list: ClassVar[list[Any]] = [TaxCountry.country]
    column_default_sort: ClassVar[list[Any]] = [(TaxCountry.country, False)]
    form_columns: ClassVar[list[Any]] = [*column_list, TaxCountry.shipping_tax_class]
    form_overrides: ClassVar[dict[str, Any]] = {
        "rounding_level": SelectField,
        "rounding_mode": SelectField,
    }
    form_args: ClassVar[dict[str, dict[str, Any]]] = {
        "rounding_level": {"choices": [("line", "per line"), ("total", "per total")]},
        "rounding_mode": {"choices": [("half_up", "half up"), ("half_even", "banker's")]},
    }
    column_labels: ClassVar[dict[Any, str]] = {TaxCountry.country: "Country (ISO 3166)"}


class TaxRateAdmin(ShopView, model=TaxRate):
    category = TAXES
    icon = "fa-solid fa-percent"
    column_list: ClassVar[list[Any]] = [
        TaxRate.country,
        TaxRate.region,
        TaxRate.tax_class,
        TaxRate.rate_percent,
        TaxRate.name,
        TaxRate.active,
    ]
    column_searchable_list: ClassVar[list[Any]] = [TaxRate.country, TaxRate.name]
    column_sortable_list: ClassVar[list[Any]] = [TaxRate.country, TaxRate.tax_class]
    column_default_sort: ClassVar[list[Any]] = [(TaxRate.country, False)]
    form_columns: ClassVar[list[Any]] = column_list
    column_labels: ClassVar[dict[Any, str]] = {
        TaxRate.rate_percent: "Rate (%)",
        TaxRate.region: "Region (empty: whole country)",
    }


class DutyRateAdmin(ShopView, model=DutyRate):
    category = TAXES
    icon = "fa-solid fa-passport"
    column_list: ClassVar[list[Any]] = [
        DutyRate.country,
        DutyRate.hs_prefix,
        DutyRate.duty_percent,
        DutyRate.import_vat_percent,
        DutyRate.de_minimis_amount,
        DutyRate.de_minimis_currency,
        DutyRate.name,
        DutyRate.active,
    ]
    column_searchable_list: ClassVar[list[Any]] = [DutyRate.country, DutyRate.hs_prefix]
    column_sortable_list: ClassVar[list[Any]] = [DutyRate.country, DutyRate.hs_prefix]
    column_default_sort: ClassVar[list[Any]] = [(DutyRate.country, False)]
    form_columns: ClassVar[list[Any]] = column_list
    column_labels: ClassVar[dict[Any, str]] = {
        DutyRate.hs_prefix: "HS prefix (empty: every code)",
        DutyRate.duty_percent: "Duty (%)",
        DutyRate.import_vat_percent: "Import VAT (%)",
        DutyRate.de_minimis_amount: "De minimis (minor units)",
    }


class ChannelTaxSettingAdmin(ShopView, model=ChannelTaxSetting):
    category = TAXES
    icon = "fa-solid fa-store"
    name = "Channel tax setting"
    column_list: ClassVar[list[Any]] = [
        ChannelTaxSetting.channel_id,
        ChannelTaxSetting.prices_include_tax,
    ]
    form_columns: ClassVar[list[Any]] = column_list


TAX_VIEWS: tuple[type[ShopView], ...] = (
    TaxCountryAdmin,
    TaxRateAdmin,
    DutyRateAdmin,
    ChannelTaxSettingAdmin,
)
