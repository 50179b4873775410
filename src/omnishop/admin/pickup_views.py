"""Back-office of click & collect: pickup orders (with a "ready for pickup" action) and the
pickups themselves (waiting at a store, collected or expired).

Read-only tables: a pickup changes only through ``orders.pickup`` (ready: a code and the
buyer's notification; hand-over against that code; expiry), never by hand. Staff never see
a pickup's code (nor its salt): the buyer proves the order is theirs by telling it."""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from sqladmin import action
from sqladmin.flash import flash
from sqlalchemy import Select, func, select
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from omnishop.admin.base import ShopView
from omnishop.admin.sales_views import SALES, ReadOnlyView
from omnishop.kernel.db import unit_of_work
from omnishop.kernel.errors import DomainError
from omnishop.orders import pickup
from omnishop.orders.models import Order
from omnishop.orders.pickup_models import Pickup

PICKUP_KIND = Order.delivery["kind"].as_string() == "pickup"


def _ids(request: Request) -> list[uuid.UUID]:
    found = []
    for part in request.query_params.get("pks", "").split(","):
        try:
            found.append(uuid.UUID(part.strip()))
        except ValueError:
            continue
    return found[:100]


async def _mark_ready(view: ShopView, request: Request, identity: str) -> Response:
    """Mark the chosen orders ready (a locked pickup gets a new code), one unit of work each."""
    done, failed = 0, []
    for order_id in _ids(request):
        try:
            async with unit_of_work(view.session_maker) as session:  # type: ignore[arg-type]
                await pickup.mark_ready(
                    session=session,
                    order_id=order_id,
                    actor=f"staff:{request.session.get('staff_id', 'unknown')}",
                )
            done += 1
        except DomainError as exc:
            failed.append(exc.detail)
    if done:
        flash(request, f"{done} order(s) ready for pickup: the buyers are told.", "success")
    if failed:
        flash(request, "; ".join(sorted(set(failed))), "warning")
    return RedirectResponse(str(request.url_for("admin:list", identity=identity)), 302)


class PickupOrderAdmin(ReadOnlyView, model=Order):
    """Orders to be collected at a store, newest first."""

    category = SALES
    name = "Pickup order"
    name_plural = "Pickup orders"
    icon = "fa-solid fa-store"
    column_list: ClassVar[list[Any]] = [
        Order.number,
        Order.status,
        Order.payment_status,
        Order.payment_method,
        Order.total,
        Order.email,
        Order.phone,
        Order.placed_at,
    ]
    column_searchable_list: ClassVar[list[Any]] = [Order.number, Order.email, Order.phone]
    column_default_sort: ClassVar[list[Any]] = [(Order.placed_at, True)]
    column_details_exclude_list: ClassVar[list[Any]] = [Order.token]

    def list_query(self, request: Request) -> Select[Any]:
        return select(Order).where(PICKUP_KIND)

    def count_query(self, request: Request) -> Select[Any]:
        return select(func.count(Order.id)).where(PICKUP_KIND)

    @action(name="ready", label="Ready for pickup", add_in_list=True, add_in_detail=True)
    async def ready(self, request: Request) -> Response:
        return await _mark_ready(self, request, self.identity)


# SQLAdmin names a view after its model; the orders view already is "order".
PickupOrderAdmin.identity = "pickup-order"


class PickupAdmin(ReadOnlyView, model=Pickup):
    category = SALES
    name_plural = "Pickups"
    icon = "fa-solid fa-qrcode"
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

    @action(name="new-code", label="Issue a new code (locked)", add_in_detail=True)
    async def new_code(self, request: Request) -> Response:
        return await _mark_ready(self, request, "pickup")


PICKUP_VIEWS: list[type[ShopView]] = [PickupOrderAdmin, PickupAdmin]
