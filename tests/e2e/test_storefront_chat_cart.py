"""A chat's pay link in the storefront (``/checkout?cart=<token>&utm_source=<channel>``, sent
by the bot or an operator): the browser adopts that cart, the token leaves the URL at once,
the checkout bills the cart's channel prices and the order keeps the chat's channel. A link
that cannot be taken changes nothing and the cart page says why."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omnishop.catalog import service as catalog
from omnishop.catalog.schemas import PublicationIn
from omnishop.channels import service as channels
from omnishop.channels.schemas import ChannelCreate
from omnishop.checkout import service as checkout
from omnishop.checkout.models import Cart, CartState
from omnishop.customers import identities
from omnishop.customers.models import Customer
from omnishop.customers.visit_models import Visit
from omnishop.kernel.db import unit_of_work
from omnishop.orders.models import Order
from omnishop.pricing import service as pricing
from tests.e2e.storefront_forms import with_csrf
from tests.e2e.test_cart_api import shop
from tests.e2e.test_storefront_account import sign_in
from tests.e2e.test_storefront_buying import ADDRESS, add, where
from tests.integration.test_cart_fixtures import Shop

Sessions = async_sessionmaker[AsyncSession]
TG_PRICE = 240000  # the kettle in the telegram channel (2 500 ₽ on the web)


@pytest.fixture
def client(client: httpx.AsyncClient) -> httpx.AsyncClient:
    return with_csrf(client)


@dataclass
class Chat:
    shop: Shop
    token: str  # the chat's cart
    owner: uuid.UUID  # the Telegram customer the bot made the cart for


async def chat_cart(sessions: Sessions, *, owner: bool = True, lines: int = 1) -> Chat:
    """The web shop, a ``telegram`` channel selling the same kettle at its own price, and a
    cart the bot filled there for a Telegram customer (or a guest's, ``owner=False``)."""
    s = await shop(sessions)
    async with unit_of_work(sessions) as session:
        telegram = await channels.create(
            session=session,
            data=ChannelCreate(
                code="telegram", name="Telegram", kind="telegram", currency="RUB",
                default_locale="ru", country="RU",
            ),
        )  # fmt: skip
        bundle = await catalog.get_bundle(session=session, id_or_slug="web-kettle")
        await catalog.publish(
            session=session, product_id=bundle.id, channel_id=telegram.id, data=PublicationIn()
        )
        await pricing.set_price(
            session=session, variant_id=s.kettle, channel_id=telegram.id, amount=TG_PRICE
        )
        person = await identities.sign_in(
            session=session, kind="telegram", external_id="555000222", source_channel="telegram"
        )
        cart = await checkout.create_cart(
            session=session,
            channel=telegram,
            customer_id=person.customer_id if owner else None,
            locale="ru",
        )
        if lines:
            await checkout.add_line(
                session=session, token=cart.token, variant_id=s.kettle, quantity=lines
            )
    return Chat(s, cart.token, person.customer_id)


def link(token: str, page: str = "/checkout") -> str:
    return f"{page}?cart={token}&utm_source=telegram&utm_medium=chat"


async def cart_row(sessions: Sessions, token: str) -> Cart:
    async with sessions() as session:
        found = await session.scalar(select(Cart).where(Cart.token == token))
    assert found is not None
    return found


async def test_the_pay_link_adopts_the_chat_cart_and_checks_out_at_its_channel_prices(
    client: httpx.AsyncClient, sessions: Sessions
) -> None:
    chat = await chat_cart(sessions)
    assert where(await add(client, chat.shop)) == "/cart?added=1"  # the browser's own web cart
    own_cookie = client.cookies.get("cart")

    opened = await client.get(link(chat.token))
    landed = await client.get(where(opened))
    await client.post("/checkout", data=ADDRESS)
    delivery = await client.get("/checkout/delivery?mode=shipping")
    chosen = await client.post("/checkout/delivery", data={"choice": "shipping:courier"})
    payment = await client.get("/checkout/payment")
    paid = await client.post("/checkout/pay", data={"method": "cod"})
    order_page = await client.get(where(paid))

    # The token leaves the address at once (no Referer or history holds it), and so do the
    # UTM tags (recorded once, below); the page opens in the chat's language.
    assert where(opened) == "/checkout?lang=ru"
    assert chat.token not in where(opened) and "utm_" not in where(opened)
    assert client.cookies.get("cart") != own_cookie
    assert landed.status_code == 200 and 'name="email"' in landed.text  # the contact step
    assert 'value="shipping:courier"' in delivery.text
    assert where(chosen) == "/checkout/payment"
    # The chat's price (2 400 ₽, not the web's 2 500 ₽) and the courier's 390 ₽.
    assert "2\xa0400,00" in payment.text and "2\xa0790,00" in payment.text
    assert "2\xa0500,00" not in payment.text
    assert order_page.status_code == 200
    async with sessions() as session:
        order = await session.scalar(select(Order))
        telegram = await channels.get_by_code(session=session, code="telegram")
        visits = list(await session.scalars(select(Visit)))
        web_carts = list(
            await session.scalars(select(Cart).where(Cart.channel_id == chat.shop.channel.id))
        )
    assert order is not None and order.channel_id == telegram.id  # the sale is the chat's
    assert (order.total, order.shipping_amount, order.currency) == (279000, 39000, "RUB")
    assert order.customer_id == chat.owner
    assert [(v.path, v.utm_source, v.utm_medium, v.channel_code) for v in visits] == [
        ("/checkout", "telegram", "chat", "telegram")
    ]
    # The browser's own cart is left alone, not merged.
    assert [(c.state, c.order_id) for c in web_carts] == [(CartState.OPEN, None)]


async def test_the_cart_page_takes_a_pay_link_too(
    client: httpx.AsyncClient, sessions: Sessions
) -> None:
    chat = await chat_cart(sessions, lines=2)
    client.cookies.set("lang", "en")
    opened = await client.get(f"/cart?cart={chat.token}&keep=1")
    page = await client.get(where(opened))

    assert where(opened) == "/cart?keep=1"  # the browser's language stays; other params too
    assert "Чайник" in page.text or "web-kettle" in page.text
    assert client.cookies.get("cart_n") == "2"


@pytest.mark.parametrize(
    ("spoil", "error"),
    [
        ("unknown", "cart_not_found"),
        ("ordered", "cart_not_open"),
        ("abandoned", "cart_not_found"),
        ("empty", "cart_empty"),
    ],
)
async def test_a_link_that_cannot_be_taken_changes_nothing(
    client: httpx.AsyncClient, sessions: Sessions, spoil: str, error: str
) -> None:
    chat = await chat_cart(sessions, lines=0 if spoil == "empty" else 1)
    token = "no-such-cart-token" if spoil == "unknown" else chat.token
    async with unit_of_work(sessions) as session:
        if spoil == "ordered":
            await session.execute(
                update(Cart).where(Cart.token == token).values(state=CartState.COMPLETED)
            )
        if spoil == "abandoned":
            await checkout.abandon(session=session, token=token)
    assert where(await add(client, chat.shop)) == "/cart?added=1"
    own_cookie = client.cookies.get("cart")

    opened = await client.get(link(token))
    page = await client.get(where(opened))

    assert where(opened) == f"/cart?error={error}"
    assert client.cookies.get("cart") == own_cookie  # still the browser's own cart
    assert page.status_code == 200 and "alert" in page.text
    if spoil != "unknown":
        row = await cart_row(sessions, token)
        assert row.customer_id == chat.owner


async def test_another_customers_cart_is_refused(
    client: httpx.AsyncClient, sessions: Sessions
) -> None:
    chat = await chat_cart(sessions)  # the Telegram customer's cart
    await sign_in(client, sessions, "olga@example.com")  # someone else, signed in

    opened = await client.get(link(chat.token))
    page = await client.get(where(opened))

    assert where(opened) == "/cart?error=cart_not_yours"
    assert client.cookies.get("cart") is None
    assert page.status_code == 200 and "alert" in page.text
    assert (await cart_row(sessions, chat.token)).customer_id == chat.owner


async def test_a_signed_in_buyer_takes_a_guest_chat_cart_into_the_account(
    client: httpx.AsyncClient, sessions: Sessions
) -> None:
    chat = await chat_cart(sessions, owner=False)  # a guest chat (e.g. the web chat widget)
    await sign_in(client, sessions, "olga@example.com")
    async with sessions() as session:
        olga = await session.scalar(select(Customer.id).where(Customer.email == "olga@example.com"))

    opened = await client.get(link(chat.token))
    again = await client.get(link(chat.token))  # the same link twice: still theirs, no error

    assert where(opened) == "/checkout?lang=ru" and where(again) == "/checkout?lang=ru"
    assert (await cart_row(sessions, chat.token)).customer_id == olga
