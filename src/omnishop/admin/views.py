"""SQLAdmin model views of the shop's records: channels, catalog, prices, inventory, customers.

The back-office is the accepted exception to "a domain's tables are its own": SQLAdmin edits
rows directly. So that the rest of the shop still hears about those edits (search re-indexing,
channel syncs), every view that changes something shoppers see emits the domain's own event
after SQLAdmin commits.
"""

from __future__ import annotations

from typing import Any, ClassVar

from sqladmin import ModelView
from starlette.requests import Request
from wtforms import SelectField  # type: ignore[import-untyped]

from omnishop.catalog.events import CategoryChanged, ProductChanged
from omnishop.catalog.models import (
    Attribute,
    Category,
    CategoryTranslation,
    Media,
    Product,
    ProductStatus,
    ProductTranslation,
    Publication,
    Variant,
)
from omnishop.channels.events import ChannelChanged
from omnishop.channels.models import Channel, ChannelKind
from omnishop.customers.models import Address, Customer
from omnishop.inventory.events import StockChanged
from omnishop.inventory.models import Location, LocationKind, StockLevel
from omnishop.kernel import outbox
from omnishop.kernel.db import unit_of_work
from omnishop.kernel.events import Event
from omnishop.pricing.events import PriceChanged
from omnishop.pricing.models import FxRate, Price

CATALOG, SALES, CUSTOMERS, INVENTORY = "Catalog", "Sales channels & prices", "Customers", "Stock"


def _choices(values: Any) -> list[tuple[str, str]]:
    return [(str(v), str(v)) for v in values]


class ShopView(ModelView):
    """Defaults shared by every back-office view: phone-friendly pages, no raw ids in forms."""

    page_size = 25
    page_size_options: ClassVar[list[int]] = [25, 50, 100]
    # Foreign keys have no ORM relationships here, so their id columns are edited as text.
    form_include_pk = True

    def __init__(self) -> None:
        super().__init__()
        # Headings read "Default locale", not "default_locale", unless a view names them.
        for name in self._prop_names:
            self._column_labels.setdefault(name, name.replace("_", " ").capitalize())
        self._column_labels_value_by_key = {v: k for k, v in self._column_labels.items()}

    async def after_model_change(
        self, data: dict[str, Any], model: Any, is_created: bool, request: Request
    ) -> None:
        await self._announce(model)

    async def after_model_delete(self, model: Any, request: Request) -> None:
        await self._announce(model)

    def change_events(self, model: Any) -> list[Event]:
        """The domain events that announce a change to ``model``; none unless a view says."""
        return []

    async def _announce(self, model: Any) -> None:
        events = self.change_events(model) if model is not None else []
        if not events:
            return
        # SQLAdmin has committed the row already; the event follows in its own transaction.
        async with unit_of_work(self.session_maker) as session:  # type: ignore[arg-type]
            for event in events:
                await outbox.emit(session, event)


def _product_changed(model: Any) -> list[Event]:
    return [ProductChanged(product_id=model.product_id)]


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
    form_args: ClassVar[dict[str, dict[str, Any]]] = {"kind": {"choices": _choices(ChannelKind)}}
    column_labels: ClassVar[dict[Any, str]] = {
        Channel.default_locale: "Locale",
        Channel.currency: "Currency (ISO 4217)",
        Channel.country: "Country (ISO 3166)",
    }

    def change_events(self, model: Any) -> list[Event]:
        return [ChannelChanged(channel_id=model.id, code=model.code)]


class ProductAdmin(ShopView, model=Product):
    category = CATALOG
    icon = "fa-solid fa-box"
    column_list: ClassVar[list[Any]] = [
        Product.slug,
        Product.status,
        Product.brand,
        Product.category_id,
        Product.updated_at,
    ]
    column_searchable_list: ClassVar[list[Any]] = [
        Product.slug,
        Product.brand,
        Product.external_ref,
    ]
    column_sortable_list: ClassVar[list[Any]] = [
        Product.slug,
        Product.status,
        Product.brand,
        Product.updated_at,
    ]
    column_default_sort: ClassVar[list[Any]] = [(Product.updated_at, True)]
    form_columns: ClassVar[list[Any]] = [
        Product.slug,
        Product.status,
        Product.category_id,
        Product.brand,
        Product.attributes,
        Product.tax_class,
        Product.external_ref,
    ]
    form_overrides: ClassVar[dict[str, Any]] = {"status": SelectField}
    form_args: ClassVar[dict[str, dict[str, Any]]] = {
        "status": {"choices": _choices(ProductStatus)}
    }
    column_labels: ClassVar[dict[Any, str]] = {Product.category_id: "Category id"}

    def change_events(self, model: Any) -> list[Event]:
        return [ProductChanged(product_id=model.id)]


class ProductTranslationAdmin(ShopView, model=ProductTranslation):
    category = CATALOG
    icon = "fa-solid fa-language"
    name_plural = "Product translations"
    column_list: ClassVar[list[Any]] = [
        ProductTranslation.product_id,
        ProductTranslation.locale,
        ProductTranslation.name,
    ]
    column_searchable_list: ClassVar[list[Any]] = [ProductTranslation.name]
    column_sortable_list: ClassVar[list[Any]] = [
        ProductTranslation.locale,
        ProductTranslation.name,
    ]
    form_columns: ClassVar[list[Any]] = [*column_list, ProductTranslation.description]

    def change_events(self, model: Any) -> list[Event]:
        return _product_changed(model)


class VariantAdmin(ShopView, model=Variant):
    category = CATALOG
    icon = "fa-solid fa-barcode"
    column_list: ClassVar[list[Any]] = [
        Variant.sku,
        Variant.gtin,
        Variant.options,
        Variant.product_id,
        Variant.active,
    ]
    column_searchable_list: ClassVar[list[Any]] = [Variant.sku, Variant.gtin]
    column_sortable_list: ClassVar[list[Any]] = [Variant.sku, Variant.position]
    form_columns: ClassVar[list[Any]] = [
        Variant.product_id,
        Variant.sku,
        Variant.gtin,
        Variant.options,
        Variant.weight_grams,
        Variant.hs_code,
        Variant.position,
        Variant.active,
    ]
    column_labels: ClassVar[dict[Any, str]] = {
        Variant.sku: "SKU",
        Variant.gtin: "GTIN",
        Variant.hs_code: "HS code",
    }

    def change_events(self, model: Any) -> list[Event]:
        return _product_changed(model)


class CategoryAdmin(ShopView, model=Category):
    category = CATALOG
    icon = "fa-solid fa-folder-tree"
    name_plural = "Categories"
    column_list: ClassVar[list[Any]] = [
        Category.path,
        Category.slug,
        Category.position,
        Category.active,
    ]
    column_searchable_list: ClassVar[list[Any]] = [Category.path, Category.slug]
    column_sortable_list: ClassVar[list[Any]] = [Category.path, Category.position]
    column_default_sort: ClassVar[list[Any]] = [(Category.path, False)]
    form_columns: ClassVar[list[Any]] = [
        Category.parent_id,
        Category.slug,
        Category.path,
        Category.position,
        Category.active,
        Category.external_ref,
    ]

    def change_events(self, model: Any) -> list[Event]:
        return [CategoryChanged(category_id=model.id)]


class CategoryTranslationAdmin(ShopView, model=CategoryTranslation):
    category = CATALOG
    icon = "fa-solid fa-language"
    name_plural = "Category translations"
    column_list: ClassVar[list[Any]] = [
        CategoryTranslation.category_id,
        CategoryTranslation.locale,
        CategoryTranslation.name,
    ]
    column_searchable_list: ClassVar[list[Any]] = [CategoryTranslation.name]
    column_sortable_list: ClassVar[list[Any]] = [
        CategoryTranslation.locale,
        CategoryTranslation.name,
    ]
    form_columns: ClassVar[list[Any]] = [*column_list, CategoryTranslation.description]

    def change_events(self, model: Any) -> list[Event]:
        return [CategoryChanged(category_id=model.category_id)]


class AttributeAdmin(ShopView, model=Attribute):
    category = CATALOG
    icon = "fa-solid fa-tags"
    column_list: ClassVar[list[Any]] = [
        Attribute.code,
        Attribute.names,
        Attribute.filterable,
        Attribute.position,
    ]
    column_searchable_list: ClassVar[list[Any]] = [Attribute.code]
    column_sortable_list: ClassVar[list[Any]] = [Attribute.code, Attribute.position]
    form_columns: ClassVar[list[Any]] = column_list


class MediaAdmin(ShopView, model=Media):
    category = CATALOG
    icon = "fa-solid fa-image"
    name_plural = "Media"
    column_list: ClassVar[list[Any]] = [
        Media.product_id,
        Media.variant_id,
        Media.width,
        Media.height,
        Media.position,
    ]
    column_sortable_list: ClassVar[list[Any]] = [Media.position]
    form_columns: ClassVar[list[Any]] = [*column_list, Media.sizes, Media.alt]

    def change_events(self, model: Any) -> list[Event]:
        return _product_changed(model)


class PublicationAdmin(ShopView, model=Publication):
    category = CATALOG
    icon = "fa-solid fa-eye"
    column_list: ClassVar[list[Any]] = [
        Publication.product_id,
        Publication.channel_id,
        Publication.visible,
        Publication.purchasable,
        Publication.published_at,
    ]
    column_sortable_list: ClassVar[list[Any]] = [Publication.published_at]
    form_columns: ClassVar[list[Any]] = column_list

    def change_events(self, model: Any) -> list[Event]:
        return _product_changed(model)


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
    form_args: ClassVar[dict[str, dict[str, Any]]] = {"kind": {"choices": _choices(LocationKind)}}


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
    ProductAdmin,
    ProductTranslationAdmin,
    VariantAdmin,
    CategoryAdmin,
    CategoryTranslationAdmin,
    AttributeAdmin,
    MediaAdmin,
    PublicationAdmin,
    ChannelAdmin,
    PriceAdmin,
    FxRateAdmin,
    LocationAdmin,
    StockLevelAdmin,
    CustomerAdmin,
    AddressAdmin,
)
