"""Back-office views of the catalog: products, translations, variants, categories, media."""

from __future__ import annotations

from typing import Any, ClassVar

from sqladmin import ModelView
from wtforms import SelectField  # type: ignore[import-untyped]

from omnishop.admin.base import ShopView, choices
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
from omnishop.kernel.events import Event

CATALOG = "Catalog"


def _product_changed(model: Any) -> list[Event]:
    return [ProductChanged(product_id=model.product_id)]


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
        Product.hs_code,
        Product.external_ref,
    ]
    form_overrides: ClassVar[dict[str, Any]] = {"status": SelectField}
    form_args: ClassVar[dict[str, dict[str, Any]]] = {"status": {"choices": choices(ProductStatus)}}
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


CATALOG_VIEWS: tuple[type[ModelView], ...] = (
    ProductAdmin,
    ProductTranslationAdmin,
    VariantAdmin,
    CategoryAdmin,
    CategoryTranslationAdmin,
    AttributeAdmin,
    MediaAdmin,
    PublicationAdmin,
)
