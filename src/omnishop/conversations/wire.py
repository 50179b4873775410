"""The neutral shapes that cross between messenger adapters (messaging/) and this domain.

An adapter turns a platform's webhook into ``InboundMessage`` values (one per message or
event in the delivery) and hands them to ``conversations.service.receive``. Replies leave the
domain as ``OutboundMessage`` values; the outbox handler passes each to the ``Sender`` that
the adapter registered for its platform at start-up (a domain never imports a head, so the
head registers itself here, as payment gateways do in payments.gateway).
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

Platform = Literal["telegram", "whatsapp", "messenger", "sms", "webchat"]
InboundKind = Literal[
    "text",  # text (also a quick reply / button text)
    "button",  # callback query, postback, interactive reply: ``payload`` holds our data
    "location",
    "image",
    "order",  # WhatsApp catalog order: ``order_items``
    "shipping_query",  # Telegram shipping_query (a flexible invoice's address): ``payment``
    "pre_checkout",  # Telegram pre_checkout_query: ``payment``
    "payment",  # Telegram successful_payment: ``payment``
    "status",  # delivery/read status of a message we sent: ``status``, ``reply_to``
    "opt_out",  # STOP and friends
    "opt_in",  # START and friends
]


@dataclass(frozen=True)
class Location:
    latitude: float
    longitude: float
    title: str | None = None


@dataclass(frozen=True)
class Media:
    """A photo or file: the platform's id (fetch later) and/or a URL we can show."""

    media_id: str | None = None
    url: str | None = None
    mime_type: str | None = None
    caption: str | None = None


@dataclass(frozen=True)
class OrderItem:
    """One item of a WhatsApp catalog order (product_retailer_id is our SKU)."""

    retailer_id: str
    quantity: int
    item_price: str | None = None  # as the platform sent it (a decimal string)
    currency: str | None = None


@dataclass(frozen=True)
class InboundMessage:
    platform: Platform
    channel_code: str
    # The platform's id of this message/event: the dedupe key together with the channel.
    external_id: str
    # Who wrote: Telegram user id, WhatsApp business-scoped user id (contacts[].user_id,
    # falling back to wa_id only when absent), Messenger PSID, E.164 phone, webchat visitor id.
    sender_id: str
    kind: InboundKind
    sent_at: datetime
    text: str | None = None
    payload: str | None = None  # our callback data / postback payload
    location: Location | None = None
    media: Media | None = None
    order_items: tuple[OrderItem, ...] = ()
    # Telegram payments / statuses: the raw fields the domain needs (ids, amounts, status).
    payment: dict[str, Any] | None = None
    status: str | None = None
    reply_to: str | None = None  # external id of the message this refers to
    # What the platform told us about the sender (name, username, phone, language).
    profile: dict[str, Any] = field(default_factory=dict)
    # Platform-specific extras that must reach the reply (e.g. a callback query id to answer).
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Button:
    label: str
    payload: str | None = None  # sent back to us as an InboundMessage of kind "button"
    url: str | None = None  # opens a link instead


@dataclass(frozen=True)
class Card:
    """A product card: title, price line, photo, buttons."""

    title: str
    subtitle: str | None = None
    image_url: str | None = None
    url: str | None = None
    buttons: tuple[Button, ...] = ()


@dataclass(frozen=True)
class Template:
    """An approved template (WhatsApp) or a message tag (Messenger) for a message sent
    outside the platform's customer-service window."""

    name: str
    language: str
    parameters: tuple[str, ...] = ()
    tag: str | None = None  # Messenger: POST_PURCHASE_UPDATE, ACCOUNT_UPDATE, HUMAN_AGENT


@dataclass(frozen=True)
class Invoice:
    """Telegram Payments sendInvoice: prices in minor units."""

    title: str
    description: str
    payload: str  # our reference (cart token), echoed in pre_checkout/successful_payment
    currency: str
    prices: tuple[tuple[str, int], ...]
    # Delivery: Telegram asks the buyer for these, and (flexible) for the shipping option,
    # priced by us when it sends the address (a shipping_query).
    need_name: bool = False
    need_phone_number: bool = False
    need_shipping_address: bool = False
    is_flexible: bool = False


@dataclass(frozen=True)
class OutboundMessage:
    message_id: uuid.UUID  # our id: idempotency key for the send
    platform: Platform
    channel_code: str
    recipient_id: str
    text: str | None = None
    buttons: tuple[Button, ...] = ()
    cards: tuple[Card, ...] = ()
    image_url: str | None = None
    location: Location | None = None
    template: Template | None = None
    invoice: Invoice | None = None
    # Answers to platform calls that must be made now (Telegram callback/pre-checkout ids).
    answer: dict[str, Any] | None = None


@dataclass(frozen=True)
class SendResult:
    external_id: str | None  # the platform's id of what we sent
    # True when a retry could succeed (timeouts, 429, 5xx); False for a permanent refusal.
    retryable: bool = False
    error: str | None = None
    # Seconds the platform asked us to wait before trying again (a 429's retry_after /
    # Retry-After); the next attempt is never earlier.
    retry_after: float | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


Sender = Callable[[OutboundMessage], Awaitable[SendResult]]
_senders: dict[str, Sender] = {}


def register_sender(platform: str, sender: Sender) -> None:
    """Called by each messaging adapter at app start-up."""
    _senders[platform] = sender


def sender_for(platform: str) -> Sender | None:
    return _senders.get(platform)


@dataclass(frozen=True)
class OutboundContent:
    """What a message says, before it has an id and a recipient: ``conversations.service.send``
    stores it on the Message and the outbox handler turns it into an ``OutboundMessage``."""

    text: str | None = None
    buttons: tuple[Button, ...] = ()
    cards: tuple[Card, ...] = ()
    image_url: str | None = None
    location: Location | None = None
    template: Template | None = None
    invoice: Invoice | None = None
    answer: dict[str, Any] | None = None
