"""The storefront's buying pages over HTTP, as a browser without JavaScript uses them: forms,
303 redirects, a signed cart cookie. Bad input gets a friendly page, never a 500."""

from __future__ import annotations

import re
import uuid

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omnishop.checkout.models import Cart
from omnishop.orders.models import Order
from tests.e2e.storefront_forms import with_csrf
from tests.e2e.test_cart_api import shop
from tests.integration.test_cart_fixtures import Shop
from tests.payments_fixtures import CHALLENGE_CARD, DECLINED_CARD, card_token, psp_store

__all__ = ["psp_store"]
ADDRESS = {
    "email": "anna@example.com",
    "mode": "shipping",
    "recipient": "Анна",
    "country": "RU",
    "city": "Москва",
    "postcode": "101000",
    "line1": "Тверская 1",
}


@pytest.fixture
def client(client: httpx.AsyncClient) -> httpx.AsyncClient:
    """Form posts carry the page's CSRF token, as a browser's do."""
    return with_csrf(client)


def where(response: httpx.Response) -> str:
    assert response.status_code == 303, (response.status_code, response.text[:300])
    return response.headers["location"]


async def add(client: httpx.AsyncClient, s: Shop, quantity: str = "1") -> httpx.Response:
    return await client.post(
        "/cart/add",
        data={"variant_id": str(s.kettle), "quantity": quantity, "back": "/p/web-kettle"},
    )


async def to_payment(client: httpx.AsyncClient, s: Shop, *, pickup: bool = False) -> None:
    assert where(await add(client, s)) == "/cart?added=1"
    if pickup:
        contact = {"phone": "+7 900 123-45-67", "mode": "pickup"}
        assert where(await client.post("/checkout", data=contact)).startswith("/checkout/delivery")
        choice = f"pickup:{s.store}"
    else:
        assert where(await client.post("/checkout", data=ADDRESS)).startswith("/checkout/delivery")
        choice = "shipping:courier"
    chosen = await client.post("/checkout/delivery", data={"choice": choice})
    assert where(chosen) == "/checkout/payment"


async def count(sessions: async_sessionmaker[AsyncSession], model: type[object]) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_a_buyer_without_javascript_checks_out_with_cash_on_delivery(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    s = await shop(sessions)
    await to_payment(client, s)
    cart = await client.get("/cart")
    delivery = await client.get("/checkout/delivery")
    payment = await client.get("/checkout/payment")

    paid = await client.post("/checkout/pay", data={"method": "cod"})
    order_url = where(paid)
    order = await client.get(order_url)
    empty = await client.get("/cart")

    assert "Чайник" in cart.text and "зарезервированы" in cart.text
    assert "Курьер" in delivery.text and 'value="shipping:courier"' in delivery.text
    assert "Наличными при получении" in payment.text and "pay_at_pickup" not in payment.text
    assert re.fullmatch(r"/order/[^/?]+\?placed=1", order_url)
    assert order.status_code == 200 and "Спасибо! Заказ оформлен." in order.text
    assert "Тверская 1" in order.text
    assert "Корзина пуста." in empty.text  # the cookie was cleared with the order
    assert await count(sessions, Order) == 1


async def test_click_and_collect_pays_at_the_store(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    s = await shop(sessions)
    await to_payment(client, s, pickup=True)
    payment = await client.get("/checkout/payment")
    cod = await client.post("/checkout/pay", data={"method": "cod"})
    done = await client.post("/checkout/pay", data={"method": "pay_at_pickup"})
    order = await client.get(where(done))

    assert "Оплата при получении в магазине" in payment.text and 'value="cod"' not in payment.text
    assert where(cod) == "/checkout/payment?error=cart_not_ready"
    assert "Самовывоз" in order.text


async def test_three_d_secure_returns_to_the_order_page(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession], psp_store: str
) -> None:
    s = await shop(sessions)
    await to_payment(client, s)
    token = await card_token(CHALLENGE_CARD)

    asked = await client.post("/checkout/pay", data={"method": "card", "token": token})
    challenge = where(asked)
    waiting = await client.get("/checkout/payment")  # the cart is frozen meanwhile
    back = where(await client.post(challenge, data={"outcome": "pass"}))
    finished = await client.get(httpx.URL(back).path)
    order = await client.get(where(finished))

    assert challenge.startswith("/sandbox-psp/3ds/")
    assert where(waiting) == "/cart"
    assert back.endswith("/checkout/return")
    assert order.status_code == 200 and "Спасибо!" in order.text
    assert await count(sessions, Order) == 1


async def test_a_declined_card_keeps_the_cart_and_says_why(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession], psp_store: str
) -> None:
    s = await shop(sessions)
    await to_payment(client, s)
    token = await card_token(DECLINED_CARD)

    declined = await client.post("/checkout/pay", data={"method": "card", "token": token})
    page = await client.get(where(declined))

    assert where(declined) == "/checkout/payment?error=card_declined"
    assert "Карта отклонена. Попробуйте другую карту." in page.text
    assert await count(sessions, Order) == 0


async def test_out_of_stock_is_a_message_on_the_product_page(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    s = await shop(sessions, in_warehouse=1, in_store=0)
    refused = await add(client, s, quantity="5")
    page = await client.get(where(refused))

    assert where(refused) == "/p/web-kettle?error=out_of_stock"
    assert "К сожалению, столько нет в наличии." in page.text
    assert await count(sessions, Cart) == 0  # the failed add left nothing behind


async def test_the_product_page_offers_variants_and_a_delivery_estimate(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    s = await shop(sessions)
    page = await client.get("/p/web-kettle", params={"lang": "en"})

    assert f'name="variant_id" value="{s.kettle}"' in page.text
    assert 'action="/cart/add"' in page.text
    assert "Add to cart" in page.text
    assert "Russian Post" in page.text or "Почта" in page.text


async def test_an_unknown_voucher_or_points_without_sign_in_are_explained(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    s = await shop(sessions)
    await add(client, s)
    voucher = await client.post("/cart/vouchers", data={"code": "NO-SUCH-CODE"})
    page = await client.get(where(voucher))
    spend = await client.post("/cart/points", data={"points": "100"})

    assert where(voucher) == "/cart?error=voucher_not_found"
    assert "Такого промокода нет." in page.text and "Чайник" in page.text
    assert where(spend) == "/cart?error=validation_failed"


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/cart/add", {"variant_id": "not-a-uuid"}),
        ("/cart/add", {"variant_id": str(uuid.uuid4())}),
        ("/cart/add", {"variant_id": str(uuid.uuid4()), "quantity": "-1"}),
        ("/cart/add", {"variant_id": str(uuid.uuid4()), "quantity": "999999999"}),
        ("/cart/add", {"variant_id": str(uuid.uuid4()), "back": "https://evil.example/"}),
        ("/cart/lines/not-a-uuid", {"quantity": "2"}),
        (f"/cart/lines/{uuid.uuid4()}", {"quantity": "x"}),
        (f"/cart/lines/{uuid.uuid4()}/remove", {}),
        ("/checkout", {"email": "x" * 5000}),
        ("/checkout/delivery", {"choice": "pickup:nope"}),
        ("/checkout/pay", {"method": "bitcoin"}),
        ("/account/sign-in", {"destination": "not an address"}),
        ("/account/verify", {"to": "a@b.co", "code": "12"}),
        ("/account/addresses", {"city": "X"}),
        ("/account/cards", {"token": "4242424242424242"}),
        ("/cart/vouchers", {"code": "NOPE"}),
        ("/cart/vouchers/remove", {"code": ""}),
        ("/cart/points", {"points": "5"}),
    ],
)
async def test_bad_form_input_is_a_redirect_with_a_reason_never_a_500(
    client: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    path: str,
    data: dict[str, str],
) -> None:
    await shop(sessions)
    answered = await client.post(path, data=data)

    assert answered.status_code == 303, answered.text[:300]
    assert not answered.headers["location"].startswith("http")  # never off-site


async def test_bad_input_inside_a_real_checkout_changes_nothing(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    s = await shop(sessions)
    await to_payment(client, s)
    before = (await client.get("/checkout/payment")).text

    pan = await client.post("/checkout/pay", data={"method": "card", "token": "4242424242424242"})
    no_token = await client.post("/checkout/pay", data={"method": "card"})
    bad_choice = await client.post("/checkout/delivery", data={"choice": "shipping:teleport"})
    bad_line = await client.post(f"/cart/lines/{uuid.uuid4()}", data={"quantity": "2"})
    bad_contact = await client.post("/checkout", data={"email": "not-an-email"})
    after = (await client.get("/checkout/payment")).text

    assert where(pan).startswith("/checkout/payment?error=")
    assert where(no_token).startswith("/checkout/payment?error=")
    assert where(bad_choice) == "/checkout/delivery?mode=shipping&error=delivery_unavailable"
    assert where(bad_line).startswith("/cart?error=")
    assert where(bad_contact) == "/checkout?error=validation_failed"
    assert "4242424242424242" not in after
    assert after.count("Курьер") == before.count("Курьер")  # the delivery choice stayed
    assert await count(sessions, Order) == 0


@pytest.mark.parametrize(
    "path",
    [
        "/cart",
        "/checkout",
        "/checkout/delivery",
        "/checkout/payment",
        "/checkout/return",
        "/account",
        "/account/addresses",
        "/account/cards",
        "/account/sign-in",
        "/account/verify?to=%3Cscript%3Ealert(1)%3C/script%3E",
        "/order/unknown-token",
        "/order/" + "x" * 500,
    ],
)
async def test_pages_answer_without_a_cart_or_sign_in(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession], path: str
) -> None:
    await shop(sessions)
    client.cookies.set("cart", "tampered.value")
    client.cookies.set("customer", "cst_forged")
    answered = await client.get(path)

    assert answered.status_code in {200, 303, 404}, answered.text[:300]
    assert "<script>alert(1)" not in answered.text  # echoed input is escaped


async def test_the_cart_speaks_the_page_language_whatever_it_was_created_in(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    s = await shop(sessions)
    await add(client, s)  # created in Russian
    russian = await client.get("/cart")
    english = await client.get("/cart", params={"lang": "en"})

    assert re.search(r"2\s500,00", russian.text) and "Итого" in russian.text
    assert "2,500.00" in english.text and "Total" in english.text


async def test_the_header_counts_the_cart_items_from_the_cookie_without_a_query(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    s = await shop(sessions)
    before = await client.get("/")
    added = await add(client, s, quantity="2")
    home = await client.get("/")
    cart = await client.get("/cart")
    line = re.search(r'action="/cart/lines/([0-9a-f-]{36})"', cart.text)
    assert line is not None
    await client.post(f"/cart/lines/{line.group(1)}", data={"quantity": "3"})
    after_change = await client.get("/")
    await client.post(f"/cart/lines/{line.group(1)}/remove")
    emptied = await client.get("/")

    assert 'id="cart-n" hidden' in before.text
    assert added.cookies.get("cart_n") == "2"
    assert re.search(r'id="cart-n"> .*?<b>2</b>', home.text)
    assert re.search(r'id="cart-n"> .*?<b>2</b>', cart.text)
    assert re.search(r'id="cart-n"> .*?<b>3</b>', after_change.text)
    assert 'id="cart-n" hidden' in emptied.text and "cart_n" not in client.cookies


async def test_the_order_page_polls_its_status_until_the_captured_payment_is_final(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession], psp_store: str
) -> None:
    s = await shop(sessions)
    await to_payment(client, s)
    token = await card_token(CHALLENGE_CARD)
    challenge = where(await client.post("/checkout/pay", data={"method": "card", "token": token}))
    back = where(await client.post(challenge, data={"outcome": "pass"}))
    order_url = where(await client.get(httpx.URL(back).path))
    settling = await client.get(order_url)
    status_url = re.search(r'hx-get="([^"]+)"', settling.text)
    assert status_url is not None
    fragment = await client.get(status_url.group(1).replace("&amp;", "&"))

    # The worker captures: the payment is final, the next poll says so and stops polling.
    async with sessions() as session, session.begin():
        order = await session.scalar(select(Order))
        assert order is not None and order.payment_status in {"pending", "authorized"}
        order.payment_status, order.status = "paid", "paid"
    settled = await client.get(status_url.group(1).replace("&amp;", "&"))
    cod_like = await client.get(order_url.replace("placed=1", "placed=1&n=40"))

    assert 'http-equiv="refresh"' in settling.text and "/status?n=1" in status_url.group(1)
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert 'hx-trigger="every 3s"' in fragment.text and "?n=2" in fragment.text
    assert settled.status_code == 200 and "Оплачен" in settled.text
    assert "hx-get" not in settled.text and "hx-get" not in cod_like.text
    assert 'http-equiv="refresh"' not in cod_like.text


async def test_a_form_without_this_browsers_csrf_token_is_refused_with_a_friendly_page(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    s = await shop(sessions)
    product = await client.get("/p/web-kettle")
    form = {"variant_id": str(s.kettle), "quantity": "1", "back": "/p/web-kettle"}
    missing = await client.post("/cart/add", data={**form, "csrf": None})
    forged = await client.post("/cart/add", data={**form, "csrf": "x" * 43})
    referer = {"Referer": "http://testserver/p/web-kettle"}
    stranger = httpx.AsyncClient(transport=client._transport, base_url="http://testserver")
    async with stranger:
        # Another site's page: the browser has its own token, the attacker cannot read it.
        await stranger.get("/")
        cross_site = await stranger.post(
            "/checkout/pay", data={"method": "cod", "csrf": "guess"}, headers=referer
        )
    carts_before = await count(sessions, Cart)
    fine = await client.post("/cart/add", data=form)

    tokens = set(re.findall(r'name="csrf" value="([^"]+)"', product.text))
    assert len(tokens) == 1 and 'name="csrf"' in product.text
    assert "httponly" in product.headers["set-cookie"].lower()
    for refused in (missing, forged, cross_site):
        assert refused.status_code == 403
        assert "Форма устарела" in refused.text and "Открыть страницу заново" in refused.text
    assert 'href="/p/web-kettle"' in cross_site.text
    assert carts_before == 0
    assert where(fine) == "/cart?added=1" and await count(sessions, Cart) == 1


async def test_checkout_pages_stay_out_of_search_without_failing_crawlability(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    s = await shop(sessions)
    crawler = await client.get("/checkout")  # no cart: nothing to index, only a redirect
    await to_payment(client, s)
    pages = [await client.get(p) for p in ("/checkout", "/checkout/delivery", "/checkout/payment")]
    robots = await client.get("/robots.txt")
    order = await client.get(where(await client.post("/checkout/pay", data={"method": "cod"})))

    assert where(crawler) == "/cart"
    for page in pages:
        assert page.status_code == 200
        assert 'name="robots"' not in page.text and "x-robots-tag" not in page.headers
        assert '<link rel="canonical" href="http://testserver/cart">' in page.text
    assert "Disallow: /checkout" not in robots.text and "Disallow: /cart" not in robots.text
    assert '<meta name="robots" content="noindex">' in order.text
    assert 'rel="canonical"' not in order.text
