"""Unasked messages, opt-in only and event-triggered (order paid, shipped, ready for pickup,
delivered; later back in stock, a cart reminder). There is deliberately no broadcast: every
message answers one event about one customer, goes to a chat where they opted in, at most
``CAP`` a day, never in their quiet hours (held until morning), and says how to stop."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass

from babel.core import get_global
from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.conversations import rules, service, window_rules
from omnishop.conversations.models import Consent, Conversation, Message
from omnishop.conversations.wire import Button, OutboundContent, Template
from omnishop.customers.models import Customer
from omnishop.kernel import clock, i18n
from omnishop.kernel.i18n import N_
from omnishop.kernel.logging import get_logger

log = get_logger(__name__)
CAP = rules.Cap(count=3)
QUIET = rules.Quiet()
# The zone a country mostly lives in (Babel lists a country's zones alphabetically).
MAIN_ZONE = {
    "RU": "Europe/Moscow",
    "GE": "Asia/Tbilisi",
    "US": "America/New_York",
    "KZ": "Asia/Almaty",
    "UA": "Europe/Kyiv",
    "BR": "America/Sao_Paulo",
    "CA": "America/Toronto",
    "AU": "Australia/Sydney",
    "MX": "America/Mexico_City",
    "ID": "Asia/Jakarta",
}

# What each trigger says: English msgids, read in the chat's language from the catalogs.
TEXTS: dict[str, str] = {
    "order_paid": N_("Order {number} is paid. We are preparing it."),
    "order_shipped": N_("Order {number} is on its way. {tracking}"),
    "order_ready_for_pickup": N_("Order {number} is ready for pickup."),
    "back_in_stock": N_("{title} is back in stock."),
    "cart_reminder": N_("You left {count} item(s) in your cart. Ready to check out?"),
    "order_delivered": N_("Order {number} was delivered. Thank you!"),
}
TRACK = N_("Tracking number: {code}")
STATUS_BUTTON = N_("Order status")


def customer_zone(country: str | None) -> str:
    """The customer's time zone from their country (UTC when unknown)."""
    if not country:
        return "UTC"
    if country in MAIN_ZONE:
        return MAIN_ZONE[country]
    zones = get_global("territory_zones").get(country, [])
    return zones[0] if len(zones) == 1 else "UTC"


@dataclass(frozen=True)
class Outcome:
    sent: bool
    reason: str  # "queued" | "scheduled" | "no_consent" | "capped" | "duplicate" | ...
    message_id: uuid.UUID | None = None


def notification_key(trigger: str, reference: str) -> str:
    """A short stable key for one notification (one event about one thing)."""
    return f"{trigger}:{hashlib.sha256(reference.encode()).hexdigest()[:16]}"


async def _target(
    session: AsyncSession, customer_id: uuid.UUID, purpose: str
) -> Conversation | None:
    """The customer's chat where they opted in for ``purpose``; the last active one wins."""
    query = (
        select(Conversation)
        .join(
            Consent,
            and_(
                Consent.channel_id == Conversation.channel_id,
                Consent.identity_id == Conversation.identity_id,
            ),
        )
        .where(
            Conversation.customer_id == customer_id,
            Consent.purpose == purpose,
            Consent.opted_in.is_(True),
        )
        .order_by(Conversation.last_inbound_at.desc().nulls_last(), Conversation.id.desc())
        .limit(1)
    )
    found: Conversation | None = await session.scalar(query)
    return found


async def _asked(session: AsyncSession, conversation_id: uuid.UUID) -> Conversation | None:
    conversation = await session.get(Conversation, conversation_id)
    if conversation is None or conversation.identity_id is None:
        return None
    refused = await session.scalar(
        select(Consent.id).where(
            Consent.channel_id == conversation.channel_id,
            Consent.identity_id == conversation.identity_id,
            Consent.opted_in.is_(False),
        )
    )
    return None if refused is not None else conversation


async def notify(
    *,
    session: AsyncSession,
    customer_id: uuid.UUID,
    trigger: str,
    reference: str,
    params: dict[str, str],
    url: str | None = None,
    asked_in: uuid.UUID | None = None,
) -> Outcome:
    """One event-triggered message to one customer, if and where they allow it. Idempotent
    on (trigger, reference): a redelivered event sends nothing more. ``asked_in``: the chat
    where the customer asked for exactly this message ("tell me when it is back"); that
    request is their consent unless they said STOP there."""
    spec = window_rules.TEMPLATES.get(trigger)
    if spec is None or trigger not in TEXTS:
        raise ValueError(f"no notification for {trigger!r}")
    if asked_in is not None:
        conversation = await _asked(session, asked_in)
    else:
        conversation = await _target(session, customer_id, spec.purpose)
    if conversation is None:
        return Outcome(False, "no_consent")
    key = notification_key(trigger, reference)
    conversations_of_customer = select(Conversation.id).where(
        Conversation.customer_id == customer_id
    )
    earlier = list(
        await session.execute(
            select(Message.trigger, Message.created_at).where(
                Message.conversation_id.in_(conversations_of_customer),
                Message.direction == "out",
                Message.trigger.is_not(None),
            )
        )
    )
    if any(t == key for t, _ in earlier):
        return Outcome(False, "duplicate")
    now = clock.now()
    if rules.over_cap([at for _, at in earlier], now, CAP):
        log.info("notification capped", customer_id=str(customer_id), trigger=trigger)
        return Outcome(False, "capped")
    customer = await session.get(Customer, customer_id)
    tz = customer_zone(customer.country if customer else None)
    language = conversation.language
    values = {"tracking": "", **params}
    if params.get("tracking_code"):
        values["tracking"] = i18n.translate(TRACK, language, code=params["tracking_code"])
    text = i18n.translate(TEXTS[trigger], language, **values).strip()
    content = OutboundContent(
        text=rules.with_stop_line(text, language),
        buttons=(Button(i18n.translate(STATUS_BUTTON, language), url=url),) if url else (),
    )
    state = window_rules.window_state(
        platform=conversation.platform, last_inbound_at=conversation.last_inbound_at, now=now
    )
    if conversation.platform == "whatsapp" and state == "closed":
        content = OutboundContent(
            text=content.text,
            template=Template(
                name=spec.name,
                language=language,
                parameters=(params.get("number") or params.get("title") or "",),
            ),
        )
    until = rules.quiet_until(now, tz, QUIET)
    try:
        message = await service.send(
            session=session,
            conversation_id=conversation.id,
            content=content,
            author="system",
            trigger=trigger,
            key=key,
            not_before=until if until > now else None,
        )
    except service.WindowClosed:
        return Outcome(False, "window_closed")
    return Outcome(True, message.status, message.id)


async def notify_order(
    *,
    session: AsyncSession,
    customer_id: uuid.UUID | None,
    trigger: str,
    reference: str,
    number: str,
    tracking: str | None = None,
    url: str | None = None,
) -> Outcome:
    """An order's news, with its tracking number when there is one."""
    if customer_id is None:
        return Outcome(False, "no_customer")
    params = {"number": number}
    if tracking:
        params["tracking_code"] = tracking
    return await notify(
        session=session,
        customer_id=customer_id,
        trigger=trigger,
        reference=reference,
        params=params,
        url=url,
    )
