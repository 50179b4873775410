"""Returns API: a buyer asks with the order's status token (storefront, chat; a signed-in
buyer may add ``X-Customer-Token``), staff open returns from any channel (a store counter,
the phone) and move them: approve, reject, receive, refund."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from omnishop.api.deps import SessionDep
from omnishop.api.orders_routes import CustomerToken, OrderToken, Reader, Writer
from omnishop.customers import tokens
from omnishop.kernel.db import step_outside
from omnishop.kernel.errors import ValidationFailed
from omnishop.orders import returns, returns_settle
from omnishop.orders.return_rules import ReturnStatus
from omnishop.orders.returns_schemas import (
    ReceiveRequest,
    RefundRequest,
    RejectRequest,
    ReturnCreate,
    ReturnInfo,
    StaffReturnCreate,
)

router = APIRouter(tags=["returns"])


@router.post("/orders/{order_token}/returns", status_code=201)
async def request_return(
    session: SessionDep,
    order_token: OrderToken,
    body: ReturnCreate,
    x_customer_token: CustomerToken = None,
) -> ReturnInfo:
    """Ask to return delivered units (`channel`: where the buyer asks, e.g. `telegram`).
    422 names the line: unknown, not returnable, too many units, or the window closed."""
    customer_id = None
    if x_customer_token is not None:
        customer_id = (await tokens.authenticate(session=session, token=x_customer_token)).id
    return await returns.request_by_token(
        session=session, token=order_token, data=body, customer_id=customer_id
    )


@router.get("/orders/{order_token}/returns")
async def order_returns(session: SessionDep, order_token: OrderToken) -> list[ReturnInfo]:
    """The returns of the order behind the buyer's status token, oldest first."""
    return await returns.for_token(session=session, token=order_token)


@router.get("/customer/returns")
async def my_returns(
    session: SessionDep,
    x_customer_token: CustomerToken = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[ReturnInfo]:
    """The signed-in customer's returns over every order and channel, newest first."""
    customer = await tokens.authenticate(session=session, token=x_customer_token)
    return await returns.for_customer(session=session, customer_id=customer.id, limit=limit)


@router.post("/exchanges", status_code=201)
async def staff_request_exchange(
    session: SessionDep, key: Writer, body: StaffReturnCreate
) -> ReturnInfo:
    """Open an exchange: a return whose every line names its `exchange_variant_id` (held at
    once); settle it with `/returns/{id}/refund` (with a `payment_token` when it costs more)."""
    for index, line in enumerate(body.lines):
        if line.exchange_variant_id is None:
            raise ValidationFailed(
                "an exchange names the variant given instead",
                field=f"lines[{index}].exchange_variant_id",
            )
    return await staff_request_return(session, key, body)


@router.post("/returns", status_code=201)
async def staff_request_return(
    session: SessionDep, key: Writer, body: StaffReturnCreate
) -> ReturnInfo:
    """Open a return for any order (by `order_id` or `order_number`) from any `channel`,
    e.g. `store` at a store counter."""
    order_id = await returns.find_order(
        session=session, order_id=body.order_id, number=body.order_number
    )
    data = ReturnCreate.model_validate(
        body.model_dump(exclude={"order_id", "order_number"}, exclude_none=True)
    )
    return await returns.request(
        session=session, order_id=order_id, data=data, created_by=f"apikey:{key.id}"
    )


@router.get("/returns")
async def list_returns(
    session: SessionDep,
    _: Reader,
    status: ReturnStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[ReturnInfo]:
    """Returns newest first, by status (e.g. `requested`: the queue to decide)."""
    return await returns.list_returns(session=session, status=status, limit=limit)


@router.get("/returns/{return_id}")
async def get_return(session: SessionDep, _: Reader, return_id: uuid.UUID) -> ReturnInfo:
    return await returns.get(session=session, return_id=return_id)


@router.post("/returns/{return_id}/approve")
async def approve_return(session: SessionDep, key: Writer, return_id: uuid.UUID) -> ReturnInfo:
    return await returns.approve(session=session, return_id=return_id, actor=f"apikey:{key.id}")


@router.post("/returns/{return_id}/reject")
async def reject_return(
    session: SessionDep, key: Writer, return_id: uuid.UUID, body: RejectRequest
) -> ReturnInfo:
    return await returns.reject(
        session=session, return_id=return_id, reason=body.reason, actor=f"apikey:{key.id}"
    )


@router.post("/returns/{return_id}/receive")
async def receive_return(
    session: SessionDep,
    key: Writer,
    return_id: uuid.UUID,
    body: ReceiveRequest | None = None,
) -> ReturnInfo:
    """Inspect what arrived: resellable units go back on hand (the drop-off store unless a
    `location_id` is given), damaged ones are written off."""
    return await returns.receive(
        session=session,
        return_id=return_id,
        data=body or ReceiveRequest(),
        actor=f"apikey:{key.id}",
    )


@router.post("/returns/{return_id}/refund")
async def refund_return(
    session: SessionDep,
    key: Writer,
    return_id: uuid.UUID,
    body: RefundRequest | None = None,
) -> ReturnInfo:
    """Give the money back once (a retry never refunds twice): to the card through the
    payment provider, in cash for an offline payment, or as store credit. An exchange for
    something dearer charges `payment_token` the difference."""
    # The PSP call runs its own units of work: ours must not hold the (SQLite) write lock.
    factory = await step_outside(session)
    await returns_settle.refund(
        factory,
        return_id=return_id,
        actor=f"apikey:{key.id}",
        payment_token=body.payment_token if body else None,
    )
    return await returns.get(session=session, return_id=return_id)


@router.post("/returns/{return_id}/close")
async def close_return(session: SessionDep, key: Writer, return_id: uuid.UUID) -> ReturnInfo:
    return await returns.close(session=session, return_id=return_id, actor=f"apikey:{key.id}")
