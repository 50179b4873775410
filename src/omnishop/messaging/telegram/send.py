"""Outbound messages as Telegram Bot API calls (``POST <base>/bot<token>/<method>``, JSON).

Text with buttons is one sendMessage with an inline keyboard; each card is a sendPhoto (or a
sendMessage without a photo) with its own keyboard; an invoice is sendInvoice; ``answer`` is a
call that must be made as asked (answerPreCheckoutQuery / answerShippingQuery /
answerCallbackQuery). The external id returned is the first message Telegram created.
"""

from __future__ import annotations

from typing import Any

import httpx

from omnishop.conversations.wire import Button, Card, OutboundMessage, SendResult
from omnishop.messaging.common import failed_call, retry_after_header, seconds
from omnishop.messaging.config import MessagingSettings

ANSWER_METHODS = frozenset({"answerPreCheckoutQuery", "answerCallbackQuery", "answerShippingQuery"})
# sendInvoice's flags for a delivery: Telegram collects these from the buyer.
INVOICE_FLAGS = ("need_name", "need_phone_number", "need_shipping_address", "is_flexible")


def keyboard(buttons: tuple[Button, ...]) -> dict[str, Any] | None:
    """An inline keyboard, one button per row (callback_data is capped at 64 bytes)."""
    if not buttons:
        return None
    rows = []
    for button in buttons:
        if button.url:
            rows.append([{"text": button.label, "url": button.url}])
        else:
            data = (button.payload or button.label).encode()[:64].decode(errors="ignore")
            rows.append([{"text": button.label, "callback_data": data}])
    return {"inline_keyboard": rows}


def _card(chat_id: str, card: Card) -> tuple[str, dict[str, Any]]:
    lines = [f"<b>{_escape(card.title)}</b>"]
    if card.subtitle:
        lines.append(_escape(card.subtitle))
    if card.url:
        lines.append(card.url)
    text = "\n".join(lines)
    markup = keyboard(card.buttons)
    extra: dict[str, Any] = {"reply_markup": markup} if markup else {}
    if card.image_url:
        body = {"chat_id": chat_id, "photo": card.image_url, "caption": text[:1024]}
        return "sendPhoto", body | {"parse_mode": "HTML"} | extra
    return "sendMessage", {"chat_id": chat_id, "text": text, "parse_mode": "HTML"} | extra


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def calls(message: OutboundMessage, *, provider_token: str) -> list[tuple[str, dict[str, Any]]]:
    """The Bot API calls for one outbound message, in order (pure: tests read it)."""
    chat = message.recipient_id
    out: list[tuple[str, dict[str, Any]]] = []
    if message.answer:
        method = str(message.answer.get("method", ""))
        if method in ANSWER_METHODS:
            out.append((method, {k: v for k, v in message.answer.items() if k != "method"}))
    text = message.text
    if text is None and message.template is not None:
        text = " ".join((message.template.name, *message.template.parameters))
    if text:
        body: dict[str, Any] = {"chat_id": chat, "text": text[:4096]}
        markup = keyboard(message.buttons)
        if markup:
            body["reply_markup"] = markup
        out.append(("sendMessage", body))
    elif message.buttons:
        markup = keyboard(message.buttons)
        out.append(("sendMessage", {"chat_id": chat, "text": "…", "reply_markup": markup}))
    for card in message.cards:
        out.append(_card(chat, card))
    if message.image_url:
        out.append(("sendPhoto", {"chat_id": chat, "photo": message.image_url}))
    if message.location is not None:
        where = message.location
        if where.title:
            out.append(
                (
                    "sendVenue",
                    {
                        "chat_id": chat,
                        "latitude": where.latitude,
                        "longitude": where.longitude,
                        "title": where.title,
                        "address": where.title,
                    },
                )
            )
        else:
            out.append(
                (
                    "sendLocation",
                    {"chat_id": chat, "latitude": where.latitude, "longitude": where.longitude},
                )
            )
    if message.invoice is not None:
        invoice = message.invoice
        out.append(
            (
                "sendInvoice",
                {
                    "chat_id": chat,
                    "title": invoice.title[:32],
                    "description": invoice.description[:255],
                    "payload": invoice.payload,
                    "provider_token": provider_token,
                    "currency": invoice.currency,
                    "prices": [{"label": lbl, "amount": amount} for lbl, amount in invoice.prices],
                }
                | {flag: True for flag in INVOICE_FLAGS if getattr(invoice, flag)},
            )
        )
    return out


def make_sender(settings: MessagingSettings) -> Any:
    async def send(message: OutboundMessage) -> SendResult:
        own = settings.for_channel(message.channel_code)  # this channel's bot
        base = f"{own.telegram_api_base.rstrip('/')}/bot{own.telegram_bot_token}"
        planned = calls(message, provider_token=own.telegram_payment_provider_token)
        if not planned:
            return SendResult(external_id=None, error="nothing Telegram can send")
        first: str | None = None
        try:
            async with httpx.AsyncClient(timeout=settings.send_timeout_seconds) as client:
                for method, body in planned:
                    response = await client.post(f"{base}/{method}", json=body)
                    result = _result(response)
                    if not result.ok:
                        return result
                    if first is None:
                        first = result.external_id
        except httpx.HTTPError as exc:
            return failed_call(exc)
        # Telegram numbers messages per chat: the chat makes the id unique per channel.
        return SendResult(external_id=f"{message.recipient_id}:{first}" if first else None)

    return send


def _result(response: httpx.Response) -> SendResult:
    """Bot API answers ``{"ok": true, "result": ...}`` or ``{"ok": false, "error_code"...}``;
    429 and 5xx are worth retrying (a 429 says how long to wait in
    ``parameters.retry_after``), other refusals are final."""
    try:
        data = response.json()
    except ValueError:
        data = {}
    data = data if isinstance(data, dict) else {}
    if response.is_success and data.get("ok"):
        result = data.get("result")
        ident = result.get("message_id") if isinstance(result, dict) else None
        return SendResult(external_id=str(ident) if ident is not None else None)
    status = int(data.get("error_code") or response.status_code)
    parameters = data.get("parameters")
    wait = parameters.get("retry_after") if isinstance(parameters, dict) else None
    return SendResult(
        external_id=None,
        retryable=status == 429 or status >= 500,
        error=f"telegram {status}: {str(data.get('description') or response.text)[:300]}",
        retry_after=seconds(wait) or retry_after_header(response),
    )
