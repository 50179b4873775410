"""Order lists: the staff list with filters and a customer's history, newest first, paged by
an opaque (placed_at, id) cursor."""

from __future__ import annotations

import uuid

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.channels import service as channels
from omnishop.kernel import keyset
from omnishop.orders import loading
from omnishop.orders.models import Order
from omnishop.orders.schemas import OrderFilters, OrderPage


async def list_orders(
    *, session: AsyncSession, filters: OrderFilters, cursor: str | None, limit: int
) -> OrderPage:
    """Staff list, newest first, keyset-paged; filters by channel, statuses, email, dates."""
    query = select(Order)
    if filters.channel is not None:
        channel = await channels.get_by_code(
            session=session, code=filters.channel, active_only=False
        )
        query = query.where(Order.channel_id == channel.id)
    if filters.status is not None:
        query = query.where(Order.status == filters.status)
    if filters.payment_status is not None:
        query = query.where(Order.payment_status == filters.payment_status)
    if filters.email is not None:
        query = query.where(func.lower(Order.email) == filters.email.strip().lower())
    if filters.placed_from is not None:
        query = query.where(Order.placed_at >= filters.placed_from)
    if filters.placed_to is not None:
        query = query.where(Order.placed_at < filters.placed_to)
    return await _page(session, query, cursor, limit)


async def customer_orders(
    *, session: AsyncSession, customer_id: uuid.UUID, cursor: str | None, limit: int
) -> OrderPage:
    """A customer's order history, newest first."""
    return await _page(
        session, select(Order).where(Order.customer_id == customer_id), cursor, limit
    )


async def _page(
    session: AsyncSession, query: Select[Order], cursor: str | None, limit: int
) -> OrderPage:
    page, next_cursor = await keyset.page(
        session, query, at=Order.placed_at, row_id=Order.id, cursor=cursor, limit=limit
    )
    return OrderPage(data=await loading.summaries(session, page), next_cursor=next_cursor)
