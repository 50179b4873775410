"""A Telegram Update (parsed with aiogram's types) as neutral inbound messages.

Dedupe keys: a message is unique per chat (``m:<chat>:<message_id>``), a callback query, a
shipping query and a pre-checkout query by their ids, a successful payment by
``telegram_payment_charge_id`` (so a payment is recorded once however Telegram redelivers it).
Addresses and order info keep the Bot API's field names (ShippingAddress, OrderInfo).
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from omnishop.conversations.wire import InboundMessage, Location, Media
from omnishop.kernel import clock
from omnishop.messaging.common import Malformed

if TYPE_CHECKING:
    from aiogram.types import Message, OrderInfo, ShippingAddress, Update, User


@cache
def _update_type() -> type[Update]:
    # aiogram.types costs seconds of CPU to import (hundreds of pydantic models): only a shop
    # that receives Telegram updates pays for it, once.
    from aiogram.types import Update

    return Update


def _profile(user: User) -> dict[str, Any]:
    profile = {
        "first_name": user.first_name,
        "last_name": user.last_name,
        "username": user.username,
        "language_code": user.language_code,
    }
    return {k: v for k, v in profile.items() if v}


def _address(address: ShippingAddress | None) -> dict[str, str] | None:
    if address is None:
        return None
    return address.model_dump(include={
        "country_code", "state", "city", "street_line1", "street_line2", "post_code",
    })  # fmt: skip


def _order_info(info: OrderInfo | None) -> dict[str, Any] | None:
    """What the buyer gave Telegram for the invoice (name, phone, email, address), if any."""
    if info is None:
        return None
    found = {
        "name": info.name,
        "phone_number": info.phone_number,
        "email": info.email,
        "shipping_address": _address(info.shipping_address),
    }
    return {k: v for k, v in found.items() if v} or None


def parse(data: dict[str, Any], *, channel_code: str) -> tuple[InboundMessage, ...]:
    """Malformed (400) when the body is not an Update; updates we do not use give ()."""
    try:
        update = _update_type().model_validate(data)
    except ValidationError as exc:
        raise Malformed(f"not a Telegram Update: {exc.error_count()} errors") from exc
    base: dict[str, Any] = {"platform": "telegram", "channel_code": channel_code}
    if update.callback_query is not None:
        query = update.callback_query
        origin = query.message
        return (
            InboundMessage(
                **base,
                external_id=f"cb:{query.id}",
                sender_id=str(query.from_user.id),
                kind="button",
                sent_at=origin.date if origin is not None and origin.date else clock.now(),
                payload=query.data,
                profile=_profile(query.from_user),
                meta={"callback_query_id": query.id}
                | ({"message_id": origin.message_id} if origin is not None else {}),
            ),
        )
    if update.shipping_query is not None:
        asked = update.shipping_query
        return (
            InboundMessage(
                **base,
                external_id=f"sq:{asked.id}",
                sender_id=str(asked.from_user.id),
                kind="shipping_query",
                sent_at=clock.now(),
                payload=asked.invoice_payload,
                payment={
                    "shipping_query_id": asked.id,
                    "invoice_payload": asked.invoice_payload,
                    "shipping_address": _address(asked.shipping_address),
                },
                profile=_profile(asked.from_user),
                meta={"shipping_query_id": asked.id},
            ),
        )
    if update.pre_checkout_query is not None:
        pcq = update.pre_checkout_query
        return (
            InboundMessage(
                **base,
                external_id=f"pcq:{pcq.id}",
                sender_id=str(pcq.from_user.id),
                kind="pre_checkout",
                sent_at=clock.now(),
                payload=pcq.invoice_payload,
                payment={
                    "pre_checkout_query_id": pcq.id,
                    "currency": pcq.currency,
                    "total_amount": pcq.total_amount,
                    "invoice_payload": pcq.invoice_payload,
                    "shipping_option_id": pcq.shipping_option_id,
                    "order_info": _order_info(pcq.order_info),
                },
                profile=_profile(pcq.from_user),
                meta={"pre_checkout_query_id": pcq.id},
            ),
        )
    member = update.my_chat_member
    if member is not None and member.chat.type == "private":
        # The customer blocked the bot (kicked) or unblocked it (member): their consent.
        status = member.new_chat_member.status
        if status in ("kicked", "member"):
            return (
                InboundMessage(
                    **base,
                    external_id=f"member:{member.from_user.id}:{int(member.date.timestamp())}",
                    sender_id=str(member.from_user.id),
                    kind="opt_out" if status == "kicked" else "opt_in",
                    sent_at=member.date,
                    profile=_profile(member.from_user),
                ),
            )
        return ()
    message = update.message
    if message is None or message.from_user is None or message.from_user.is_bot:
        return ()  # edited messages, channel posts, chat member updates…: not a conversation
    if message.chat.type != "private":
        return ()  # a group the bot sits in: replies go to the customer's own chat only
    one = _message(message, base)
    return () if one is None else (one,)


def _message(message: Message, base: dict[str, Any]) -> InboundMessage | None:
    user = message.from_user
    assert user is not None
    common: dict[str, Any] = {
        **base,
        "external_id": f"m:{message.chat.id}:{message.message_id}",
        "sender_id": str(user.id),
        "sent_at": message.date,
        "profile": _profile(user),
        "meta": {"chat_id": message.chat.id, "message_id": message.message_id},
    }
    if message.successful_payment is not None:
        paid = message.successful_payment
        common["external_id"] = f"pay:{paid.telegram_payment_charge_id}"
        return InboundMessage(
            **common,
            kind="payment",
            payload=paid.invoice_payload,
            payment={
                "telegram_payment_charge_id": paid.telegram_payment_charge_id,
                "provider_payment_charge_id": paid.provider_payment_charge_id,
                "currency": paid.currency,
                "total_amount": paid.total_amount,
                "invoice_payload": paid.invoice_payload,
                "shipping_option_id": paid.shipping_option_id,
                "order_info": _order_info(paid.order_info),
            },
        )
    if message.location is not None:
        where = message.location
        return InboundMessage(
            **common,
            kind="location",
            location=Location(latitude=where.latitude, longitude=where.longitude),
        )
    if message.photo:
        largest = max(message.photo, key=lambda p: p.width * p.height)
        return InboundMessage(
            **common,
            kind="image",
            text=message.caption,
            media=Media(media_id=largest.file_id, mime_type="image/jpeg", caption=message.caption),
        )
    if message.contact is not None and message.contact.user_id == user.id:
        # The customer shared their own number (a "share my phone" button).
        common["profile"] = common["profile"] | {"phone": message.contact.phone_number}
        return InboundMessage(**common, kind="text", text=message.contact.phone_number)
    if message.text is not None:
        return InboundMessage(**common, kind="text", text=message.text)
    return None  # stickers, voice, video…: not understood yet
