"""The browser harness itself: the seeded shop opens on a phone and is screenshotted."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import SCREENSHOTS, screenshot


def test_home_and_a_category_open_on_a_phone(phone: Page) -> None:
    phone.goto("/")
    expect(phone.locator("h1, .grid").first).to_be_visible()
    home = screenshot(phone, "0-home")
    phone.goto("/c/games")
    expect(phone.locator(".grid .card").first).to_be_visible()
    screenshot(phone, "0-category")

    phone.goto("/search?q=far+cry")
    expect(phone.locator(".grid .card").first).to_be_visible()
    phone.locator(".grid .card a").first.click()
    expect(phone.locator("h1")).to_contain_text("Far Cry")
    product = screenshot(phone, "0-product")

    assert home.is_relative_to(SCREENSHOTS) and home.stat().st_size > 1000
    assert product.stat().st_size > 1000
