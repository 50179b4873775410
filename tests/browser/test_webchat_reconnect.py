"""The chat widget on a phone survives a lost connection (Debian's Chromium): the shopper's
connections are cut (the open stream too), an operator answers meanwhile from the inbox, the
shopper types a message that cannot leave yet; then the first reconnection meets an error
answer (a proxy's 503 while the shop restarts), which closes an EventSource for good. When
the network is back every message shows exactly once, in the thread's order, and a reload
shows the same history once."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import suppress

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Route, expect
from playwright.sync_api import Error as PlaywrightError

from tests.browser.conftest import PHONE, screenshot
from tests.browser.cutter import Cutter, cutter_for
from tests.browser.test_inbox_handoff import LIVE, _sign_in_operator
from tests.e2e.test_webchat import parse

EVENTS = re.compile(r"/webchat/webchat/events")


@pytest.fixture
def network(live_server: str) -> Iterator[Cutter]:
    """The shopper's way to the shop: a forwarder the test can cut."""
    with cutter_for(live_server) as forwarder:
        yield forwarder


@pytest.fixture
def contexts(
    browser: Browser, live_server: str, network: Cutter
) -> Iterator[tuple[BrowserContext, BrowserContext]]:
    via = f"http://127.0.0.1:{network.port}"
    shopper = browser.new_context(base_url=via, locale="ru-RU", **PHONE)  # type: ignore[arg-type]
    operator = browser.new_context(
        base_url=live_server, locale="en-US", viewport={"width": 1280, "height": 900}
    )
    for context in (shopper, operator):
        context.set_default_timeout(20_000)
    yield shopper, operator
    shopper.close()
    operator.close()


def _thread_ids(live_server: str, page: Page) -> list[str]:
    """The visitor's thread as the server streams it (a poll: the backlog, then closed)."""
    token = page.evaluate("localStorage.getItem('omnishop.webchat.webchat')")
    response = httpx.get(
        f"{live_server}/webchat/webchat/events", params={"token": token, "poll": "1"}, timeout=10
    )
    assert response.status_code == 200
    return [e["id"] for e in parse(response.text)]


def _shown_ids(page: Page) -> list[str]:
    ids: list[str] = page.locator("#omnishop-chat .oc-msg").evaluate_all(
        "rows => rows.map(r => r.getAttribute('data-id'))"
    )
    return ids


def _shows_the_thread_once(live_server: str, page: Page) -> list[str]:
    """Waits until the widget shows exactly the server's thread: same ids, once each, same
    order (messages still in flight get a few seconds to land)."""
    deadline = time.monotonic() + LIVE / 1000
    while True:
        expected, shown = _thread_ids(live_server, page), _shown_ids(page)
        if shown == expected or time.monotonic() > deadline:
            break
        page.wait_for_timeout(300)
    assert len(set(shown)) == len(shown), f"a message is shown twice: {shown}"
    assert shown == expected
    for message_id in expected:
        expect(page.locator(f'#omnishop-chat .oc-msg[data-id="{message_id}"]')).to_have_count(1)
    return shown


def _reply(operator: Page, text: str) -> None:
    operator.fill("#reply textarea[name=text]", text)
    operator.click("#reply button[type=submit]")
    expect(operator.locator("#thread")).to_contain_text(text, timeout=LIVE)


def test_a_cut_stream_resumes_without_losing_or_repeating_a_message(
    contexts: tuple[BrowserContext, BrowserContext], live_server: str, network: Cutter
) -> None:
    shopper_context, operator_context = contexts
    shopper = shopper_context.new_page()
    shopper.goto("/")
    shopper.click("#omnishop-chat-open")
    chat = shopper.locator("#omnishop-chat")
    box = chat.locator("input[name=text]")
    with shopper.expect_response(re.compile(r"/webchat/webchat/messages$")) as posted:
        box.fill("Позовите оператора, пожалуйста")
        box.press("Enter")
    conversation_id = posted.value.json()["conversation_id"]
    expect(chat.locator(".oc-msg.oc-mine")).to_have_count(1, timeout=LIVE)

    operator = operator_context.new_page()
    _sign_in_operator(operator)
    operator.goto(f"/admin/inbox/c/{conversation_id}")
    take = operator.locator("button[data-do=take]")
    if take.count():
        take.click()
    expect(operator.locator("#chat-status")).to_contain_text("yours", timeout=LIVE)
    try:
        _cut_and_come_back(shopper, operator, network, live_server)
    finally:
        # Let the chat go: a later test's operator opens the first chat they hold.
        with suppress(PlaywrightError, AssertionError):
            operator.click("button[data-do=resolve]", timeout=5_000)
            expect(operator.locator("button[data-do=resolve]")).to_have_count(0)


def _cut_and_come_back(shopper: Page, operator: Page, network: Cutter, live_server: str) -> None:
    chat = shopper.locator("#omnishop-chat")
    box = chat.locator("input[name=text]")
    _reply(operator, "Здравствуйте, я Анна")
    expect(chat.locator(".oc-msg", has_text="Здравствуйте, я Анна")).to_have_count(1, timeout=LIVE)

    # The phone loses its network: the open stream dies, the shopper's message cannot leave.
    network.cut()
    _reply(operator, "Сейчас посмотрю наличие")
    _reply(operator, "Есть 42 размер")
    box.fill("Я ещё тут")
    box.press("Enter")
    shopper.wait_for_timeout(2_500)
    expect(chat.locator(".oc-msg", has_text="Есть 42 размер")).to_have_count(0)
    screenshot(shopper, "chat-reconnect-1-offline")

    # Back online, but the first reconnection gets a 503 (which closes an EventSource).
    refused: list[str] = []

    def unavailable(route: Route) -> None:
        refused.append(route.request.url)
        route.fulfill(status=503, body="restarting")

    shopper.route(EVENTS, unavailable)
    network.restore()
    deadline = time.monotonic() + 15
    while not refused and time.monotonic() < deadline:
        shopper.wait_for_timeout(200)
    assert refused, "the widget never tried to reconnect"
    _reply(operator, "Отложила для вас")
    shopper.unroute(EVENTS)

    for text in ("Сейчас посмотрю наличие", "Есть 42 размер", "Я ещё тут", "Отложила для вас"):
        expect(chat.locator(".oc-msg", has_text=text)).to_have_count(1, timeout=LIVE)
    shown = _shows_the_thread_once(live_server, shopper)
    screenshot(shopper, "chat-reconnect-2-resumed")

    # A reload replays the history once, in the same order.
    shopper.reload()
    shopper.click("#omnishop-chat-open")
    expect(chat.locator(".oc-msg", has_text="Отложила для вас")).to_have_count(1, timeout=LIVE)
    assert _shows_the_thread_once(live_server, shopper) == shown
    screenshot(shopper, "chat-reconnect-3-reloaded")


def test_a_rate_limited_message_shows_a_slow_down_notice_then_goes_once(phone: Page) -> None:
    answered: list[int] = []

    def too_fast_once(route: Route) -> None:
        if answered:
            route.continue_()
            return
        answered.append(429)
        problem = '{"code": "webchat_rate_limited", "status": 429, "retry_after": 2}'
        route.fulfill(status=429, body=problem, content_type="application/problem+json")

    phone.route(re.compile(r"/webchat/webchat/messages$"), too_fast_once)
    phone.goto("/")
    phone.click("#omnishop-chat-open")
    chat = phone.locator("#omnishop-chat")
    chat.locator("input[name=text]").fill("Быстро-быстро")
    chat.locator("input[name=text]").press("Enter")
    expect(chat.locator(".oc-note")).to_contain_text("Не так быстро")
    screenshot(phone, "chat-slow-down")
    expect(chat.locator(".oc-msg.oc-mine", has_text="Быстро-быстро")).to_have_count(1, timeout=LIVE)
    expect(chat.locator(".oc-note")).to_have_text("")
