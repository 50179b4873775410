"""In-store (POS) sales: the cashier rings up, takes cash or a card on the store's terminal,
and hands the goods over, through the same checkout as every other channel."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends
from fastapi.encoders import jsonable_encoder
from pydantic import BaseModel, ConfigDict, Field, model_validator

from omnishop.api.auth import require_scope
from omnishop.api.deps import SessionDep
from omnishop.checkout import pos
from omnishop.customers.models import ApiKey
from omnishop.kernel.db import step_outside
from omnishop.orders.schemas import OrderInfo

router = APIRouter(prefix="/pos", tags=["pos"])
Seller = Annotated[ApiKey, Depends(require_scope("pos:write"))]
Code = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,39}$")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SaleLineIn(Strict):
    sku: Annotated[str, Field(min_length=1, max_length=64)] | None = None
    variant_id: uuid.UUID | None = None
    quantity: Annotated[int, Field(ge=1, le=999)] = 1

    @model_validator(mode="after")
    def _one_ref(self) -> SaleLineIn:
        if (self.sku is None) == (self.variant_id is None):
            raise ValueError("give either sku or variant_id")
        return self


class SalePayment(Strict):
    method: Literal["cash", "card_present"]


class SaleCustomer(Strict):
    email: Annotated[str, Field(max_length=254)] | None = None
    phone: Annotated[str, Field(max_length=40)] | None = None

    @model_validator(mode="after")
    def _some_contact(self) -> SaleCustomer:
        if not self.email and not self.phone:
            raise ValueError("give a phone or an email (or leave customer out)")
        return self


class SaleCreate(Strict):
    location: Code  # the store's location code
    channel: Code | None = None  # default: the store channel the location serves
    lines: Annotated[list[SaleLineIn], Field(min_length=1, max_length=200)]
    payment: SalePayment
    customer: SaleCustomer | None = None


class SaleRead(BaseModel):
    order: OrderInfo
    payment: dict[str, Any]


@router.post("/sales", status_code=201)
async def create_sale(session: SessionDep, key: Seller, body: SaleCreate) -> SaleRead:
    """Sell at a store counter: a `store`-channel order, paid (captured at once) and handed
    over, its units gone from that store's stock (409 `pickup_unavailable` when the store
    lacks them). A customer phone/email links the sale to their profile (loyalty, returns).
    Send an `Idempotency-Key`: a retry answers the same sale."""
    sale = await pos.sell(
        await step_outside(session),  # the sale runs its own units of work
        location_code=body.location,
        channel_code=body.channel,
        lines=[pos.SaleLine(ln.quantity, ln.variant_id, ln.sku) for ln in body.lines],
        method=body.payment.method,
        email=body.customer.email if body.customer else None,
        phone=body.customer.phone if body.customer else None,
        actor=f"apikey:{key.id}",
    )
    return SaleRead(order=sale.order, payment=jsonable_encoder(sale.payment))
