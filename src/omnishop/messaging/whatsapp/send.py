"""Outbound messages as WhatsApp Cloud API calls: ``POST <graph>/<version>/<phone_number_id>
/messages`` with a Bearer token. A business-scoped user id (``CC.xxxx``) goes in ``recipient``,
a phone number (wa_id) in ``to``.

Text with up to 3 buttons is an interactive "button" message, with more a "list", with a link
a "cta_url"; each card is an interactive message with an image header (or an image with a
caption when it has no buttons); a template is a template message (outside the 24-hour window).
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from omnishop.conversations.wire import Button, Card, OutboundMessage, SendResult
from omnishop.messaging.common import failed_call, retry_after_header, seconds
from omnishop.messaging.config import MessagingSettings

# Graph API error codes worth retrying: throughput / rate limits and temporary trouble.
RETRYABLE_CODES = frozenset({4, 80007, 130429, 131000, 131016, 131048, 131056, 133004})
# Of those, the rate limits (app calls, WhatsApp business account, throughput, pair rate).
RATE_LIMIT_CODES = frozenset({4, 80007, 130429, 131056})


def _recipient(recipient_id: str) -> dict[str, str]:
    if "." in recipient_id:  # business-scoped user id, e.g. US.13491208655302741918
        return {"recipient": recipient_id}
    return {"to": recipient_id.lstrip("+")}


def _reply_buttons(buttons: tuple[Button, ...]) -> list[dict[str, Any]]:
    return [
        {"type": "reply", "reply": {"id": (b.payload or b.label)[:256], "title": b.label[:20]}}
        for b in buttons
    ]


def _interactive(
    text: str, buttons: tuple[Button, ...], header: dict[str, Any] | None
) -> dict[str, Any]:
    links = [b for b in buttons if b.url]
    replies = tuple(b for b in buttons if not b.url)
    if links and not replies:
        link = links[0]
        action: dict[str, Any] = {
            "name": "cta_url",
            "parameters": {"display_text": link.label[:20], "url": link.url},
        }
        kind = "cta_url"
    elif len(replies) <= 3:
        action, kind = {"buttons": _reply_buttons(replies)}, "button"
    else:
        rows = [{"id": (b.payload or b.label)[:200], "title": b.label[:24]} for b in replies[:10]]
        action, kind = {"button": "…", "sections": [{"title": "—", "rows": rows}]}, "list"
    interactive: dict[str, Any] = {"type": kind, "body": {"text": text[:1024]}, "action": action}
    if header is not None and kind != "list":
        interactive["header"] = header
    return {"type": "interactive", "interactive": interactive}


def _card(card: Card) -> dict[str, Any]:
    text = "\n".join(p for p in (f"*{card.title}*", card.subtitle, card.url) if p)
    if card.buttons:
        header = {"type": "image", "image": {"link": card.image_url}} if card.image_url else None
        return _interactive(text, card.buttons, header)
    if card.image_url:
        return {"type": "image", "image": {"link": card.image_url, "caption": text[:1024]}}
    return {"type": "text", "text": {"body": text, "preview_url": bool(card.url)}}


def bodies(message: OutboundMessage) -> list[dict[str, Any]]:
    """The Cloud API request bodies for one outbound message, in order (pure: tests read it)."""
    parts: list[dict[str, Any]] = []
    if message.template is not None:
        template = message.template
        components = []
        if template.parameters:
            params = [{"type": "text", "text": p} for p in template.parameters]
            components.append({"type": "body", "parameters": params})
        parts.append(
            {
                "type": "template",
                "template": {
                    "name": template.name,
                    "language": {"code": template.language},
                    "components": components,
                },
            }
        )
    elif message.text and message.buttons:
        parts.append(_interactive(message.text, message.buttons, None))
    elif message.text:
        parts.append({"type": "text", "text": {"body": message.text[:4096], "preview_url": True}})
    parts.extend(_card(card) for card in message.cards)
    if message.image_url:
        parts.append({"type": "image", "image": {"link": message.image_url}})
    if message.location is not None:
        where = message.location
        location: dict[str, Any] = {"latitude": where.latitude, "longitude": where.longitude}
        if where.title:
            location["name"] = where.title
        parts.append({"type": "location", "location": location})
    base = {"messaging_product": "whatsapp", "recipient_type": "individual"}
    return [base | _recipient(message.recipient_id) | part for part in parts]


def make_sender(settings: MessagingSettings) -> Any:
    async def send(message: OutboundMessage) -> SendResult:
        own = settings.for_channel(message.channel_code)  # this channel's number and token
        url = (
            f"{own.meta_graph_base.rstrip('/')}/{own.meta_graph_version}"
            f"/{own.whatsapp_phone_number_id}/messages"
        )
        headers = {"Authorization": f"Bearer {own.whatsapp_access_token}"}
        planned = bodies(message)
        if not planned:
            return SendResult(external_id=None, error="nothing WhatsApp can send")
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


def graph_result(response: httpx.Response) -> SendResult:
    """A Graph API answer: ``messages[0].id`` (WhatsApp) or ``message_id`` (Messenger), or an
    ``error`` object whose code says whether a retry may pass."""
    try:
        data = response.json()
    except ValueError:
        data = {}
    if response.is_success and isinstance(data, dict):
        messages = data.get("messages") or [{}]
        ident = messages[0].get("id") if isinstance(messages[0], dict) else None
        return SendResult(external_id=ident or data.get("message_id"))
    error = data.get("error") if isinstance(data, dict) else None
    error = error if isinstance(error, dict) else {}
    code = error.get("code")
    retryable = (
        response.status_code == 429
        or response.status_code >= 500
        or code in RETRYABLE_CODES
        or bool(error.get("is_transient"))
    )
    limited = response.status_code == 429 or code in RATE_LIMIT_CODES
    return SendResult(
        external_id=None,
        retryable=retryable,
        error=f"graph {response.status_code} code {code}: {str(error.get('message'))[:300]}",
        retry_after=graph_retry_after(response) if limited else None,
    )


def graph_retry_after(response: httpx.Response) -> float | None:
    """How long a rate-limited Graph call asks us to wait: ``Retry-After`` when present, else
    the longest ``estimated_time_to_regain_access`` (minutes) in ``X-Business-Use-Case-Usage``
    (a JSON map: business id -> usage entries); None leaves it to the back-off."""
    header = retry_after_header(response)
    if header is not None:
        return header
    try:
        usage = json.loads(response.headers.get("X-Business-Use-Case-Usage") or "{}")
    except ValueError:
        return None
    minutes = [
        entry.get("estimated_time_to_regain_access")
        for entries in (usage.values() if isinstance(usage, dict) else ())
        if isinstance(entries, list)
        for entry in entries
        if isinstance(entry, dict)
    ]
    waits = [w for m in minutes if (w := seconds(m)) is not None]
    return seconds(max(waits) * 60) if waits else None
