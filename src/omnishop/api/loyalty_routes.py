"""Loyalty API: the signed-in buyer's balance and history (customer token), points on a cart,
and staff reads and adjustments of a customer's points."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path, Request
from pydantic import BaseModel

from omnishop.api.auth import require_scope
from omnishop.api.deps import SessionDep
from omnishop.api.pagination import Cursor, Limit, Page
from omnishop.checkout import points as cart_points
from omnishop.checkout.schemas import CartView
from omnishop.customers import tokens
from omnishop.customers.models import ApiKey, Customer
from omnishop.kernel import i18n
from omnishop.loyalty import service
from omnishop.loyalty.schemas import AdjustmentCreate, CartPointsSet, EntryInfo, LoyaltySummary

router = APIRouter(tags=["loyalty"])
Reader = Annotated[ApiKey, Depends(require_scope("loyalty:read"))]
Writer = Annotated[ApiKey, Depends(require_scope("loyalty:write"))]
Token = Annotated[
    str,
    Path(pattern=r"^[A-Za-z0-9_-]{16,64}$", description="The cart token from POST /carts."),
]


async def signed_in(
    session: SessionDep,
    x_customer_token: Annotated[
        str | None,
        Header(alias="X-Customer-Token", max_length=200, description="The buyer's token."),
    ] = None,
    authorization: Annotated[
        str | None,
        Header(max_length=220, description="Or `Bearer cst_…` (the buyer's token)."),
    ] = None,
) -> Customer:
    """The signed-in buyer: ``X-Customer-Token: cst_…`` or ``Authorization: Bearer cst_…``."""
    token = x_customer_token
    if token is None and authorization and authorization.lower().startswith("bearer "):
        token = authorization[7:].strip()
    return await tokens.authenticate(session=session, token=token)


Buyer = Annotated[Customer, Depends(signed_in)]


def _locale(request: Request, customer: Customer | None = None) -> str:
    fallback = customer.locale if customer is not None else i18n.DEFAULT_LOCALE
    return i18n.negotiate(request.headers.get("accept-language"), default=fallback)


class AdjustmentRead(BaseModel):
    entry: EntryInfo
    balance: int


@router.get("/loyalty/me")
async def my_loyalty(session: SessionDep, request: Request, customer: Buyer) -> LoyaltySummary:
    """The buyer's balance (1 point = 1 unit of the programme currency), tier, next tier and
    points expiring soon, the same in every channel."""
    return await service.balance(
        session=session, customer_id=customer.id, locale=_locale(request, customer)
    )


@router.get("/loyalty/me/history")
async def my_history(
    session: SessionDep, customer: Buyer, cursor: Cursor = None, limit: Limit = 20
) -> Page[EntryInfo]:
    """The buyer's points movements, newest first (earned, spent, expired, adjusted...)."""
    page = await service.history(
        session=session, customer_id=customer.id, cursor=cursor, limit=limit
    )
    return Page(data=list(page.data), next_cursor=page.next_cursor)


@router.post("/carts/{token}/loyalty", tags=["cart"])
async def use_points(
    session: SessionDep, token: Token, body: CartPointsSet, customer: Buyer
) -> CartView:
    """Spend points on the buyer's own open cart; the totals show them (`points`,
    `points_amount`), capped at the programme's share of the order. 409
    `insufficient_points` above the balance, 403 `points_need_customer` for another's cart."""
    return await cart_points.use_points(
        session=session, token=token, customer_id=customer.id, points=body.points
    )


@router.delete("/carts/{token}/loyalty", tags=["cart"])
async def drop_points(session: SessionDep, token: Token, customer: Buyer) -> CartView:
    """Spend no points on the cart (idempotent)."""
    return await cart_points.drop_points(session=session, token=token, customer_id=customer.id)


@router.get("/customers/{customer_id}/loyalty")
async def customer_loyalty(
    session: SessionDep, request: Request, _: Reader, customer_id: uuid.UUID
) -> LoyaltySummary:
    """A customer's balance, tier and expiring points (staff, `loyalty:read`)."""
    return await service.balance(session=session, customer_id=customer_id, locale=_locale(request))


@router.get("/customers/{customer_id}/loyalty/history")
async def customer_history(
    session: SessionDep,
    _: Reader,
    customer_id: uuid.UUID,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Page[EntryInfo]:
    """A customer's ledger, newest first (staff, `loyalty:read`)."""
    page = await service.history(
        session=session, customer_id=customer_id, cursor=cursor, limit=limit
    )
    return Page(data=list(page.data), next_cursor=page.next_cursor)


@router.post("/customers/{customer_id}/loyalty/adjustments", status_code=201)
async def adjust(
    session: SessionDep, key: Writer, customer_id: uuid.UUID, body: AdjustmentCreate
) -> AdjustmentRead:
    """Add or take points with a reason (staff, `loyalty:write`); never below zero (409
    `insufficient_points`). Send an `Idempotency-Key` to retry safely."""
    posted = await service.adjust(
        session=session,
        customer_id=customer_id,
        points=body.points,
        reason=body.reason,
        actor=f"apikey:{key.id}",
    )
    return AdjustmentRead(entry=posted.entry, balance=posted.balance)
