"""Outbound SMS through Twilio's Messages API: ``POST <api>/2010-04-01/Accounts/<sid>/
Messages.json`` (form-encoded, HTTP basic auth). SMS has no buttons or cards: they become
lines of text (a button with a link shows the link; a card its title, price line and link)."""

from __future__ import annotations

from typing import Any

import httpx

from omnishop.conversations.wire import OutboundMessage, SendResult
from omnishop.messaging.common import failed_call, retry_after_header
from omnishop.messaging.config import MessagingSettings

# Twilio refusals a retry may pass: queue overflow and rate limits.
RETRYABLE_CODES = frozenset({20429, 30001, 30022})


def text_of(message: OutboundMessage) -> str:
    """Everything the message says, as plain text (pure: tests read it)."""
    lines: list[str] = []
    if message.template is not None and not message.text:
        lines.append(" ".join(message.template.parameters) or message.template.name)
    if message.text:
        lines.append(message.text)
    for button in message.buttons:
        if button.url:
            lines.append(f"{button.label}: {button.url}")
    for card in message.cards:
        lines.append(" — ".join(p for p in (card.title, card.subtitle) if p))
        if card.url:
            lines.append(card.url)
    if message.location is not None:
        where = message.location
        link = f"https://maps.google.com/?q={where.latitude},{where.longitude}"
        lines.append(f"{where.title}: {link}" if where.title else link)
    return "\n".join(lines)


def form_of(message: OutboundMessage, *, from_number: str) -> dict[str, str]:
    form = {"To": message.recipient_id, "From": from_number, "Body": text_of(message)[:1600]}
    if message.image_url:
        form["MediaUrl"] = message.image_url
    return form


def make_sender(settings: MessagingSettings) -> Any:
    async def send(message: OutboundMessage) -> SendResult:
        own = settings.for_channel(message.channel_code)  # this channel's account and number
        url = (
            f"{own.twilio_api_base.rstrip('/')}/2010-04-01/Accounts/"
            f"{own.twilio_account_sid}/Messages.json"
        )
        auth = (own.twilio_account_sid, own.twilio_auth_token)
        form = form_of(message, from_number=own.twilio_from_number)
        if not form["Body"] and "MediaUrl" not in form:
            return SendResult(external_id=None, error="nothing an SMS can carry")
        try:
            async with httpx.AsyncClient(timeout=settings.send_timeout_seconds) as client:
                response = await client.post(url, data=form, auth=auth)
        except httpx.HTTPError as exc:
            return failed_call(exc)
        return _result(response)

    return send


def _result(response: httpx.Response) -> SendResult:
    try:
        data = response.json()
    except ValueError:
        data = {}
    data = data if isinstance(data, dict) else {}
    if response.is_success:
        return SendResult(external_id=data.get("sid"))
    code = data.get("code")
    return SendResult(
        external_id=None,
        retryable=response.status_code == 429
        or response.status_code >= 500
        or code in RETRYABLE_CODES,
        error=f"twilio {response.status_code} code {code}: {str(data.get('message'))[:300]}",
        retry_after=retry_after_header(response),
    )
