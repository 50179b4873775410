"""Back-office views of what the shop "sent" buyers: the demo has no mail or SMS gateway, so
sign-in codes are read here (read-only)."""

from __future__ import annotations

from typing import Any, ClassVar

from omnishop.admin.base import ShopView
from omnishop.customers.account_models import OutboundMessage

CUSTOMERS = "Customers"


class OutboundMessageAdmin(ShopView, model=OutboundMessage):
    name = "Sent message"
    name_plural = "Sent messages (demo outbox)"
    category = CUSTOMERS
    icon = "fa-solid fa-envelope"
    can_create = False
    can_edit = False
    can_delete = False
    can_view_details = True
    column_list: ClassVar[list[Any]] = [
        OutboundMessage.created_at,
        OutboundMessage.kind,
        OutboundMessage.destination,
        OutboundMessage.body,
    ]
    column_searchable_list: ClassVar[list[Any]] = [OutboundMessage.destination]
    column_default_sort: ClassVar[list[Any]] = [(OutboundMessage.created_at, True)]


CUSTOMER_VIEWS: list[type[ShopView]] = [OutboundMessageAdmin]
