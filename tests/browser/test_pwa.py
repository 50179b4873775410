"""The installable app in Debian's Chromium on a phone: the manifest and service worker meet
Chromium's installability criteria; offline, an unseen page shows the offline page, the cart
stays as last seen, and a cart change is refused with a clear message (never lost)."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, PHONE, screenshot
from tests.browser.test_purchase import find_and_add


def wait_for_worker(page: Page) -> None:
    """Until the service worker is active and controls the page (it then serves fetches)."""
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    if not page.evaluate("!!navigator.serviceWorker.controller"):
        page.reload()
    page.wait_for_function("!!navigator.serviceWorker.controller")


def test_chromium_finds_the_shop_installable(
    browser: Browser, live_server: str, tmp_path: Path
) -> None:
    # A profile on disk: Chromium never offers to install from an incognito context, which
    # is what Playwright's ordinary contexts are.
    context = browser.browser_type.launch_persistent_context(
        str(tmp_path / "profile"),
        executable_path=str(CHROMIUM),
        args=CHROMIUM_ARGS,
        base_url=live_server,
        **PHONE,  # type: ignore[arg-type]
    )
    try:
        page = context.new_page()
        page.goto("/")
        wait_for_worker(page)
        cdp = context.new_cdp_session(page)

        errors = cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
        manifest = cdp.send("Page.getAppManifest")
    finally:
        context.close()

    assert errors == [], errors
    assert manifest["errors"] == [], manifest["errors"]
    assert manifest["url"].endswith("/manifest.webmanifest")


def test_offline_shows_the_offline_page_and_keeps_the_cart(phone: Page) -> None:
    find_and_add(phone, "far cry")
    wait_for_worker(phone)
    phone.goto("/cart")  # now seen through the worker: its copy is kept
    name = phone.locator(".line strong").first.inner_text()
    quantity = phone.locator(".line input[name=quantity]").first.input_value()

    phone.context.set_offline(True)
    try:
        phone.goto("/search?q=never-seen-before")
        expect(phone.locator("h1")).to_have_text("Нет соединения")
        screenshot(phone, "offline-page")

        phone.goto("/cart")
        expect(phone.locator(".line strong").first).to_have_text(name)
        field = phone.locator(".line input[name=quantity]").first
        field.fill(str(int(quantity) + 1))
        field.press("Enter")
        expect(phone.locator("#notice")).to_contain_text("корзина не изменилась")
        screenshot(phone, "offline-cart")
        # Past the page's script (a form sent by code): the service worker refuses it.
        phone.evaluate("document.querySelector('.line form').submit()")
        expect(phone.locator("main .notice")).to_contain_text("корзина не изменилась")
        expect(phone.locator("h1")).to_have_text("Нет соединения")
    finally:
        phone.context.set_offline(False)

    phone.goto("/cart")
    expect(phone.locator(".line")).to_have_count(1)
    assert phone.locator(".line input[name=quantity]").first.input_value() == quantity
    assert re.search(r"/cart", phone.url)


def test_suggestions_appear_while_typing_and_open_the_product(phone: Page) -> None:
    phone.goto("/")
    phone.locator("#q").press_sequentially("far c", delay=60)
    first = phone.locator("#q-suggest .suggest a").first
    expect(first).to_be_visible()
    screenshot(phone, "search-suggestions")
    first.click()
    phone.wait_for_url(re.compile(r"/(p|c)/"))
    expect(phone.locator("h1")).to_be_visible()


FAKE_TELEGRAM = """
window.__tg = {calls: []};
window.Telegram = {WebApp: {
  initData: "", initDataUnsafe: {},
  themeParams: {bg_color: "#17212b", text_color: "#f5f5f5", button_color: "#5288c1",
                button_text_color: "#ffffff", link_color: "#6ab3f3"},
  ready: function () { __tg.calls.push("ready"); },
  expand: function () { __tg.calls.push("expand"); },
  MainButton: {setText: function (t) { __tg.main = t; },
               show: function () { __tg.calls.push("main"); },
               onClick: function (f) { __tg.click = f; }},
  BackButton: {show: function () { __tg.calls.push("back"); }, onClick: function () {}}
}};
"""


def test_mini_app_mode_follows_telegram_theme_and_puts_checkout_on_the_main_button(
    phone: Page,
) -> None:
    find_and_add(phone, "far cry")
    # Telegram's own script cannot load here: a stand-in WebApp object records the calls.
    phone.route("https://telegram.org/**", lambda route: route.fulfill(body="", status=200))
    phone.add_init_script(FAKE_TELEGRAM)
    phone.context.add_cookies([{"name": "tg", "value": "1", "url": phone.url}])

    phone.goto("/cart")
    phone.wait_for_function("window.__tg && window.__tg.main")

    assert phone.evaluate("__tg.main") == "Оформление заказа"
    assert (
        phone.evaluate(
            "getComputedStyle(document.documentElement).getPropertyValue('--bg')"
        ).strip()
        == "#17212b"
    )
    assert "ready" in phone.evaluate("__tg.calls")
    screenshot(phone, "telegram-mini-app-cart")
    phone.evaluate("__tg.click()")
    phone.wait_for_url(re.compile(r"/checkout"))
