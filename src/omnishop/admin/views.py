"""Back-office views of sales channels, prices, stock and customers."""

from __future__ import annotations

from typing import Any, ClassVar

from sqladmin import ModelView
from wtforms import SelectField  # type: ignore[import-untyped]

from omnishop.admin.base import ShopView, choices
from omnishop.admin.catalog_views import CATALOG_VIEWS
from omnishop.channels.events import ChannelChanged
from omnishop.channels.models import Channel, ChannelKind
from omnishop.customers.models import Address, Customer
from omnishop.inventory.events import StockChanged
from omnishop.inventory.models import Location, LocationKind, StockLevel
from omnishop.kernel.events import Event
from omnishop.pricing.events import PriceChanged
from omnishop.pricing.models import FxRate, Price

SALES, CUSTOMERS, INVENTORY = "Sales channels & prices", "Customers", "Stock"


class ChannelAdmin(ShopView, model=Channel):
    category = SALES
    icon = "fa-solid fa-store"
    column_list: ClassVar[list[Any]] = [
        Channel.code,
        Channel.name,
        Channel.kind,
        Channel.currency,
        Channel.default_locale,
        Channel.country,
        Channel.active,
    ]
    column_searchable_list: ClassVar[list[Any]] = [Channel.code, Channel.name]
    column_sortable_list: ClassVar[list[Any]] = [Channel.code, Channel.name, Channel.kind]
    column_default_sort: ClassVar[list[Any]] = [(Channel.code, False)]
    form_columns: ClassVar[list[Any]] = column_list
    form_overrides: ClassVar[dict[str, Any]] = {"kind": SelectField}
    form_args: ClassVar[dict[str, dict[str, Any]]] = {"kind": {"choices": choices(ChannelKind)}}
    column_labels: ClassVar[dict[Any, str]] = {
        Channel.default_locale: "Locale",
        Channel.currency: "Currency (ISO 4217)",
        Channel.country: "Country (ISO 3166)",
    }

    def change_events(self, model: Any) -> list[Event]:
        return [ChannelChanged(channel_id=model.id, code=model.code)]


class PriceAdmin(ShopView, model=Price):
    category = SALES
    icon = "fa-solid fa-money-bill"
    column_list: ClassVar[list[Any]] = [
        Price.variant_id,
        Price.channel_id,
        Price.currency,
        Price.amount,
        Price.compare_at_amount,
    ]
    column_searchable_list: ClassVar[list[Any]] = [Price.currency]
    column_sortable_list: ClassVar[list[Any]] = [Price.currency, Price.amount]
    form_columns: ClassVar[list[Any]] = column_list
    column_labels: ClassVar[dict[Any, str]] = {
        Price.amount: "Amount (minor units)",
        Price.compare_at_amount: "Compare-at (minor units)",
    }

    def change_events(self, model: Any) -> list[Event]:
        return [PriceChanged(variant_id=model.variant_id, channel_id=model.channel_id)]


class FxRateAdmin(ShopView, model=FxRate):
    category = SALES
    icon = "fa-solid fa-arrow-right-arrow-left"
    name = "FX rate"
    column_list: ClassVar[list[Any]] = [
        FxRate.base,
        FxRate.quote,
        FxRate.rate,
        FxRate.as_of,
        FxRate.source,
    ]
    column_searchable_list: ClassVar[list[Any]] = [FxRate.base, FxRate.quote]
    column_sortable_list: ClassVar[list[Any]] = [FxRate.base, FxRate.quote, FxRate.as_of]
    column_default_sort: ClassVar[list[Any]] = [(FxRate.as_of, True)]
    form_columns: ClassVar[list[Any]] = column_list


class LocationAdmin(ShopView, model=Location):
    category = INVENTORY
    icon = "fa-solid fa-warehouse"
    column_list: ClassVar[list[Any]] = [
        Location.code,
        Location.name,
        Location.kind,
        Location.city,
        Location.pickup,
        Location.active,
    ]
    column_searchable_list: ClassVar[list[Any]] = [Location.code, Location.name, Location.city]
    column_sortable_list: ClassVar[list[Any]] = [Location.code, Location.name, Location.priority]
    form_columns: ClassVar[list[Any]] = [
        *column_list,
        Location.country,
        Location.address,
        Location.latitude,
        Location.longitude,
        Location.timezone,
        Location.opening_hours,
        Location.priority,
        Location.external_ref,
    ]
    form_overrides: ClassVar[dict[str, Any]] = {"kind": SelectField}
    form_args: ClassVar[dict[str, dict[str, Any]]] = {"kind": {"choices": choices(LocationKind)}}


class StockLevelAdmin(ShopView, model=StockLevel):
    category = INVENTORY
    icon = "fa-solid fa-cubes"
    column_list: ClassVar[list[Any]] = [
        StockLevel.variant_id,
        StockLevel.location_id,
        StockLevel.on_hand,
        StockLevel.reserved,
        StockLevel.committed,
        StockLevel.safety_stock,
    ]
    column_sortable_list: ClassVar[list[Any]] = [StockLevel.on_hand, StockLevel.reserved]
    # Reserved and committed belong to reservations and orders, never to a hand edit.
    form_columns: ClassVar[list[Any]] = [
        StockLevel.variant_id,
        StockLevel.location_id,
        StockLevel.on_hand,
        StockLevel.safety_stock,
    ]

    def change_events(self, model: Any) -> list[Event]:
        return [StockChanged(variant_id=model.variant_id, location_id=model.location_id)]


class CustomerAdmin(ShopView, model=Customer):
    category = CUSTOMERS
    icon = "fa-solid fa-user"
    column_list: ClassVar[list[Any]] = [
        Customer.email,
        Customer.phone,
        Customer.first_name,
        Customer.last_name,
        Customer.locale,
        Customer.source_channel,
        Customer.created_at,
    ]
    column_searchable_list: ClassVar[list[Any]] = [
        Customer.email,
        Customer.phone,
        Customer.last_name,
    ]
    column_sortable_list: ClassVar[list[Any]] = [
        Customer.email,
        Customer.last_name,
        Customer.created_at,
    ]
    column_default_sort: ClassVar[list[Any]] = [(Customer.created_at, True)]
    form_columns: ClassVar[list[Any]] = [
        Customer.email,
        Customer.phone,
        Customer.first_name,
        Customer.last_name,
        Customer.locale,
        Customer.country,
        Customer.source_channel,
    ]


class AddressAdmin(ShopView, model=Address):
    category = CUSTOMERS
    icon = "fa-solid fa-location-dot"
    name_plural = "Addresses"
    column_list: ClassVar[list[Any]] = [
        Address.recipient,
        Address.city,
        Address.country,
        Address.line1,
        Address.customer_id,
        Address.is_default,
    ]
    column_searchable_list: ClassVar[list[Any]] = [
        Address.recipient,
        Address.city,
        Address.postcode,
    ]
    column_sortable_list: ClassVar[list[Any]] = [Address.city, Address.recipient]
    form_columns: ClassVar[list[Any]] = [
        Address.customer_id,
        Address.label,
        Address.recipient,
        Address.phone,
        Address.country,
        Address.region,
        Address.city,
        Address.postcode,
        Address.line1,
        Address.line2,
        Address.is_default,
    ]


SHOP_VIEWS: tuple[type[ModelView], ...] = (
    *CATALOG_VIEWS,
    ChannelAdmin,
    PriceAdmin,
    FxRateAdmin,
    LocationAdmin,
    StockLevelAdmin,
    CustomerAdmin,
    AddressAdmin,
)
