"""Orders API: the buyer's status page (by order token), a customer's order history
(``X-Customer-Token``), and staff lists, cancellation, shipments and tracking events."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Query, Response
from pydantic import AwareDatetime, BaseModel, ConfigDict

from omnishop.api.auth import require_scope
from omnishop.api.deps import SessionDep
from omnishop.api.pagination import Cursor, Limit, Page
from omnishop.customers import tokens
from omnishop.customers.models import ApiKey
from omnishop.orders import service
from omnishop.orders.rules import OrderStatus, PaymentStatus
from omnishop.orders.schemas import (
    CancelRequest,
    OrderFilters,
    OrderInfo,
    OrderLineInfo,
    OrderSummary,
    ShipmentCreate,
    ShipmentInfo,
    TrackingEventCreate,
)

router = APIRouter(tags=["orders"])
Reader = Annotated[ApiKey, Depends(require_scope("orders:read"))]
Writer = Annotated[ApiKey, Depends(require_scope("orders:write"))]
OrderToken = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{16,64}$")]
CustomerToken = Annotated[
    str | None,
    Header(alias="X-Customer-Token", max_length=200, description="The signed-in buyer's token."),
]


class OrderStatusRead(BaseModel):
    """What the buyer's status page shows: no contact details, payment or internal ids."""

    model_config = ConfigDict(from_attributes=True)

    number: str
    status: str
    payment_status: str
    payment_method: str
    channel_code: str
    currency: str
    subtotal: int
    shipping_amount: int
    total: int
    # total = subtotal - discount + shipping + tax (unless included) + duty - points
    discount_amount: int = 0
    tax_amount: int = 0
    tax_included: bool = False
    duty_amount: int = 0
    points_amount: int = 0
    adjustments: list[dict[str, Any]] = []
    lines: list[OrderLineInfo]
    delivery: dict[str, Any]
    shipments: list[ShipmentInfo]
    placed_at: datetime
    canceled_at: datetime | None
    # Every unit came back in returns (each line's `returned` says how many did).
    fully_returned: bool = False


@router.get("/orders/{order_token}")
async def order_status(session: SessionDep, order_token: OrderToken) -> OrderStatusRead:
    """The buyer's order status and tracking, by the token given at checkout."""
    info = await service.get_by_token(session=session, token=order_token)
    return OrderStatusRead.model_validate(info)


@router.get("/customer/orders")
async def my_orders(
    session: SessionDep,
    x_customer_token: CustomerToken = None,
    cursor: Cursor = None,
    limit: Limit = 20,
) -> Page[OrderSummary]:
    """The signed-in customer's orders, newest first."""
    customer = await tokens.authenticate(session=session, token=x_customer_token)
    page = await service.customer_orders(
        session=session, customer_id=customer.id, cursor=cursor, limit=limit
    )
    return Page(data=page.data, next_cursor=page.next_cursor)


@router.get("/staff/orders")
async def list_orders(
    session: SessionDep,
    _: Reader,
    channel: Annotated[str | None, Query(pattern=r"^[a-z0-9][a-z0-9-]{0,39}$")] = None,
    status: OrderStatus | None = None,
    payment_status: PaymentStatus | None = None,
    email: Annotated[str | None, Query(min_length=1, max_length=254)] = None,
    placed_from: Annotated[AwareDatetime | None, Query()] = None,
    placed_to: Annotated[AwareDatetime | None, Query()] = None,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Page[OrderSummary]:
    """Orders newest first, filtered by channel, status, payment status, email and dates
    (`placed_from` inclusive, `placed_to` exclusive; timezone required)."""
    filters = OrderFilters(
        channel=channel,
        status=status,
        payment_status=payment_status,
        email=email,
        placed_from=placed_from,
        placed_to=placed_to,
    )
    page = await service.list_orders(session=session, filters=filters, cursor=cursor, limit=limit)
    return Page(data=page.data, next_cursor=page.next_cursor)


@router.get("/staff/orders/{order_id}")
async def get_order(session: SessionDep, _: Reader, order_id: uuid.UUID) -> OrderInfo:
    """One order with its lines, allocations, shipments, tracking and history."""
    return await service.get(session=session, order_id=order_id, with_history=True)


@router.post("/staff/orders/{order_id}/cancel")
async def cancel_order(
    session: SessionDep, key: Writer, order_id: uuid.UUID, body: CancelRequest
) -> OrderInfo:
    """Cancel an order not yet fully shipped: unshipped stock returns to sale and the payment
    is voided or refunded by the worker. 409 `invalid_order_transition` once shipped."""
    return await service.cancel(
        session=session,
        order_id=order_id,
        reason=body.reason,
        actor=f"apikey:{key.id}",
        with_history=True,
    )


@router.post("/staff/orders/{order_id}/shipments", status_code=201)
async def create_shipment(
    session: SessionDep, key: Writer, order_id: uuid.UUID, body: ShipmentCreate
) -> ShipmentInfo:
    """Ship from one location: the given lines, or everything unshipped when none are given."""
    return await service.create_shipment(
        session=session, order_id=order_id, data=body, actor=f"apikey:{key.id}"
    )


@router.post("/staff/shipments/{shipment_id}/events", status_code=201)
async def add_tracking_event(
    session: SessionDep,
    _: Writer,
    shipment_id: uuid.UUID,
    body: TrackingEventCreate,
    response: Response,
) -> ShipmentInfo:
    """Record a carrier's tracking event (201); one whose `external_id` was seen before is
    acknowledged with 200 and changes nothing. `delivered` delivers the shipment."""
    result = await service.add_tracking_event(session=session, shipment_id=shipment_id, data=body)
    if not result.created:
        response.status_code = 200
    return result.shipment
