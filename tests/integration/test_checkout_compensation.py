"""A charge never outlives a failed order: voided at once, or by the reconcile job after a
crash — and a paid cart whose process died still becomes its order."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omnishop.checkout import completion
from omnishop.checkout import holds as cart_holds
from omnishop.checkout import service as carts
from omnishop.checkout.jobs import reconcile
from omnishop.checkout.models import Cart
from omnishop.checkout.schemas import CartUpdate
from omnishop.inventory import service as inventory
from omnishop.inventory.errors import HoldReleased
from omnishop.inventory.fulfilment import release_reference
from omnishop.kernel import clock
from omnishop.kernel.db import unit_of_work
from omnishop.orders.models import Order
from omnishop.payments import gateway as gateways
from omnishop.payments import service as payments
from omnishop.payments.gateway import AuthorizeRequest, GatewayResult
from omnishop.payments.sandbox import psp
from omnishop.payments.schemas import PaymentInput
from tests.integration.test_cart_fixtures import Shop, open_shop
from tests.payments_fixtures import card_token, psp_store

__all__ = ["psp_store"]


async def ready_cart(sessions: async_sessionmaker[AsyncSession]) -> tuple[Shop, str]:
    async with unit_of_work(sessions) as session:
        s = await open_shop(session, in_warehouse=0, in_store=1)
        cart = await carts.create_cart(session=session, channel=s.channel)
        await carts.add_line(session=session, token=cart.token, variant_id=s.kettle, quantity=1)
        await carts.update_cart(
            session=session,
            token=cart.token,
            data=CartUpdate.model_validate(
                {
                    "email": "anna@example.com",
                    "delivery": {"kind": "pickup", "location_id": str(s.store)},
                }
            ),
        )
    return s, cart.token


async def sell_out(sessions: async_sessionmaker[AsyncSession], s: Shop, token: str) -> None:
    """The cart's hold lapses and another buyer takes the last unit meanwhile."""
    async with unit_of_work(sessions) as session:
        cart = await session.scalar(select(Cart).where(Cart.token == token))
        assert cart is not None
        await release_reference(session=session, reference=cart_holds.reference_of(cart.id))
        await inventory.set_on_hand(
            session=session, variant_id=s.kettle, location_id=s.store, quantity=0
        )


async def crash_after_payment(
    sessions: async_sessionmaker[AsyncSession], token: str, *, recorded: bool = True
) -> uuid.UUID:
    """Everything a completion does up to the charge, then the process dies."""
    method = PaymentInput(method="card", token=await card_token())
    async with unit_of_work(sessions) as session:
        cart = await completion._claim(session, token)
        assert isinstance(cart, Cart)
        payment_id = await completion._start_payment(session, cart, method)
    if recorded:
        await payments.authorize(sessions, payment_id=payment_id)
    else:  # died after the PSP charged, before we wrote down its answer
        async with sessions() as session:
            paid = await payments.get(session=session, payment_id=payment_id)
        await gateways.get("sandbox").authorize(
            AuthorizeRequest(
                idempotency_key=str(payment_id),
                amount=paid.amount,
                currency=paid.currency,
                method="card",
                token=method.token,
                return_url=None,
                description=paid.reference,
            )
        )
    return payment_id


async def run_reconcile(sessions: async_sessionmaker[AsyncSession]) -> int:
    clock.freeze(clock.now() + timedelta(minutes=3))
    async with unit_of_work(sessions, writes=False) as session:
        return await reconcile(session)


async def outcome(
    sessions: async_sessionmaker[AsyncSession], token: str, payment_id: uuid.UUID
) -> tuple[str, str, int, str | None]:
    async with sessions() as session:
        cart = await session.scalar(select(Cart).where(Cart.token == token))
        orders = list(await session.scalars(select(Order)))
        paid = await payments.get(session=session, payment_id=payment_id)
    charge = await psp.retrieve(str(payment_id))
    assert cart is not None
    return cart.state, paid.status, len(orders), charge.status if charge else None


class SellsOutWhileCharging:
    """A gateway that charges, while another buyer takes the stock the cart held."""

    name = "sandbox"

    def __init__(self, sessions: async_sessionmaker[AsyncSession], s: Shop, token: str) -> None:
        self.real = gateways.get("sandbox")
        self.sessions, self.s, self.token = sessions, s, token

    async def authorize(self, request: AuthorizeRequest) -> GatewayResult:
        result = await self.real.authorize(request)
        await sell_out(self.sessions, self.s, self.token)
        return result

    def __getattr__(self, name: str) -> object:
        return getattr(self.real, name)


async def test_a_charge_whose_order_cannot_be_placed_is_voided_at_once(
    sessions: async_sessionmaker[AsyncSession], psp_store: str
) -> None:
    s, token = await ready_cart(sessions)
    gateways.override("sandbox", SellsOutWhileCharging(sessions, s, token))  # type: ignore[arg-type]
    method = PaymentInput(method="card", token=await card_token())

    with pytest.raises(HoldReleased):
        await completion.complete(sessions, token=token, payment=method)

    async with sessions() as session:
        payment_id = await payments.unattached(session=session, older_than=clock.now())
    gateways.override("sandbox", None)
    async with sessions() as session:
        cart = await session.scalar(select(Cart).where(Cart.token == token))
        assert cart is not None and cart.payment_id is not None
    state, status, orders, charge = await outcome(sessions, token, cart.payment_id)
    assert payment_id == []  # nothing left open for the reconcile job
    assert (state, status, orders, charge) == ("open", "canceled", 0, "canceled")


async def test_reconcile_places_the_order_of_a_payment_recorded_before_a_crash(
    sessions: async_sessionmaker[AsyncSession], psp_store: str
) -> None:
    _, token = await ready_cart(sessions)
    payment_id = await crash_after_payment(sessions, token)

    settled = await run_reconcile(sessions)

    assert settled == 1
    assert await outcome(sessions, token, payment_id) == (
        "completed",
        "authorized",
        1,
        "authorized",
    )


async def test_reconcile_finds_a_charge_the_crash_left_unrecorded(
    sessions: async_sessionmaker[AsyncSession], psp_store: str
) -> None:
    _, token = await ready_cart(sessions)
    payment_id = await crash_after_payment(sessions, token, recorded=False)

    await run_reconcile(sessions)

    assert await outcome(sessions, token, payment_id) == (
        "completed",
        "authorized",
        1,
        "authorized",
    )


async def test_reconcile_voids_a_charge_whose_stock_is_gone(
    sessions: async_sessionmaker[AsyncSession], psp_store: str
) -> None:
    s, token = await ready_cart(sessions)
    payment_id = await crash_after_payment(sessions, token)
    await sell_out(sessions, s, token)

    await run_reconcile(sessions)
    again = await run_reconcile(sessions)

    assert again == 0
    assert await outcome(sessions, token, payment_id) == ("open", "canceled", 0, "canceled")


async def test_a_fresh_payment_is_left_to_its_request(
    sessions: async_sessionmaker[AsyncSession], psp_store: str
) -> None:
    _, token = await ready_cart(sessions)
    payment_id = await crash_after_payment(sessions, token)

    async with unit_of_work(sessions, writes=False) as session:
        settled = await reconcile(session)

    assert settled == 0
    assert await outcome(sessions, token, payment_id) == (
        "completing", "authorized", 0, "authorized"
    )  # fmt: skip
