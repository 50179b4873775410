"""Back-office views of returns: the queue of requests, their lines and the one refund each
may have. Read-only: a return moves only through its service (the staff API: approve,
reject, receive, refund), where stock, the payment provider and the events stay in step."""

from __future__ import annotations

from typing import Any, ClassVar

from omnishop.admin.base import ShopView
from omnishop.admin.sales_views import ReadOnlyView
from omnishop.orders.returns_models import ReturnLine, ReturnRefund, ReturnRequest

RETURNS = "Returns"


class ReturnAdmin(ReadOnlyView, model=ReturnRequest):
    category = RETURNS
    name_plural = "Returns"
    icon = "fa-solid fa-rotate-left"
    column_list: ClassVar[list[Any]] = [
        ReturnRequest.number,
        ReturnRequest.status,
        ReturnRequest.method,
        ReturnRequest.refund_to,
        ReturnRequest.lines_amount,
        ReturnRequest.shipping_amount,
        ReturnRequest.currency,
        ReturnRequest.created_by,
        ReturnRequest.created_at,
    ]
    column_searchable_list: ClassVar[list[Any]] = [
        ReturnRequest.number,
        ReturnRequest.label_tracking_number,
    ]
    column_sortable_list: ClassVar[list[Any]] = [ReturnRequest.created_at, ReturnRequest.status]
    column_default_sort: ClassVar[list[Any]] = [(ReturnRequest.created_at, True)]
    column_labels: ClassVar[dict[Any, str]] = {
        ReturnRequest.lines_amount: "Lines (minor units)",
        ReturnRequest.shipping_amount: "Shipping back (minor units)",
    }


class ReturnLineAdmin(ReadOnlyView, model=ReturnLine):
    category = RETURNS
    icon = "fa-solid fa-list"
    column_list: ClassVar[list[Any]] = [
        ReturnLine.return_id,
        ReturnLine.order_line_id,
        ReturnLine.quantity,
        ReturnLine.reason_code,
        ReturnLine.amount,
        ReturnLine.condition,
        ReturnLine.restock_location_id,
        ReturnLine.written_off,
        ReturnLine.exchange_variant_id,
    ]


class ReturnRefundAdmin(ReadOnlyView, model=ReturnRefund):
    category = RETURNS
    icon = "fa-solid fa-money-bill-transfer"
    column_list: ClassVar[list[Any]] = [
        ReturnRefund.created_at,
        ReturnRefund.return_id,
        ReturnRefund.kind,
        ReturnRefund.amount,
        ReturnRefund.currency,
        ReturnRefund.status,
        ReturnRefund.payment_refund_id,
        ReturnRefund.failure,
    ]
    column_default_sort: ClassVar[list[Any]] = [(ReturnRefund.created_at, True)]


RETURNS_VIEWS: list[type[ShopView]] = [ReturnAdmin, ReturnLineAdmin, ReturnRefundAdmin]
