"""The account pages over HTTP: one-time-code sign-in (rate-limited), order history,
addresses and saved cards; the customer token lives in an HttpOnly cookie."""

from __future__ import annotations

import re
import uuid

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omnishop.customers.account_models import OutboundMessage
from omnishop.kernel import outbox
from omnishop.payments.sandbox import psp
from tests.e2e.storefront_forms import with_csrf
from tests.e2e.test_admin import MakeStaff, make_staff
from tests.e2e.test_admin import sign_in as admin_sign_in
from tests.e2e.test_cart_api import shop
from tests.e2e.test_storefront_buying import to_payment, where
from tests.payments_fixtures import CHALLENGE_CARD, SUCCESS_CARD, psp_store

__all__ = ["make_staff", "psp_store"]


@pytest.fixture
def client(client: httpx.AsyncClient) -> httpx.AsyncClient:
    """Form posts carry the page's CSRF token, as a browser's do."""
    return with_csrf(client)


async def code_sent_to(sessions: async_sessionmaker[AsyncSession], to: str) -> str:
    await outbox.drain(sessions)
    async with sessions() as session:
        bodies = list(
            await session.scalars(
                select(OutboundMessage.body)
                .where(OutboundMessage.destination == to)
                .order_by(OutboundMessage.created_at.desc())
            )
        )
    found = re.search(r"\b(\d{6})\b", bodies[0])
    assert found is not None
    return found.group(1)


async def sign_in(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession], to: str
) -> httpx.Response:
    asked = await client.post("/account/sign-in", data={"destination": to})
    assert where(asked).startswith("/account/verify?to=")
    code = await code_sent_to(sessions, to.lower())
    return await client.post("/account/verify", data={"to": to.lower(), "code": code})


async def test_a_buyer_signs_in_with_a_code_and_sees_their_orders(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    s = await shop(sessions)
    before = await client.get("/account")
    signed = await sign_in(client, sessions, "Anna@Example.com")
    await to_payment(client, s)
    await client.post("/checkout/pay", data={"method": "cod"})
    page = await client.get("/account")
    out = await client.post("/account/sign-out")
    after = await client.get("/account")

    assert where(before) == "/account/sign-in"
    assert where(signed) == "/account"
    cookie = signed.headers["set-cookie"]
    assert "customer=cst_" in cookie and "HttpOnly" in cookie
    assert "anna@example.com" in page.text and "История заказов" in page.text
    assert "Заказ" in page.text and "/order/" in page.text  # the order placed while signed in
    assert where(out) == "/" and where(after) == "/account/sign-in"


async def test_a_wrong_code_is_refused_and_codes_are_rate_limited(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await shop(sessions)
    await client.post("/account/sign-in", data={"destination": "+7 900 555-00-11"})
    code = await code_sent_to(sessions, "+79005550011")
    wrong = "000000" if code != "000000" else "111111"
    refused = await client.post("/account/verify", data={"to": "+79005550011", "code": wrong})
    page = await client.get(where(refused))
    for _ in range(2):
        await client.post("/account/sign-in", data={"destination": "+79005550011"})
    limited = await client.post("/account/sign-in", data={"destination": "+79005550011"})
    message = await client.get(where(limited))

    assert where(refused) == "/account/verify?to=%2B79005550011&error=sign_in_code_wrong"
    assert "Код неверен или истёк." in page.text
    assert where(limited) == "/account/sign-in?error=sign_in_rate_limited"
    assert "Запрошено слишком много кодов" in message.text


async def test_addresses_and_saved_cards_are_managed_in_the_account(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await shop(sessions)
    await sign_in(client, sessions, "boris@example.com")
    home = {"recipient": "Борис", "city": "Москва", "line1": "Тверская 1", "postcode": "101000"}
    added = await client.post("/account/addresses", data=home)
    book = await client.get("/account/addresses")
    address_id = re.search(r'action="/account/addresses/([0-9a-f-]{36})"', book.text)
    assert address_id is not None
    edited = await client.post(
        f"/account/addresses/{address_id.group(1)}", data={**home, "line1": "Арбат 5"}
    )
    checkout_prefill = await client.get("/account/addresses")
    card = {"token": "pm_abcdef123456", "brand": "visa", "last4": "4242",
            "exp_month": "12", "exp_year": "2030"}  # fmt: skip
    saved = await client.post("/account/cards", data=card)
    pan = await client.post("/account/cards", data={**card, "token": "4242424242424242"})
    single_use = await client.post("/account/cards", data={**card, "token": "tok_abcdef123456"})
    cards = await client.get("/account/cards")
    deleted = await client.post(f"/account/addresses/{address_id.group(1)}/delete")
    emptied = await client.get("/account/addresses")

    assert where(added) == where(edited) == "/account/addresses"
    assert "Арбат 5" in checkout_prefill.text and "Тверская 1" not in checkout_prefill.text
    assert where(saved) == "/account/cards"
    assert where(pan) == where(single_use) == "/account/cards?error=validation_failed"
    assert "VISA •••• 4242" in cards.text and "pm_abcdef123456" not in cards.text
    assert where(deleted) == "/account/addresses" and "Арбат 5" not in emptied.text


async def test_the_back_office_shows_the_demo_outbox_with_the_code(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession], make_staff: MakeStaff
) -> None:
    await shop(sessions)
    await client.post("/account/sign-in", data={"destination": "vera@example.com"})
    code = await code_sent_to(sessions, "vera@example.com")
    await admin_sign_in(client, await make_staff("manager"))
    listed = await client.get("/admin/outbound-message/list")

    assert listed.status_code == 200
    assert "vera@example.com" in listed.text and code in listed.text


async def saved_method(client: httpx.AsyncClient, page: str, number: str = SUCCESS_CARD) -> str:
    """What the page's script does: tokenise at the PSP with ``save`` for the customer the
    page names, and get a reusable pm_... back."""
    customer = re.search(r'data-customer="(cus_[0-9a-f]+)"', page)
    assert customer is not None, "the page offers no card saving"
    _, method = await psp.tokenize_card(
        number=number, exp_month=12, exp_year=2040, cvc="123", save_for=customer.group(1)
    )
    assert method is not None
    return method.id


async def test_a_saved_card_pays_at_checkout_only_for_its_owner(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession], psp_store: str
) -> None:
    s = await shop(sessions)
    await sign_in(client, sessions, "gleb@example.com")
    account = await client.get("/account/cards")
    card = {"token": await saved_method(client, account.text), "brand": "visa",
            "last4": "4242", "exp_month": "12", "exp_year": "2040"}  # fmt: skip
    await client.post("/account/cards", data=card)
    listed = await client.get("/account/cards")
    card_id = re.search(r'action="/account/cards/([0-9a-f-]{36})/delete"', listed.text)
    assert card_id is not None
    await to_payment(client, s)
    payment = await client.get("/checkout/payment")
    stranger = await client.post("/checkout/pay", data={"method": f"saved:{uuid.uuid4()}"})
    paid = await client.post("/checkout/pay", data={"method": f"saved:{card_id.group(1)}"})
    await to_payment(client, s)
    again = await client.post("/checkout/pay", data={"method": f"saved:{card_id.group(1)}"})

    assert 'data-save="always"' in account.text
    assert f'value="saved:{card_id.group(1)}"' in payment.text and "VISA" in payment.text
    assert where(stranger) == "/checkout/payment?error=validation_failed"
    assert re.fullmatch(r"/order/[^/?]+\?placed=1", where(paid))
    # The bug this guards against: a saved single-use token paid once, then never again.
    assert re.fullmatch(r"/order/[^/?]+\?placed=1", where(again))


async def test_save_this_card_at_checkout_then_buy_again_with_it_through_3_d_secure(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession], psp_store: str
) -> None:
    s = await shop(sessions)
    await sign_in(client, sessions, "dina@example.com")
    await to_payment(client, s)
    page = await client.get("/checkout/payment")
    pm = await saved_method(client, page.text, CHALLENGE_CARD)
    card = {"method": "card", "token": pm, "brand": "visa", "last4": "3220",
            "exp_month": "12", "exp_year": "2040", "save_card": "1"}  # fmt: skip
    challenge = where(await client.post("/checkout/pay", data=card))
    back = where(await client.post(challenge, data={"outcome": "pass"}))
    first = where(await client.get(httpx.URL(back).path))
    cards = await client.get("/account/cards")
    card_id = re.search(r'action="/account/cards/([0-9a-f-]{36})/delete"', cards.text)
    assert card_id is not None
    await to_payment(client, s)
    again = await client.get("/checkout/payment")
    second_challenge = where(
        await client.post("/checkout/pay", data={"method": f"saved:{card_id.group(1)}"})
    )
    back = where(await client.post(second_challenge, data={"outcome": "pass"}))
    second = where(await client.get(httpx.URL(back).path))

    assert 'name="save_card"' in page.text
    assert re.fullmatch(r"/order/[^/?]+\?placed=1", first)
    assert "VISA •••• 3220" in cards.text and pm not in cards.text
    assert f'value="saved:{card_id.group(1)}"' in again.text
    assert second_challenge.startswith("/sandbox-psp/3ds/")
    assert re.fullmatch(r"/order/[^/?]+\?placed=1", second) and second != first


async def test_a_guest_is_not_offered_to_save_a_card(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession], psp_store: str
) -> None:
    s = await shop(sessions)
    await to_payment(client, s)
    page = await client.get("/checkout/payment")

    assert 'name="save_card"' not in page.text and "data-customer" not in page.text


async def test_sbp_goes_through_the_bank_page_and_back(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession], psp_store: str
) -> None:
    s = await shop(sessions)
    await to_payment(client, s)
    bank = where(await client.post("/checkout/pay", data={"method": "sbp"}))
    back = where(await client.post(bank, data={"outcome": "pay"}))
    order = where(await client.get(httpx.URL(back).path))

    assert bank.startswith("/sandbox-psp/sbp/")
    assert re.fullmatch(r"/order/[^/?]+\?placed=1", order)


async def test_signing_in_at_checkout_takes_the_guest_cart_into_the_account(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    s = await shop(sessions)
    await to_payment(client, s)  # as a guest
    await sign_in(client, sessions, "olga@example.com")
    paid = await client.post("/checkout/pay", data={"method": "cod"})
    history = await client.get("/account")

    assert "placed=1" in where(paid)
    order_path = where(paid).split("?")[0]
    assert order_path in history.text
