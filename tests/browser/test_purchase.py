"""The buying flow on a phone, in Debian's Chromium: search → product → cart → three checkout
steps → 3-D Secure → confirmation → tracking; and the same purchase as click & collect."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import screenshot

CHALLENGE_CARD = "4000 0000 0000 3220"  # the sandbox asks for 3-D Secure


def find_and_add(page: Page, query: str, shots: str | None = None) -> None:
    page.goto("/")
    page.fill("#q", query)
    page.press("#q", "Enter")
    page.wait_for_url(re.compile(r"/search\?"))
    page.locator(".grid .card a").first.click()
    expect(page.locator("form.buy button[type=submit]")).to_be_visible()
    if shots:
        screenshot(page, f"{shots}-product")
    page.click("form.buy button[type=submit]")
    page.wait_for_url(re.compile(r"/cart"))
    expect(page.locator(".line")).to_have_count(1)


def test_search_to_tracking_with_a_three_d_secure_card(phone: Page) -> None:
    find_and_add(phone, "far cry", shots="1")
    expect(phone.locator(".hold")).to_be_visible()  # the hold's expiry is shown
    screenshot(phone, "2-cart")
    phone.click("a[href='/checkout']")

    phone.fill("input[name=email]", "buyer@example.com")
    phone.check("input[name=mode][value=shipping]")
    phone.fill("input[name=recipient]", "Анна Петрова")
    phone.select_option("select[name=country]", "RU")
    phone.fill("input[name=city]", "Москва")
    phone.fill("input[name=postcode]", "101000")
    phone.fill("input[name=line1]", "ул. Тверская, 1")
    screenshot(phone, "3-checkout-contact")
    phone.click("form.stack button[type=submit]")

    phone.wait_for_url(re.compile(r"/checkout/delivery"))
    courier = phone.locator("input[name=choice][value='shipping:moscow-courier']")
    expect(courier).to_be_visible()
    courier.check()
    screenshot(phone, "4-checkout-delivery")
    phone.click("form.stack button[type=submit]")

    phone.wait_for_url(re.compile(r"/checkout/payment"))
    phone.fill("[data-card=number]", CHALLENGE_CARD)
    phone.fill("[data-card=exp]", "12/30")
    phone.fill("[data-card=cvc]", "123")
    screenshot(phone, "5-checkout-payment")
    phone.click("form[data-tokenise] button[type=submit]")

    phone.wait_for_url(re.compile(r"/sandbox-psp/3ds/"))
    screenshot(phone, "6-3ds-challenge")
    phone.click("button[value=pass]")

    phone.wait_for_url(re.compile(r"/order/[^/?]+\?placed=1"))
    expect(phone.locator(".thanks")).to_be_visible()
    screenshot(phone, "7-confirmation")
    tracking = phone.url.split("?")[0]
    phone.goto(tracking)
    expect(phone.locator(".order-status")).to_be_visible()
    expect(phone.locator("body")).to_contain_text("Far Cry 4")
    screenshot(phone, "8-tracking")

    phone.goto("/cart")  # the paid cart is gone from the cookie
    expect(phone.locator(".line")).to_have_count(0)


def test_click_and_collect_paid_at_pickup(phone: Page) -> None:
    find_and_add(phone, "interstellar")
    phone.click("a[href='/checkout']")
    phone.fill("input[name=phone]", "+7 900 123-45-67")
    phone.check("input[name=mode][value=pickup]")
    phone.click("form.stack button[type=submit]")

    phone.wait_for_url(re.compile(r"/checkout/delivery\?mode=pickup"))
    store = phone.locator("input[name=choice][value^='pickup:']:not([disabled])").first
    store.check()
    screenshot(phone, "4b-checkout-pickup")
    phone.click("form.stack button[type=submit]")

    phone.wait_for_url(re.compile(r"/checkout/payment"))
    phone.check("input[name=method][value=pay_at_pickup]")
    phone.click("form[data-tokenise] button[type=submit]")

    phone.wait_for_url(re.compile(r"/order/[^/?]+\?placed=1"))
    expect(phone.locator(".thanks")).to_be_visible()
    expect(phone.locator(".facts")).to_contain_text("Атриум")
    screenshot(phone, "7b-confirmation-pickup")
