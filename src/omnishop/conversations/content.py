"""Message bodies as JSON: the stored form of inbound messages and outbound content."""

from __future__ import annotations

import dataclasses
from typing import Any

from omnishop.conversations.wire import (
    Button,
    Card,
    InboundMessage,
    Invoice,
    Location,
    OutboundContent,
    Template,
)


def _clean(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items() if v not in (None, (), [], {})}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def inbound_body(message: InboundMessage) -> dict[str, Any]:
    """What the customer sent, as JSON (the platform's sender/ids live in columns)."""
    raw = dataclasses.asdict(message)
    for key in ("platform", "channel_code", "external_id", "sender_id", "kind", "sent_at"):
        raw.pop(key, None)
    body: dict[str, Any] = _clean(raw)
    body["sent_at"] = message.sent_at.isoformat()
    return body


def outbound_body(content: OutboundContent) -> dict[str, Any]:
    body: dict[str, Any] = _clean(dataclasses.asdict(content))
    return body


def outbound_kind(content: OutboundContent) -> str:
    """A short name for lists and metrics: the richest part of the content."""
    for kind, present in (
        ("invoice", content.invoice),
        ("template", content.template),
        ("cards", content.cards),
        ("location", content.location),
        ("image", content.image_url),
        ("buttons", content.buttons),
        ("text", content.text),
    ):
        if present:
            return kind
    return "answer" if content.answer else "empty"


def _button(data: dict[str, Any]) -> Button:
    return Button(label=data["label"], payload=data.get("payload"), url=data.get("url"))


def content_from_body(body: dict[str, Any]) -> OutboundContent:
    """The inverse of ``outbound_body``."""
    cards = tuple(
        Card(
            title=c["title"],
            subtitle=c.get("subtitle"),
            image_url=c.get("image_url"),
            url=c.get("url"),
            buttons=tuple(_button(b) for b in c.get("buttons", [])),
        )
        for c in body.get("cards", [])
    )
    location = body.get("location")
    template = body.get("template")
    invoice = body.get("invoice")
    return OutboundContent(
        text=body.get("text"),
        buttons=tuple(_button(b) for b in body.get("buttons", [])),
        cards=cards,
        image_url=body.get("image_url"),
        location=Location(**location) if location else None,
        template=(
            Template(
                name=template["name"],
                language=template["language"],
                parameters=tuple(template.get("parameters", [])),
                tag=template.get("tag"),
            )
            if template
            else None
        ),
        invoice=(
            Invoice(
                title=invoice["title"],
                description=invoice["description"],
                payload=invoice["payload"],
                currency=invoice["currency"],
                prices=tuple((str(label), int(amount)) for label, amount in invoice["prices"]),
                need_name=bool(invoice.get("need_name")),
                need_phone_number=bool(invoice.get("need_phone_number")),
                need_shipping_address=bool(invoice.get("need_shipping_address")),
                is_flexible=bool(invoice.get("is_flexible")),
            )
            if invoice
            else None
        ),
        answer=body.get("answer"),
    )
