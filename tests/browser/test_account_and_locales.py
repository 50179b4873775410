"""Account sign-in by a one-time code, and ru/ka pages without untranslated UI strings."""

from __future__ import annotations

import re
import sqlite3
import time
from functools import cache
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from playwright.sync_api import Page, expect

from omnishop.kernel import i18n
from tests.browser.conftest import screenshot
from tests.browser.test_purchase import find_and_add


def code_in(db: Path, destination: str) -> str:
    """The last sign-in code "sent" to ``destination`` (the worker writes it shortly)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with sqlite3.connect(db) as conn:
            row = conn.execute(
                "SELECT body FROM customer_outbound_messages WHERE destination = ? "
                "ORDER BY created_at DESC LIMIT 1",
                (destination,),
            ).fetchone()
        if row and (found := re.search(r"\b(\d{6})\b", row[0])):
            return found.group(1)
        time.sleep(0.2)
    raise AssertionError(f"no sign-in code for {destination}")


def test_sign_in_with_a_code_then_manage_addresses(phone: Page, shop_db: Path) -> None:
    phone.goto("/account")
    phone.wait_for_url(re.compile(r"/account/sign-in"))
    screenshot(phone, "9-account-sign-in")
    phone.fill("input[name=destination]", "maria@example.com")
    phone.click("form.stack button[type=submit]")
    phone.wait_for_url(re.compile(r"/account/verify"))
    phone.fill("input[name=code]", code_in(shop_db, "maria@example.com"))
    phone.click("form.stack button[type=submit]")

    phone.wait_for_url(re.compile(r"/account$"))
    expect(phone.locator("main")).to_contain_text("maria@example.com")
    screenshot(phone, "10-account")
    phone.click("a[href='/account/addresses']")
    phone.fill("form[action='/account/addresses'] input[name=recipient]", "Мария")
    phone.fill("form[action='/account/addresses'] input[name=city]", "Москва")
    phone.fill("form[action='/account/addresses'] input[name=line1]", "Арбат 5")
    phone.click("form[action='/account/addresses'] button[type=submit]")
    expect(phone.locator(".line")).to_contain_text("Арбат 5")
    screenshot(phone, "11-account-addresses")

    # The saved address fills the checkout's first step.
    find_and_add(phone, "gravity")
    phone.click("a[href='/checkout']")
    expect(phone.locator("input[name=line1]")).to_have_value("Арбат 5")


@cache
def english_ui_strings(locale: str) -> list[str]:
    """UI strings of at least two words that ``locale`` translates differently."""
    path = i18n.CATALOG_DIR / locale / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as fh:
        catalog = read_po(fh, locale=locale)
    found = []
    for message in catalog:
        ids = [message.id] if isinstance(message.id, str) else list(message.id or ())
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for msgid in ids:
            if not msgid or "%(" in msgid or " " not in msgid.strip() or msgid in strings:
                continue
            found.append(msgid)
    return found


PAGES = ["/", "/c/games", "/search?q=far", "/p/far-cry-4-ps4-russian-version", "/cart",
         "/checkout", "/account/sign-in"]  # fmt: skip


@pytest.mark.parametrize("locale", ["ru", "ka"])
def test_pages_in_russian_and_georgian_have_no_english_ui_strings(phone: Page, locale: str) -> None:
    phone.goto(f"/?lang={locale}")
    find_and_add(phone, "martian")  # so the cart and checkout pages have something to show
    english = english_ui_strings(locale)
    leftovers = {}
    for path in PAGES:
        phone.goto(path)
        expect(phone.locator("html")).to_have_attribute("lang", locale)
        text = phone.locator("body").inner_text()
        if found := [s for s in english if s in text]:
            leftovers[path] = found
        if path in {"/", "/cart", "/checkout"}:
            screenshot(phone, f"{locale}-{path.strip('/') or 'home'}")

    assert leftovers == {}
    assert english, "the catalog scan found nothing to look for"
