"""Checkout API: the public cart (its token is the capability) and staff shipping setup."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.api.auth import require_scope
from omnishop.api.deps import SessionDep
from omnishop.api.pagination import Page
from omnishop.channels import service as channels
from omnishop.checkout import service, shipping
from omnishop.checkout.schemas import (
    CartCreate,
    CartUpdate,
    CartView,
    DeliveryOptions,
    LineAdd,
    LineUpdate,
    MethodCreate,
    MethodRead,
    MethodUpdate,
    ZoneCreate,
    ZoneRead,
    ZoneUpdate,
)
from omnishop.customers import tokens
from omnishop.customers.models import ApiKey

router = APIRouter()
carts = APIRouter(prefix="/carts", tags=["cart"])
staff = APIRouter(prefix="/shipping", tags=["shipping"])

Token = Annotated[
    str,
    Path(pattern=r"^[A-Za-z0-9_-]{16,64}$", description="The cart token from POST /carts."),
]
CustomerToken = Annotated[
    str | None,
    Header(
        alias="X-Customer-Token",
        max_length=200,
        description="Links the new cart to a signed-in customer.",
    ),
]
Shipper = Annotated[ApiKey, Depends(require_scope("shipping:write"))]


async def _customer_id(session: AsyncSession, token: str | None) -> uuid.UUID | None:
    if token is None:
        return None
    customer = await tokens.authenticate(session=session, token=token)
    return customer.id


@carts.post("", status_code=201)
async def create_cart(
    session: SessionDep, body: CartCreate, customer_token: CustomerToken = None
) -> CartView:
    """A new empty cart in a channel; keep its `token`: it is the only way back to the cart."""
    channel = await channels.get_by_code(session=session, code=body.channel)
    customer_id = await _customer_id(session, customer_token)
    return await service.create_cart(
        session=session, channel=channel, customer_id=customer_id, locale=body.locale
    )


@carts.get("/{token}")
async def get_cart(session: SessionDep, token: Token) -> CartView:
    """The cart with its lines, stock holds and totals."""
    return await service.get_cart(session=session, token=token)


@carts.patch("/{token}")
async def update_cart(session: SessionDep, token: Token, body: CartUpdate) -> CartView:
    """Contact, shipping address and delivery choice; only the fields sent change."""
    return await service.update_cart(session=session, token=token, data=body)


@carts.delete("/{token}")
async def abandon_cart(session: SessionDep, token: Token) -> CartView:
    """Give the cart up: every hold is released at once (idempotent)."""
    return await service.abandon(session=session, token=token)


@carts.post("/{token}/lines", status_code=201)
async def add_line(session: SessionDep, token: Token, body: LineAdd) -> CartView:
    """Add a variant (its stock is held for the channel's hold time); 409 `out_of_stock`."""
    return await service.add_line(
        session=session, token=token, variant_id=body.variant_id, quantity=body.quantity
    )


@carts.patch("/{token}/lines/{line_id}")
async def update_line(
    session: SessionDep, token: Token, line_id: uuid.UUID, body: LineUpdate
) -> CartView:
    """Change a line's quantity (0 removes it)."""
    return await service.update_line(
        session=session, token=token, line_id=line_id, quantity=body.quantity
    )


@carts.delete("/{token}/lines/{line_id}")
async def remove_line(session: SessionDep, token: Token, line_id: uuid.UUID) -> CartView:
    """Remove a line; its stock is on sale again at once."""
    return await service.remove_line(session=session, token=token, line_id=line_id)


@carts.get("/{token}/delivery-options")
async def delivery_options(session: SessionDep, token: Token) -> DeliveryOptions:
    """Shipping methods for the cart's address and pickup locations (with missing lines)."""
    return await service.delivery_options(session=session, token=token)


@staff.get("/zones")
async def list_zones(session: SessionDep, _: Shipper) -> Page[ZoneRead]:
    """Every shipping zone (few per shop: one page)."""
    zones = await shipping.list_zones(session=session)
    return Page(data=[ZoneRead.model_validate(z) for z in zones])


@staff.post("/zones", status_code=201)
async def create_zone(session: SessionDep, _: Shipper, body: ZoneCreate) -> ZoneRead:
    """A zone: ISO countries, optionally regions and postcode prefixes or ranges."""
    return ZoneRead.model_validate(await shipping.create_zone(session=session, data=body))


@staff.patch("/zones/{zone_id}")
async def update_zone(
    session: SessionDep, _: Shipper, zone_id: uuid.UUID, body: ZoneUpdate
) -> ZoneRead:
    zone = await shipping.update_zone(session=session, zone_id=zone_id, data=body)
    return ZoneRead.model_validate(zone)


@staff.get("/methods")
async def list_methods(
    session: SessionDep, _: Shipper, zone_id: uuid.UUID | None = None
) -> Page[MethodRead]:
    """Shipping methods (of one zone with `zone_id`), in display order."""
    methods = await shipping.list_methods(session=session, zone_id=zone_id)
    return Page(data=[MethodRead.model_validate(m) for m in methods])


@staff.post("/methods", status_code=201)
async def create_method(session: SessionDep, _: Shipper, body: MethodCreate) -> MethodRead:
    """A method with a flat rate or tiers by weight (grams) or order value (minor units)."""
    return MethodRead.model_validate(await shipping.create_method(session=session, data=body))


@staff.patch("/methods/{method_id}")
async def update_method(
    session: SessionDep, _: Shipper, method_id: uuid.UUID, body: MethodUpdate
) -> MethodRead:
    method = await shipping.update_method(session=session, method_id=method_id, data=body)
    return MethodRead.model_validate(method)


router.include_router(carts)
router.include_router(staff)
