"""Back-office view of click & collect: orders waiting at a store, collected or expired.

Read-only: a pickup changes through its service (ready, hand-over against the buyer's code,
expiry), never by hand; the code's salt is never shown (staff must not see the code)."""

from __future__ import annotations

from typing import Any, ClassVar

from omnishop.admin.base import ShopView
from omnishop.admin.sales_views import SALES, ReadOnlyView
from omnishop.orders.pickup_models import Pickup


class PickupAdmin(ReadOnlyView, model=Pickup):
    category = SALES
    name_plural = "Pickups"
    icon = "fa-solid fa-store"
    column_list: ClassVar[list[Any]] = [
        Pickup.ready_at,
        Pickup.order_id,
        Pickup.location_id,
        Pickup.status,
        Pickup.attempts,
        Pickup.locked,
        Pickup.expires_at,
        Pickup.collected_at,
    ]
    column_sortable_list: ClassVar[list[Any]] = [Pickup.ready_at, Pickup.expires_at]
    column_default_sort: ClassVar[list[Any]] = [(Pickup.ready_at, True)]
    column_details_exclude_list: ClassVar[list[Any]] = [Pickup.code_salt]


PICKUP_VIEWS: list[type[ShopView]] = [PickupAdmin]
