"""Messaging e2e fixtures: the messenger channels, a local fake platform API (a real HTTP
server on a free port that records omnishop's outbound calls), and an app wired to it."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omnishop import messaging
from omnishop.app import create_app
from omnishop.channels import service as channels
from omnishop.channels.schemas import ChannelCreate
from omnishop.conversations import wire
from omnishop.kernel import clock
from omnishop.kernel.db import unit_of_work
from omnishop.kernel.runtime import Database
from omnishop.kernel.settings import Settings
from omnishop.messaging.config import MessagingSettings

FIXTURES = Path(__file__).parent / "fixtures"
# The recorded payloads were sent at this moment (their own timestamps).
RECORDED_AT = datetime.fromtimestamp(1795000000, tz=UTC)
BASE_URL = "https://shop.example.com"
PHOTO = b"\xff\xd8\xff\xe0fake-jpeg-bytes"


def load(name: str) -> Any:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def raw(name: str) -> bytes:
    """A recorded JSON payload as the platform's bytes (signatures cover exactly these)."""
    return json.dumps(load(name), ensure_ascii=False).encode()


def meta_signature(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def twilio_signature(url: str, form: dict[str, str], token: str) -> str:
    """Twilio's algorithm written out independently of the library under test."""
    data = url + "".join(k + form[k] for k in sorted(form))
    digest = hmac.new(token.encode(), data.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


@dataclass
class Call:
    method: str
    path: str
    headers: dict[str, str]
    json: Any = None
    form: dict[str, str] | None = None


@dataclass
class FakePlatforms:
    """One server playing api.telegram.org, graph.facebook.com and api.twilio.com."""

    url: str = ""
    calls: list[Call] = field(default_factory=list)
    # Scripted answers for the next calls: (HTTP status, JSON body[, response headers]).
    script: list[tuple[int, Any] | tuple[int, Any, dict[str, str]]] = field(default_factory=list)
    counter: int = 0

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        call = Call(request.method, request.path, dict(request.headers))
        if request.content_type == "application/json":
            call.json = json.loads(body)
        elif request.content_type == "application/x-www-form-urlencoded":
            call.form = dict(parse_qsl(body.decode()))
        self.calls.append(call)
        self.counter += 1
        if request.method == "GET":
            return self._download(request)
        if self.script:
            status, answer, *headers = self.script.pop(0)
            return web.json_response(answer, status=status, headers=headers[0] if headers else None)
        answer, status = self._success(call)
        return web.json_response(answer, status=status)

    def _download(self, request: web.Request) -> web.Response:
        """getFile, the Graph media look-up, and the files behind them (auth checked)."""
        path, auth = request.path, request.headers.get("Authorization", "")
        if path.endswith("/getFile"):
            file_id = request.query.get("file_id", "")
            if file_id != "AgACAgIAAxkBAAIBsmZlarge":
                return web.json_response({"ok": False, "error_code": 400}, status=400)
            result = {"file_id": file_id, "file_path": "photos/file_7.jpg"}
            return web.json_response({"ok": True, "result": result})
        if path.startswith("/file/bot") and path.endswith("/photos/file_7.jpg"):
            return web.Response(body=PHOTO, content_type="image/jpeg")
        if path == "/v23.0/1479537139650973":
            if auth != "Bearer wa-access-token":
                return web.json_response({"error": {"code": 190}}, status=401)
            answer = {"url": f"{self.url}/wa-cdn/1479537139650973", "mime_type": "image/jpeg"}
            return web.json_response(answer)
        if path.startswith("/wa-cdn/") and auth == "Bearer wa-access-token":
            return web.Response(body=PHOTO, content_type="application/octet-stream")
        if path.startswith("/twilio-media/") and auth.startswith("Basic "):
            return web.Response(body=PHOTO, content_type="image/jpeg")
        return web.json_response({"error": "not found"}, status=404)

    def _success(self, call: Call) -> tuple[Any, int]:
        n = self.counter
        if call.path.startswith("/bot"):
            wrong = bot_api_problem(call.path.rsplit("/", 1)[1], call.json or {})
            if wrong:
                return {"ok": False, "error_code": 400, "description": f"Bad Request: {wrong}"}, 400
            if call.path.rsplit("/", 1)[1].startswith("answer"):
                return {"ok": True, "result": True}, 200
            chat = (call.json or {}).get("chat_id")
            return {"ok": True, "result": {"message_id": 9000 + n, "chat": {"id": chat}}}, 200
        if call.path.endswith("/me/messages"):
            psid = (call.json or {}).get("recipient", {}).get("id")
            return {"recipient_id": psid, "message_id": f"m_sent{n}"}, 200
        if call.path.endswith("/messages"):
            body = call.json or {}
            contact = {"input": body.get("to") or body.get("recipient")}
            return {
                "messaging_product": "whatsapp",
                "contacts": [contact],
                "messages": [{"id": f"wamid.sent{n}"}],
            }, 200
        if call.path.endswith("/Messages.json"):
            return {"sid": f"SMsent{n:030d}", "status": "queued"}, 201
        return {"error": "unknown path"}, 404


def _prices_problem(prices: Any, what: str) -> str | None:
    """LabeledPrice[]: each a label (string) and an amount (integer, minor units)."""
    if not isinstance(prices, list) or not prices:
        return f"{what} must be a non-empty array"
    for price in prices:
        if not isinstance(price, dict) or set(price) != {"label", "amount"}:
            return f"{what}: a LabeledPrice is exactly label and amount"
        if not isinstance(price["label"], str) or not price["label"]:
            return f"{what}: label must be a non-empty string"
        if not isinstance(price["amount"], int) or isinstance(price["amount"], bool):
            return f"{what}: amount must be an integer"
    return None


INVOICE_FLAGS = ("need_name", "need_phone_number", "need_email", "need_shipping_address",
                 "is_flexible")  # fmt: skip


def _invoice_problem(body: dict[str, Any]) -> str | None:
    for name in ("chat_id", "title", "description", "payload", "currency"):
        if not isinstance(body.get(name), str) or not body[name]:
            return f"sendInvoice: {name} is required"
    for flag in INVOICE_FLAGS:
        if flag in body and not isinstance(body[flag], bool):
            return f"sendInvoice: {flag} must be a Boolean"
    return _prices_problem(body.get("prices"), "sendInvoice: prices")


def _shipping_answer_problem(body: dict[str, Any]) -> str | None:
    if not isinstance(body.get("shipping_query_id"), str) or not isinstance(body.get("ok"), bool):
        return "answerShippingQuery: shipping_query_id (String) and ok (Boolean) are required"
    if not body["ok"]:
        if not isinstance(body.get("error_message"), str) or not body["error_message"]:
            return "answerShippingQuery: error_message is required when ok is False"
        return "answerShippingQuery: options with ok False" if "shipping_options" in body else None
    options = body.get("shipping_options")
    if not isinstance(options, list) or not options:
        return "answerShippingQuery: shipping_options are required when ok is True"
    for option in options:
        if not isinstance(option, dict) or set(option) != {"id", "title", "prices"}:
            return "answerShippingQuery: a ShippingOption is exactly id, title and prices"
        if not isinstance(option["id"], str) or not isinstance(option["title"], str):
            return "answerShippingQuery: ShippingOption id and title must be strings"
        wrong = _prices_problem(option["prices"], "answerShippingQuery: prices")
        if wrong:
            return wrong
    return None


def _pre_checkout_answer_problem(body: dict[str, Any]) -> str | None:
    if not isinstance(body.get("pre_checkout_query_id"), str) or not isinstance(
        body.get("ok"), bool
    ):
        return "answerPreCheckoutQuery: pre_checkout_query_id and ok are required"
    if not body["ok"] and not body.get("error_message"):
        return "answerPreCheckoutQuery: error_message is required when ok is False"
    return None


def bot_api_problem(method: str, body: dict[str, Any]) -> str | None:
    """What Telegram would refuse in a payments call (https://core.telegram.org/bots/api:
    sendInvoice, answerShippingQuery, answerPreCheckoutQuery), or None."""
    check = {
        "sendInvoice": _invoice_problem,
        "answerShippingQuery": _shipping_answer_problem,
        "answerPreCheckoutQuery": _pre_checkout_answer_problem,
    }.get(method)
    return check(body) if check is not None else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
async def platforms() -> AsyncIterator[FakePlatforms]:
    fake = FakePlatforms()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", fake.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    port = _free_port()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    fake.url = f"http://127.0.0.1:{port}"
    try:
        yield fake
    finally:
        await runner.cleanup()


@pytest.fixture
def messaging_settings(platforms: FakePlatforms) -> MessagingSettings:
    return MessagingSettings(
        base_url=BASE_URL,
        telegram_bot_token="123456:TEST-TOKEN",
        telegram_secret_token="tg-secret-for-tests",
        telegram_payment_provider_token="provider-test-token",
        telegram_api_base=platforms.url,
        meta_graph_base=platforms.url,
        whatsapp_app_secret="wa-app-secret",
        whatsapp_verify_token="wa-verify",
        whatsapp_access_token="wa-access-token",
        whatsapp_phone_number_id="106540352242922",
        messenger_app_secret="fb-app-secret",
        messenger_verify_token="fb-verify",
        messenger_page_access_token="fb-page-token",
        twilio_account_sid="AC11111111111111111111111111111111",
        twilio_auth_token="twilio-token",
        twilio_from_number="+15005550006",
        twilio_api_base=platforms.url,
        send_timeout_seconds=5,
    )


@pytest.fixture
async def messaging_channels(sessions: async_sessionmaker[AsyncSession]) -> None:
    """The demo's messenger channels, and a web channel (another kind)."""
    async with unit_of_work(sessions) as session:
        for code in ("telegram", "whatsapp", "messenger", "sms", "web"):
            await channels.create(
                session=session,
                data=ChannelCreate(
                    code=code,
                    name=code,
                    kind=code,  # type: ignore[arg-type]
                    currency="RUB",
                    default_locale="ru",
                    country="RU",
                ),
            )


@pytest.fixture
async def chat(
    database: Database, messaging_settings: MessagingSettings, messaging_channels: None
) -> AsyncIterator[httpx.AsyncClient]:
    """The whole app, its senders pointed at the fake platforms; the clock at the recording."""
    saved = dict(wire._senders)
    app = create_app(Settings(worker_in_process=False, api_cache_seconds=0), database=database)
    messaging.install(app, messaging_settings)
    clock.freeze(RECORDED_AT + timedelta(seconds=90))
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
            yield client
    finally:
        wire._senders.clear()
        wire._senders.update(saved)


async def inbound_of(
    sessions: async_sessionmaker[AsyncSession], channel: str, sender: str
) -> list[Any]:
    """The customer's stored messages on a channel (empty when no thread exists)."""
    from omnishop.conversations import service as conversations

    async with unit_of_work(sessions, writes=False) as session:
        found = await conversations.find_thread(
            session=session, channel_code=channel, sender_id=sender
        )
        if found is None:
            return []
        rows = await conversations.history(session=session, conversation_id=found.id)
    return [m for m in rows if m.direction == "in"]


async def reply(
    sessions: async_sessionmaker[AsyncSession],
    channel: str,
    sender: str,
    content: wire.OutboundContent,
) -> Any:
    """The bot answers the thread; the outbox then sends it through the adapter's Sender."""
    from omnishop.conversations import service as conversations
    from omnishop.kernel import outbox

    async with unit_of_work(sessions) as session:
        found = await conversations.find_thread(
            session=session, channel_code=channel, sender_id=sender
        )
        assert found is not None
        sent = await conversations.send(
            session=session, conversation_id=found.id, content=content, author="bot"
        )
    await outbox.drain(sessions)
    async with unit_of_work(sessions, writes=False) as session:
        rows = await conversations.history(session=session, conversation_id=found.id)
    return next(m for m in rows if m.id == sent.id)
