"""A WhatsApp Cloud API webhook (``object: whatsapp_business_account``) as inbound messages.

The sender is the business-scoped user id (``contacts[].user_id`` / ``messages[].from_user_id``)
when present, else the wa_id: a user who hides their phone number has no ``from`` at all.
"""

from __future__ import annotations

from typing import Any

from omnishop.conversations.wire import InboundMessage, Location, Media, OrderItem
from omnishop.messaging.common import Malformed, timestamp


def _dict(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise Malformed(f"{what} is not an object")
    return value


def _list(value: Any, what: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise Malformed(f"{what} is not a list")
    return value


def parse(data: dict[str, Any], *, channel_code: str) -> tuple[InboundMessage, ...]:
    if data.get("object") != "whatsapp_business_account":
        raise Malformed("not a WhatsApp Business Account webhook")
    out: list[InboundMessage] = []
    for entry in _list(data.get("entry"), "entry"):
        for change in _list(_dict(entry, "entry").get("changes"), "changes"):
            change = _dict(change, "change")
            if change.get("field") != "messages":
                continue
            value = _dict(change.get("value"), "value")
            contacts = [_dict(c, "contact") for c in _list(value.get("contacts"), "contacts")]
            for raw in _list(value.get("messages"), "messages"):
                one = _message(_dict(raw, "message"), contacts, channel_code)
                if one is not None:
                    out.append(one)
            for raw in _list(value.get("statuses"), "statuses"):
                out.append(_status(_dict(raw, "status"), channel_code))
    return tuple(out)


def _sender(message: dict[str, Any], contacts: list[dict[str, Any]]) -> tuple[str, dict[str, Any]]:
    wa_id = message.get("from")
    contact = next((c for c in contacts if wa_id and c.get("wa_id") == wa_id), None)
    if contact is None and len(contacts) == 1:
        contact = contacts[0]
    contact = contact or {}
    user_id = message.get("from_user_id") or contact.get("user_id")
    sender = user_id or wa_id or contact.get("wa_id")
    if not sender:
        raise Malformed("a message without a sender")
    profile: dict[str, Any] = {}
    name = _dict(contact.get("profile") or {}, "profile").get("name")
    if name:
        profile["name"] = name
    if wa_id or contact.get("wa_id"):
        profile["phone"] = "+" + str(wa_id or contact.get("wa_id")).lstrip("+")
    if user_id:
        profile["user_id"] = user_id
    return str(sender), profile


def _message(
    raw: dict[str, Any], contacts: list[dict[str, Any]], channel_code: str
) -> InboundMessage | None:
    ident = raw.get("id")
    if not isinstance(ident, str) or not ident:
        raise Malformed("a message without an id")
    sender, profile = _sender(raw, contacts)
    kind = raw.get("type")
    common: dict[str, Any] = {
        "platform": "whatsapp",
        "channel_code": channel_code,
        "external_id": ident,
        "sender_id": sender,
        "sent_at": timestamp(raw.get("timestamp")),
        "profile": profile,
    }
    context = raw.get("context")
    if isinstance(context, dict) and context.get("id"):
        common["reply_to"] = str(context["id"])
    body = raw.get(str(kind)) if kind else None
    if kind == "text":
        return InboundMessage(**common, kind="text", text=str(_dict(body, "text").get("body", "")))
    if kind == "interactive":
        inner = _dict(body, "interactive")
        reply = inner.get("button_reply") or inner.get("list_reply")
        if inner.get("type") == "nfm_reply" or not isinstance(reply, dict):
            return None
        return InboundMessage(
            **common, kind="button", payload=str(reply.get("id")), text=reply.get("title")
        )
    if kind == "button":  # a template's quick-reply button
        inner = _dict(body, "button")
        return InboundMessage(
            **common, kind="button", payload=inner.get("payload"), text=inner.get("text")
        )
    if kind == "location":
        inner = _dict(body, "location")
        try:
            where = Location(
                latitude=float(inner["latitude"]),
                longitude=float(inner["longitude"]),
                title=inner.get("name") or inner.get("address"),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise Malformed("a location without coordinates") from exc
        return InboundMessage(**common, kind="location", location=where)
    if kind == "image":
        inner = _dict(body, "image")
        media = Media(
            media_id=inner.get("id"), mime_type=inner.get("mime_type"), caption=inner.get("caption")
        )
        return InboundMessage(**common, kind="image", media=media, text=inner.get("caption"))
    if kind == "order":
        inner = _dict(body, "order")
        items = []
        for item in _list(inner.get("product_items"), "product_items"):
            item = _dict(item, "product_item")
            try:
                items.append(
                    OrderItem(
                        retailer_id=str(item["product_retailer_id"]),
                        quantity=int(item["quantity"]),
                        item_price=str(item["item_price"]) if "item_price" in item else None,
                        currency=item.get("currency"),
                    )
                )
            except (KeyError, TypeError, ValueError) as exc:
                raise Malformed("an order item without product_retailer_id/quantity") from exc
        return InboundMessage(
            **common,
            kind="order",
            order_items=tuple(items),
            text=inner.get("text"),
            meta={"catalog_id": inner.get("catalog_id")},
        )
    return None  # audio, stickers, reactions, unsupported…: not understood yet


def _status(raw: dict[str, Any], channel_code: str) -> InboundMessage:
    ident, status = raw.get("id"), raw.get("status")
    if not ident or not status:
        raise Malformed("a status without id or status")
    recipient = raw.get("recipient_user_id") or raw.get("recipient_id") or "unknown"
    errors = _list(raw.get("errors"), "errors")
    meta: dict[str, Any] = {}
    if errors and isinstance(errors[0], dict):
        first = errors[0]
        meta["error"] = f"{first.get('code')}: {first.get('title') or first.get('message')}"
    return InboundMessage(
        platform="whatsapp",
        channel_code=channel_code,
        external_id=f"status:{ident}:{status}",
        sender_id=str(recipient),
        kind="status",
        sent_at=timestamp(raw.get("timestamp")),
        status=str(status),
        reply_to=str(ident),
        meta=meta,
    )
