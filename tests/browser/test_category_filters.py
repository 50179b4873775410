"""The category filter panel on a phone: open the disclosure, tick a platform, fewer products."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import screenshot


def test_ticking_an_attribute_in_the_filter_panel_narrows_a_category(phone: Page) -> None:
    phone.goto("/c/games")
    cards = phone.locator(".grid .card")
    expect(cards.first).to_be_visible()
    before = cards.count()
    panel = phone.locator("details.panel")
    expect(panel.locator("input[name='a.platform']").first).to_be_hidden()  # closed at first

    panel.locator("summary").click()
    xbox = panel.locator("input[name='a.platform'][value='XBOX ONE']")
    expect(xbox).to_be_visible()
    xbox.check()
    panel.locator("button[type=submit]").click()

    phone.wait_for_url(re.compile(r"a\.platform=XBOX\+ONE"))
    expect(cards).to_have_count(1)
    expect(phone.locator(".chips.chosen")).to_contain_text("XBOX ONE")
    phone.locator("details.panel summary").click()
    expect(phone.locator("input[name='a.platform'][value='XBOX ONE']")).to_be_checked()
    assert before > 1
    screenshot(phone, "category-filters")
