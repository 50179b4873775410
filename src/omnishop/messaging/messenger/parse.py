"""A Messenger page webhook (``object: page``) as inbound messages.

Each ``entry[].messaging[]`` event is one message (``mid``), quick reply, postback or delivery
report; echoes of our own messages and read receipts (a watermark, no ids) are skipped.
"""

from __future__ import annotations

from typing import Any

from omnishop.conversations.wire import InboundMessage, Location, Media
from omnishop.messaging.common import Malformed, timestamp


def parse(data: dict[str, Any], *, channel_code: str) -> tuple[InboundMessage, ...]:
    if data.get("object") != "page":
        raise Malformed("not a Messenger page webhook")
    entries = data.get("entry")
    if not isinstance(entries, list):
        raise Malformed("entry is not a list")
    out: list[InboundMessage] = []
    for entry in entries:
        events = entry.get("messaging") if isinstance(entry, dict) else None
        if not isinstance(events, list):
            raise Malformed("entry.messaging is not a list")
        for event in events:
            if not isinstance(event, dict):
                raise Malformed("a messaging event is not an object")
            out.extend(_event(event, channel_code))
    return tuple(out)


def _event(event: dict[str, Any], channel_code: str) -> list[InboundMessage]:
    sender = event.get("sender")
    psid = sender.get("id") if isinstance(sender, dict) else None
    if not psid:
        raise Malformed("an event without sender.id")
    base: dict[str, Any] = {
        "platform": "messenger",
        "channel_code": channel_code,
        "sender_id": str(psid),
        "sent_at": timestamp(event.get("timestamp"), millis=True),
    }
    message = event.get("message")
    if isinstance(message, dict):
        if message.get("is_echo"):
            return []
        return _message(message, base)
    postback = event.get("postback")
    if isinstance(postback, dict):
        mid = postback.get("mid") or f"postback:{psid}:{event.get('timestamp')}"
        return [
            InboundMessage(
                **base,
                external_id=str(mid),
                kind="button",
                payload=postback.get("payload"),
                text=postback.get("title"),
            )
        ]
    delivery = event.get("delivery")
    if isinstance(delivery, dict):
        return [
            InboundMessage(
                **base,
                external_id=f"delivery:{mid}",
                kind="status",
                status="delivered",
                reply_to=str(mid),
            )
            for mid in delivery.get("mids") or []
        ]
    return []  # read receipts, reactions, referrals, optins…: nothing to store yet


def _message(message: dict[str, Any], base: dict[str, Any]) -> list[InboundMessage]:
    mid = message.get("mid")
    if not mid:
        raise Malformed("a message without mid")
    base = base | {"external_id": str(mid)}
    reply = message.get("reply_to")
    if isinstance(reply, dict) and reply.get("mid"):
        base["reply_to"] = str(reply["mid"])
    quick = message.get("quick_reply")
    if isinstance(quick, dict):
        return [
            InboundMessage(
                **base, kind="button", payload=quick.get("payload"), text=message.get("text")
            )
        ]
    for attachment in message.get("attachments") or []:
        if not isinstance(attachment, dict):
            raise Malformed("an attachment is not an object")
        payload = attachment.get("payload") or {}
        if attachment.get("type") == "image":
            media = Media(url=payload.get("url"), mime_type="image/*")
            return [InboundMessage(**base, kind="image", media=media, text=message.get("text"))]
        if attachment.get("type") == "location":
            coordinates = payload.get("coordinates") or {}
            try:
                where = Location(
                    latitude=float(coordinates["lat"]), longitude=float(coordinates["long"])
                )
            except (KeyError, TypeError, ValueError) as exc:
                raise Malformed("a location without coordinates") from exc
            return [InboundMessage(**base, kind="location", location=where)]
    if message.get("text") is not None:
        return [InboundMessage(**base, kind="text", text=str(message["text"]))]
    return []  # stickers, audio…: not understood yet
