"""Back-office views of the loyalty programme: tiers and earn rules are edited here; accounts
and ledger entries are read-only (points move only through ``loyalty.service``, where the
balance and the ledger stay equal: staff corrections go through the adjustments API)."""

from __future__ import annotations

from typing import Any, ClassVar

from wtforms import SelectField  # type: ignore[import-untyped]

from omnishop.admin.base import ShopView
from omnishop.admin.sales_views import ReadOnlyView
from omnishop.loyalty.models import EarnRule, LoyaltyAccount, LoyaltyEntry, LoyaltyTier

LOYALTY = "Loyalty"


class LoyaltyTierAdmin(ShopView, model=LoyaltyTier):
    category = LOYALTY
    icon = "fa-solid fa-medal"
    name = "Tier"
    column_list: ClassVar[list[Any]] = [
        LoyaltyTier.code,
        LoyaltyTier.names,
        LoyaltyTier.min_spend,
        LoyaltyTier.multiplier,
    ]
    column_sortable_list: ClassVar[list[Any]] = [LoyaltyTier.min_spend, LoyaltyTier.code]
    column_default_sort: ClassVar[list[Any]] = [(LoyaltyTier.min_spend, False)]
    form_columns: ClassVar[list[Any]] = column_list
    column_labels: ClassVar[dict[Any, str]] = {
        LoyaltyTier.names: 'Names by locale ({"ru": …, "en": …, "ka": …})',
        LoyaltyTier.min_spend: "Rolling spend to reach (programme currency, minor units)",
        LoyaltyTier.multiplier: "Earn multiplier",
    }


class EarnRuleAdmin(ShopView, model=EarnRule):
    category = LOYALTY
    icon = "fa-solid fa-coins"
    name = "Earn rule"
    column_list: ClassVar[list[Any]] = [
        EarnRule.name,
        EarnRule.kind,
        EarnRule.percent,
        EarnRule.category_ids,
        EarnRule.channel_codes,
        EarnRule.bonus_event,
        EarnRule.bonus_points,
        EarnRule.starts_at,
        EarnRule.ends_at,
        EarnRule.active,
    ]
    column_searchable_list: ClassVar[list[Any]] = [EarnRule.name]
    column_sortable_list: ClassVar[list[Any]] = [EarnRule.name, EarnRule.kind]
    form_columns: ClassVar[list[Any]] = column_list
    form_overrides: ClassVar[dict[str, Any]] = {"kind": SelectField, "bonus_event": SelectField}
    form_args: ClassVar[dict[str, dict[str, Any]]] = {
        "kind": {"choices": [("percent", "percent back"), ("bonus", "bonus on an event")]},
        "bonus_event": {
            "choices": [
                ("", "—"),
                ("first_order", "first order"),
                ("review_written", "review published"),
            ]
        },
    }
    column_labels: ClassVar[dict[Any, str]] = {
        EarnRule.percent: "Percent back",
        EarnRule.category_ids: "Category ids (empty: all)",
        EarnRule.channel_codes: "Channel codes (empty: all)",
    }


class LoyaltyAccountAdmin(ReadOnlyView, model=LoyaltyAccount):
    category = LOYALTY
    icon = "fa-solid fa-wallet"
    name = "Account"
    column_list: ClassVar[list[Any]] = [
        LoyaltyAccount.customer_id,
        LoyaltyAccount.balance,
        LoyaltyAccount.tier_code,
        LoyaltyAccount.updated_at,
    ]
    column_sortable_list: ClassVar[list[Any]] = [LoyaltyAccount.balance, LoyaltyAccount.updated_at]
    column_default_sort: ClassVar[list[Any]] = [(LoyaltyAccount.updated_at, True)]


class LoyaltyEntryAdmin(ReadOnlyView, model=LoyaltyEntry):
    category = LOYALTY
    icon = "fa-solid fa-list"
    name = "Ledger entry"
    name_plural = "Ledger"
    column_list: ClassVar[list[Any]] = [
        LoyaltyEntry.created_at,
        LoyaltyEntry.account_id,
        LoyaltyEntry.kind,
        LoyaltyEntry.points,
        LoyaltyEntry.reference,
        LoyaltyEntry.channel_id,
        LoyaltyEntry.expires_at,
        LoyaltyEntry.reason,
    ]
    column_searchable_list: ClassVar[list[Any]] = [LoyaltyEntry.reference]
    column_sortable_list: ClassVar[list[Any]] = [LoyaltyEntry.created_at, LoyaltyEntry.kind]
    column_default_sort: ClassVar[list[Any]] = [(LoyaltyEntry.created_at, True)]


LOYALTY_VIEWS: tuple[type[ShopView], ...] = (
    LoyaltyTierAdmin,
    EarnRuleAdmin,
    LoyaltyAccountAdmin,
    LoyaltyEntryAdmin,
)
