"""Outbound messages as Messenger Send API calls: ``POST <graph>/<version>/me/messages`` with
the page access token. Inside the 24-hour window ``messaging_type`` is RESPONSE; outside it a
message carries the tag the domain chose (MESSAGE_TAG + POST_PURCHASE_UPDATE, ACCOUNT_UPDATE
or HUMAN_AGENT).

Text with buttons is a button template (postback / web_url, at most 3) or quick replies
(more than 3, up to 13); cards are one generic template (a carousel of up to 10 elements).
"""

from __future__ import annotations

from typing import Any

import httpx

from omnishop.conversations.wire import Button, OutboundMessage, SendResult
from omnishop.messaging.common import failed_call
from omnishop.messaging.config import MessagingSettings
from omnishop.messaging.whatsapp.send import graph_result


def _button(button: Button) -> dict[str, Any]:
    if button.url:
        return {"type": "web_url", "url": button.url, "title": button.label[:20]}
    return {
        "type": "postback",
        "title": button.label[:20],
        "payload": button.payload or button.label,
    }


def _text_message(text: str, buttons: tuple[Button, ...]) -> dict[str, Any]:
    if not buttons:
        return {"text": text[:2000]}
    if len(buttons) <= 3:
        template = {"template_type": "button", "text": text[:640]}
        template["buttons"] = [_button(b) for b in buttons]  # type: ignore[assignment]
        return {"attachment": {"type": "template", "payload": template}}
    quick = [
        {"content_type": "text", "title": b.label[:20], "payload": b.payload or b.label}
        for b in buttons[:13]
    ]
    return {"text": text[:2000], "quick_replies": quick}


def messages(message: OutboundMessage) -> list[dict[str, Any]]:
    """The ``message`` objects for one outbound message, in order (pure: tests read it)."""
    parts: list[dict[str, Any]] = []
    text = message.text
    if text is None and message.template is not None:
        text = " ".join(message.template.parameters) or message.template.name
    if text:
        parts.append(_text_message(text, message.buttons))
    if message.cards:
        elements = []
        for card in message.cards[:10]:
            element: dict[str, Any] = {"title": card.title[:80]}
            if card.subtitle:
                element["subtitle"] = card.subtitle[:80]
            if card.image_url:
                element["image_url"] = card.image_url
            if card.url:
                element["default_action"] = {"type": "web_url", "url": card.url}
            if card.buttons:
                element["buttons"] = [_button(b) for b in card.buttons[:3]]
            elements.append(element)
        payload = {"template_type": "generic", "elements": elements}
        parts.append({"attachment": {"type": "template", "payload": payload}})
    if message.image_url:
        image = {"url": message.image_url, "is_reusable": True}
        parts.append({"attachment": {"type": "image", "payload": image}})
    if message.location is not None:
        where = message.location
        link = f"https://maps.google.com/?q={where.latitude},{where.longitude}"
        parts.append({"text": f"{where.title or ''}\n{link}".strip()})
    return parts


def requests(message: OutboundMessage) -> list[dict[str, Any]]:
    """Full Send API bodies: recipient, messaging_type (and tag outside the window)."""
    tag = message.template.tag if message.template is not None else None
    envelope: dict[str, Any] = {"recipient": {"id": message.recipient_id}}
    if tag:
        envelope |= {"messaging_type": "MESSAGE_TAG", "tag": tag}
    else:
        envelope["messaging_type"] = "RESPONSE"
    return [envelope | {"message": part} for part in messages(message)]


def make_sender(settings: MessagingSettings) -> Any:
    async def send(message: OutboundMessage) -> SendResult:
        own = settings.for_channel(message.channel_code)  # this channel's page
        url = f"{own.meta_graph_base.rstrip('/')}/{own.meta_graph_version}/me/messages"
        headers = {"Authorization": f"Bearer {own.messenger_page_access_token}"}
        planned = requests(message)
        if not planned:
            return SendResult(external_id=None, error="nothing Messenger can send")
        first: str | None = None
        try:
            async with httpx.AsyncClient(timeout=settings.send_timeout_seconds) as client:
                for body in planned:
                    result = graph_result(await client.post(url, json=body, headers=headers))
                    if not result.ok:
                        return result
                    first = first or result.external_id
        except httpx.HTTPError as exc:
            return failed_call(exc)
        return SendResult(external_id=first)

    return send
