"""A chat's pay link on a phone, in Debian's Chromium: a cart filled in the ``telegram``
channel (through the public cart API, the checkout service the bot uses), its link opened,
the token gone from the address bar, the three checkout steps, a card, the confirmation, and
an order that keeps the chat's channel."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import httpx
from playwright.sync_api import Page, expect

from tests.browser.conftest import screenshot

CARD = "4242 4242 4242 4242"


def telegram_cart(base: str, query: str) -> str:
    """A cart in the ``telegram`` channel holding the first product found for ``query``."""
    with httpx.Client(base_url=base, timeout=10) as api:
        found = api.get("/api/v1/products", params={"q": query, "channel": "telegram"})
        assert found.status_code == 200, found.text
        slug = found.json()["data"][0]["slug"]
        product = api.get(f"/api/v1/products/{slug}", params={"channel": "telegram"}).json()
        made = api.post("/api/v1/carts", json={"channel": "telegram", "locale": "ru"})
        assert made.status_code == 201, made.text
        token = str(made.json()["token"])
        variant = product["variants"][0]["id"]
        added = api.post(f"/api/v1/carts/{token}/lines", json={"variant_id": variant})
        assert added.status_code == 201, added.text
    return token


def order_channel(shop_db: Path, order_path: str) -> tuple[str, str]:
    """The placed order's channel code and currency, read from the live shop's database."""
    token = order_path.rsplit("/", 1)[1]
    with sqlite3.connect(f"file:{shop_db}?mode=ro", uri=True) as db:
        row = db.execute(
            "SELECT channels.code, orders.currency FROM orders"
            " JOIN channels ON channels.id = orders.channel_id WHERE orders.token = ?",
            (token,),
        ).fetchone()
    assert row is not None, f"no order with token {token}"
    return str(row[0]), str(row[1])


def test_a_telegram_pay_link_checks_out_in_the_storefront(
    phone: Page, live_server: str, shop_db: Path
) -> None:
    token = telegram_cart(live_server, "uncharted")
    phone.goto(f"/checkout?cart={token}&utm_source=telegram")

    phone.wait_for_url(re.compile(r"/checkout\?lang=ru$"))
    assert token not in phone.url and "utm_" not in phone.url
    phone.fill("input[name=email]", "chat-buyer@example.com")
    phone.check("input[name=mode][value=shipping]")
    phone.fill("input[name=recipient]", "Оля Смирнова")
    phone.select_option("select[name=country]", "RU")
    phone.fill("input[name=city]", "Москва")
    phone.fill("input[name=postcode]", "101000")
    phone.fill("input[name=line1]", "ул. Арбат, 10")
    screenshot(phone, "chat-1-contact")
    phone.click("form.stack button[type=submit]")

    phone.wait_for_url(re.compile(r"/checkout/delivery"))
    phone.locator("input[name=choice][value='shipping:moscow-courier']").check()
    phone.click("form.stack button[type=submit]")

    phone.wait_for_url(re.compile(r"/checkout/payment"))
    expect(phone.locator(".summary")).to_contain_text("Uncharted 4")
    phone.fill("[data-card=number]", CARD)
    phone.fill("[data-card=exp]", "12/30")
    phone.fill("[data-card=cvc]", "123")
    screenshot(phone, "chat-2-payment")
    phone.click("form[data-tokenise] button[type=submit]")

    phone.wait_for_url(re.compile(r"/order/[^/?]+\?placed=1"))
    expect(phone.locator(".thanks")).to_be_visible()
    screenshot(phone, "chat-3-confirmation")
    order_path = phone.url.split("?")[0].removeprefix(live_server)
    assert order_channel(shop_db, order_path) == ("telegram", "RUB")
    phone.goto("/cart")  # the paid chat cart is gone from the cookie
    expect(phone.locator(".line")).to_have_count(0)
