"""Two people, two browsers (Debian's Chromium): a shopper on a phone asks the storefront's chat
widget for a human; an operator signed in to the inbox takes the chat and sends a product card;
the shopper adds the product to the cart from the card and pays (a card without 3-D Secure).
Everything between them travels through the live server: widget POST -> conversations ->
inbox (SSE) -> operator reply -> widget (SSE)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from omnishop.demo.steps import STAFF_EMAIL, STAFF_PASSWORD
from tests.browser.conftest import PHONE, screenshot

FRICTIONLESS_CARD = "4242 4242 4242 4242"  # the sandbox approves it without 3-D Secure
# Two browsers, a live server and its in-process worker share a loaded machine: wait longer
# than expect()'s 5 s for what crosses between them.
LIVE = 20_000


@pytest.fixture
def contexts(browser: Browser, live_server: str) -> Iterator[tuple[BrowserContext, BrowserContext]]:
    shopper = browser.new_context(base_url=live_server, locale="ru-RU", **PHONE)  # type: ignore[arg-type]
    operator = browser.new_context(
        base_url=live_server, locale="en-US", viewport={"width": 1280, "height": 900}
    )
    for context in (shopper, operator):
        context.set_default_timeout(20_000)
    yield shopper, operator
    shopper.close()
    operator.close()


def _sign_in_operator(page: Page) -> None:
    page.goto("/admin/login")
    page.fill("input[name=email]", STAFF_EMAIL)
    page.fill("input[name=password]", STAFF_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/admin/?$"))


def _pay(page: Page) -> None:
    page.click("a[href='/checkout']")
    page.fill("input[name=email]", "chat-buyer@example.com")
    page.check("input[name=mode][value=shipping]")
    page.fill("input[name=recipient]", "Анна Петрова")
    page.select_option("select[name=country]", "RU")
    page.fill("input[name=city]", "Москва")
    page.fill("input[name=postcode]", "101000")
    page.fill("input[name=line1]", "ул. Тверская, 1")
    page.click("form.stack button[type=submit]")
    page.wait_for_url(re.compile(r"/checkout/delivery"))
    page.locator("input[name=choice]:not([disabled])").first.check()
    page.click("form.stack button[type=submit]")
    page.wait_for_url(re.compile(r"/checkout/payment"))
    page.fill("[data-card=number]", FRICTIONLESS_CARD)
    page.fill("[data-card=exp]", "12/30")
    page.fill("[data-card=cvc]", "123")
    page.click("form[data-tokenise] button[type=submit]")
    page.wait_for_url(re.compile(r"/order/[^/?]+\?placed=1"))


def test_a_shopper_asks_for_a_human_gets_a_card_and_buys_it(
    contexts: tuple[BrowserContext, BrowserContext],
) -> None:
    shopper_context, operator_context = contexts
    shopper = shopper_context.new_page()
    shopper.goto("/")
    shopper.click("#omnishop-chat-open")
    chat = shopper.locator("#omnishop-chat")
    expect(chat).to_be_visible()
    chat.locator("input[name=text]").fill("Позовите оператора, пожалуйста")
    chat.locator("input[name=text]").press("Enter")
    # The message comes back over the SSE stream: stored, and shown once.
    expect(chat.locator(".oc-msg.oc-mine")).to_have_count(1, timeout=LIVE)
    screenshot(shopper, "chat-1-asks-for-a-human")

    operator = operator_context.new_page()
    _sign_in_operator(operator)
    operator.goto("/admin/inbox")
    # The chat is queued (the bot handed it off) or still with the bot: either way listed.
    first = operator.locator("#queue .open-chat, #mine .open-chat, #with-bot .open-chat").first
    expect(first).to_be_visible(timeout=LIVE)
    screenshot(operator, "chat-2-inbox")
    first.click()
    operator.wait_for_url(re.compile(r"/admin/inbox/c/"))
    expect(operator.locator("#thread")).to_contain_text("Позовите оператора", timeout=LIVE)
    take = operator.locator("button[data-do=take]")
    if take.count():
        take.click()
    expect(operator.locator("#chat-status")).to_contain_text("yours", timeout=LIVE)

    operator.fill("#product-search input[name=q]", "far cry")
    operator.click("#product-search button[type=submit]")
    operator.locator("#product-results .send-card").first.click()
    expect(operator.locator("#thread .product-card")).to_have_count(1, timeout=LIVE)
    screenshot(operator, "chat-3-card-sent")
    # The operator reads the inbox in Georgian; the chat itself stays in the customer's Russian.
    operator.click("#language button[value=ka]")
    expect(operator.locator("#chat-status")).to_contain_text("თქვენია")
    expect(operator.locator("#thread .product-card")).to_contain_text("В корзину")
    screenshot(operator, "chat-3-inbox-in-georgian")

    card = chat.locator(".oc-card")
    expect(card).to_have_count(1, timeout=LIVE)  # arrived live, once
    expect(card).to_contain_text("Far Cry")
    screenshot(shopper, "chat-4-card-received")
    card.locator("button.oc-btn", has_text="В корзину").click()  # the storefront's own cart form
    shopper.wait_for_url(re.compile(r"/cart\?"))
    assert "error" not in shopper.url, shopper.url
    expect(shopper.locator(".line")).to_have_count(1)
    expect(shopper.locator(".line")).to_contain_text("Far Cry")

    _pay(shopper)
    expect(shopper.locator(".thanks")).to_be_visible(timeout=LIVE)
    screenshot(shopper, "chat-5-paid")
