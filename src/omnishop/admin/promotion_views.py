"""Back-office views of promotions: promotions with their conditions and reward, voucher
codes with their use counts, redemptions (read-only) and flash-sale prices.

Voucher uses change only through checkout (one conditional UPDATE per payment), so the
count is shown, never edited; codes are stored upper-case like the API stores them."""

from __future__ import annotations

from typing import Any, ClassVar

from starlette.requests import Request
from wtforms import SelectField  # type: ignore[import-untyped]

from omnishop.admin.base import ShopView
from omnishop.kernel.events import Event
from omnishop.pricing.events import PriceChanged
from omnishop.pricing.promotion_models import Promotion, SalePrice, Voucher, VoucherRedemption
from omnishop.pricing.promotion_rules import Reward, normalize_code

PROMOTIONS = "Promotions"


class PromotionAdmin(ShopView, model=Promotion):
    category = PROMOTIONS
    icon = "fa-solid fa-tags"
    column_list: ClassVar[list[Any]] = [
        Promotion.name,
        Promotion.active,
        Promotion.reward,
        Promotion.value,
        Promotion.priority,
        Promotion.exclusive,
        Promotion.needs_voucher,
        Promotion.starts_at,
        Promotion.ends_at,
    ]
    column_searchable_list: ClassVar[list[Any]] = [Promotion.name]
    column_sortable_list: ClassVar[list[Any]] = [Promotion.name, Promotion.priority]
    column_default_sort: ClassVar[list[Any]] = [(Promotion.priority, True)]
    form_columns: ClassVar[list[Any]] = [
        Promotion.name, Promotion.labels, Promotion.active, Promotion.starts_at,
        Promotion.ends_at, Promotion.channels, Promotion.currency, Promotion.priority,
        Promotion.exclusive,
        Promotion.needs_voucher, Promotion.tiers, Promotion.segments, Promotion.category_ids,
        Promotion.product_ids, Promotion.min_subtotal, Promotion.first_order_only,
        Promotion.reward, Promotion.value, Promotion.buy_qty, Promotion.get_qty,
        Promotion.gift_variant_id,
    ]  # fmt: skip
    form_overrides: ClassVar[dict[str, Any]] = {"reward": SelectField}
    form_args: ClassVar[dict[str, dict[str, Any]]] = {
        "reward": {"choices": [(r.value, r.value.replace("_", " ")) for r in Reward]}
    }
    column_labels: ClassVar[dict[Any, str]] = {
        Promotion.value: "Value (% or minor units)",
        Promotion.channels: "Channel codes (empty: all)",
        Promotion.min_subtotal: "Minimum subtotal (minor units)",
        Promotion.exclusive: "Exclusive (never combined)",
        Promotion.needs_voucher: "Only with a voucher code",
    }


class VoucherAdmin(ShopView, model=Voucher):
    category = PROMOTIONS
    icon = "fa-solid fa-ticket"
    column_list: ClassVar[list[Any]] = [
        Voucher.code,
        Voucher.promotion_id,
        Voucher.active,
        Voucher.used_count,
        Voucher.usage_limit,
        Voucher.per_customer_limit,
        Voucher.batch,
    ]
    column_searchable_list: ClassVar[list[Any]] = [Voucher.code, Voucher.batch]
    column_sortable_list: ClassVar[list[Any]] = [Voucher.code, Voucher.used_count]
    form_columns: ClassVar[list[Any]] = [
        Voucher.code,
        Voucher.promotion_id,
        Voucher.active,
        Voucher.usage_limit,
        Voucher.per_customer_limit,
    ]

    async def on_model_change(
        self, data: dict[str, Any], model: Any, is_created: bool, request: Request
    ) -> None:
        if data.get("code"):
            data["code"] = normalize_code(str(data["code"]))


class VoucherRedemptionAdmin(ShopView, model=VoucherRedemption):
    category = PROMOTIONS
    icon = "fa-solid fa-receipt"
    can_create = False
    can_edit = False
    can_delete = False
    column_list: ClassVar[list[Any]] = [
        VoucherRedemption.created_at,
        VoucherRedemption.voucher_id,
        VoucherRedemption.cart_id,
        VoucherRedemption.customer_key,
        VoucherRedemption.amount,
    ]
    column_default_sort: ClassVar[list[Any]] = [(VoucherRedemption.created_at, True)]


class SalePriceAdmin(ShopView, model=SalePrice):
    category = PROMOTIONS
    icon = "fa-solid fa-bolt"
    name = "Flash-sale price"
    column_list: ClassVar[list[Any]] = [
        SalePrice.variant_id,
        SalePrice.channel_id,
        SalePrice.amount,
        SalePrice.starts_at,
        SalePrice.ends_at,
    ]
    column_sortable_list: ClassVar[list[Any]] = [SalePrice.starts_at]
    column_default_sort: ClassVar[list[Any]] = [(SalePrice.starts_at, True)]
    form_columns: ClassVar[list[Any]] = column_list
    column_labels: ClassVar[dict[Any, str]] = {SalePrice.amount: "Sale price (minor units)"}

    def change_events(self, model: Any) -> list[Event]:
        return [PriceChanged(variant_id=model.variant_id, channel_id=model.channel_id)]


PROMOTION_VIEWS: tuple[type[ShopView], ...] = (
    PromotionAdmin,
    VoucherAdmin,
    VoucherRedemptionAdmin,
    SalePriceAdmin,
)
