"""Back-office views of what was sold: orders, payments, shipments and webhook deliveries.

Read-only: orders and payments change state only through their services (cancel, ship,
refund in the staff API), where the stock ledger, the payment provider and the events stay
in step. A hand edit here would skip all three.
"""

from __future__ import annotations

from typing import Any, ClassVar

from omnishop.admin.base import ShopView
from omnishop.orders.models import Order, Shipment
from omnishop.payments.models import Payment
from omnishop.webhooks.models import WebhookDelivery, WebhookEndpoint

SALES = "Orders & payments"


class ReadOnlyView(ShopView):
    can_create = False
    can_edit = False
    can_delete = False
    can_view_details = True


class OrderAdmin(ReadOnlyView, model=Order):
    category = SALES
    icon = "fa-solid fa-receipt"
    column_list: ClassVar[list[Any]] = [
        Order.number,
        Order.status,
        Order.payment_status,
        Order.payment_method,
        Order.total,
        Order.currency,
        Order.email,
        Order.placed_at,
    ]
    column_searchable_list: ClassVar[list[Any]] = [Order.number, Order.email, Order.phone]
    column_sortable_list: ClassVar[list[Any]] = [Order.placed_at, Order.total, Order.status]
    column_default_sort: ClassVar[list[Any]] = [(Order.placed_at, True)]
    # The token opens the buyer's status page: not for every staff screen.
    column_details_exclude_list: ClassVar[list[Any]] = [Order.token]
    column_labels: ClassVar[dict[Any, str]] = {Order.total: "Total (minor units)"}


class PaymentAdmin(ReadOnlyView, model=Payment):
    category = SALES
    icon = "fa-solid fa-credit-card"
    column_list: ClassVar[list[Any]] = [
        Payment.created_at,
        Payment.status,
        Payment.method,
        Payment.amount,
        Payment.captured_amount,
        Payment.refunded_amount,
        Payment.currency,
        Payment.failure_code,
        Payment.order_id,
    ]
    column_searchable_list: ClassVar[list[Any]] = [Payment.provider_ref, Payment.reference]
    column_sortable_list: ClassVar[list[Any]] = [Payment.created_at, Payment.status]
    column_default_sort: ClassVar[list[Any]] = [(Payment.created_at, True)]
    column_details_exclude_list: ClassVar[list[Any]] = [Payment.token]


class ShipmentAdmin(ReadOnlyView, model=Shipment):
    category = SALES
    icon = "fa-solid fa-truck"
    column_list: ClassVar[list[Any]] = [
        Shipment.shipped_at,
        Shipment.order_id,
        Shipment.kind,
        Shipment.carrier,
        Shipment.tracking_number,
        Shipment.status,
        Shipment.delivered_at,
    ]
    column_searchable_list: ClassVar[list[Any]] = [Shipment.tracking_number]
    column_default_sort: ClassVar[list[Any]] = [(Shipment.shipped_at, True)]


class WebhookEndpointAdmin(ReadOnlyView, model=WebhookEndpoint):
    category = SALES
    icon = "fa-solid fa-satellite-dish"
    column_list: ClassVar[list[Any]] = [
        WebhookEndpoint.url,
        WebhookEndpoint.topics,
        WebhookEndpoint.active,
        WebhookEndpoint.failing_since,
        WebhookEndpoint.disabled_reason,
    ]
    # Signing secrets are shown once, through the API, and never again.
    column_details_exclude_list: ClassVar[list[Any]] = [
        WebhookEndpoint.secret,
        WebhookEndpoint.previous_secret,
    ]


class WebhookDeliveryAdmin(ReadOnlyView, model=WebhookDelivery):
    category = SALES
    icon = "fa-solid fa-paper-plane"
    column_list: ClassVar[list[Any]] = [
        WebhookDelivery.created_at,
        WebhookDelivery.topic,
        WebhookDelivery.status,
        WebhookDelivery.attempts,
        WebhookDelivery.last_status_code,
        WebhookDelivery.next_attempt_at,
    ]
    column_sortable_list: ClassVar[list[Any]] = [WebhookDelivery.created_at]
    column_default_sort: ClassVar[list[Any]] = [(WebhookDelivery.created_at, True)]


SALES_VIEWS: list[type[ShopView]] = [
    OrderAdmin,
    PaymentAdmin,
    ShipmentAdmin,
    WebhookEndpointAdmin,
    WebhookDeliveryAdmin,
]
