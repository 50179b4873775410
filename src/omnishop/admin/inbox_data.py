"""What the operator inbox shows and sends, loaded once per page from the domain services:
the lists, one chat's screen (thread, window, customer, identities, orders, loyalty), product
cards for the picker, and canned replies with variables.

The customer's name and contacts are read from the customer row directly: the back-office is
the accepted exception to "a domain's tables are its own" (see admin/base.py).
"""

from __future__ import annotations

import string
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.catalog import service as catalog
from omnishop.channels import service as channels
from omnishop.checkout import service as checkout
from omnishop.checkout.schemas import CartView
from omnishop.conversations import feed, handoff, notes
from omnishop.conversations import service as conversations
from omnishop.conversations.bot import rules as bot_rules
from omnishop.conversations.schemas import ConversationInfo, MessageInfo
from omnishop.conversations.wire import Button, Card
from omnishop.customers import identities
from omnishop.customers.identities import IdentityInfo
from omnishop.customers.models import Customer, StaffUser
from omnishop.inventory import service as inventory
from omnishop.inventory.models import Location
from omnishop.kernel import clock, i18n
from omnishop.kernel.errors import NotFound, ValidationFailed
from omnishop.kernel.i18n import N_
from omnishop.loyalty import service as loyalty
from omnishop.loyalty.schemas import LoyaltySummary
from omnishop.orders import listing as orders
from omnishop.orders.schemas import OrderSummary
from omnishop.search import service as search
from omnishop.search.schemas import ProductSummary, SearchQuery

# Product cards are priced and added to cart in the storefront's channel.
CARD_CHANNEL = "web"
WINDOW_WARNING_MINUTES = 60

# What the customer reads (cards, canned replies) is in the chat's language: the English
# msgids are translated through the gettext catalogs (ru, en, ka).
TEXTS: dict[str, str] = {
    "add": N_("Add to cart"),
    "open": N_("Open"),
    "in_stock": N_("in stock"),
    "out_of_stock": N_("out of stock"),
    "pay": N_("Pay"),
}
# Canned replies: {first_name} (and {first_name_sp}: ", Anna" or nothing) and {order_number}
# (the latest order) are filled from the chat's customer.
CANNED: dict[str, str] = {
    "hello": N_("Hello{first_name_sp}! How can I help?"),
    "order": N_("Your order {order_number} is on its way; the tracking link is in your account."),
    "thanks": N_("Thank you{first_name_sp}! Is there anything else I can do for you?"),
    "pay": N_("Here is a link to pay for your cart. Its items are held for you for a while."),
}


def say(texts: dict[str, str], key: str, language: str) -> str:
    """A customer-facing text in ``language`` (English when the catalog lacks it)."""
    return i18n.translate(texts[key], language)


@dataclass(frozen=True)
class Lists:
    queue: list[ConversationInfo]
    mine: list[ConversationInfo]
    colleagues: list[ConversationInfo]
    with_bot: list[ConversationInfo]
    operator: handoff.OperatorInfo | None
    mentions: list[notes.NoteInfo] = field(default_factory=list)  # notes naming me


@dataclass(frozen=True)
class ThreadScreen:
    """What the thread part of a chat screen shows (re-fetched on every live change)."""

    conversation: ConversationInfo
    channel_code: str
    messages: list[MessageInfo]
    window_note: str | None
    mine: bool


@dataclass(frozen=True)
class ChatScreen(ThreadScreen):
    customer: Customer | None = None
    identities: list[IdentityInfo] = field(default_factory=list)
    orders: list[OrderSummary] = field(default_factory=list)
    loyalty: LoyaltySummary | None = None
    products: list[ProductSummary] = field(default_factory=list)
    canned: dict[str, str] = field(default_factory=dict)  # key -> filled-in preview
    cart: CartView | None = None  # the cart the bot keeps for this chat
    stores: list[Location] = field(default_factory=list)  # shareable: they have coordinates
    notes: list[notes.NoteInfo] = field(default_factory=list)
    staff_names: dict[uuid.UUID, str] = field(default_factory=dict)


async def lists(*, session: AsyncSession, staff_id: uuid.UUID) -> Lists:
    """The inbox's four lists and the operator's own profile."""
    return Lists(
        queue=await handoff.queue(session=session),
        mine=await handoff.held_by(session=session, staff_id=staff_id),
        colleagues=await feed.held_by_others(session=session, staff_id=staff_id),
        with_bot=await feed.with_bot(session=session),
        operator=await feed.operator(session=session, staff_id=staff_id),
        mentions=await notes.mentioning(session=session, staff_id=staff_id, limit=10),
    )


def window_note(conversation: ConversationInfo, now: datetime, locale: str) -> str | None:
    """The channel's constraint on replying, in words in the operator's ``locale`` (None when
    there is none)."""
    closes = conversation.window_closes_at
    if closes is None:
        return None
    _ = i18n.translator(locale)
    if closes <= now:
        return _(
            "The %(platform)s 24-hour window is closed: only approved templates (WhatsApp) or "
            "tagged messages (Messenger) can be sent until the customer writes."
        ) % {"platform": conversation.platform}
    minutes = int((closes - now).total_seconds() // 60)
    if minutes <= WINDOW_WARNING_MINUTES:
        return _(
            "The %(platform)s window closes in %(minutes)s min; after that a template is needed."
        ) % {"platform": conversation.platform, "minutes": minutes}
    return None


async def chat(
    *,
    session: AsyncSession,
    conversation_id: uuid.UUID,
    staff_id: uuid.UUID,
    product_query: str | None = None,
    locale: str = i18n.DEFAULT_LOCALE,
) -> ChatScreen:
    """Everything the one-chat screen shows; the operator reads notes in ``locale``."""
    part = await thread(
        session=session, conversation_id=conversation_id, staff_id=staff_id, locale=locale
    )
    info = part.conversation
    customer = None
    linked: list[IdentityInfo] = []
    recent: list[OrderSummary] = []
    points = None
    if info.customer_id is not None:
        customer = await session.get(Customer, info.customer_id)
        linked = await identities.identities_of(session=session, customer_id=info.customer_id)
        page = await orders.customer_orders(
            session=session, customer_id=info.customer_id, cursor=None, limit=5
        )
        recent = page.data
        points = await loyalty.balance(session=session, customer_id=info.customer_id)
    products = await find_products(session=session, query=product_query) if product_query else []
    canned = {
        key: canned_text(key, customer=customer, orders=recent, language=info.language)
        for key in CANNED
    }
    cart = None
    token = await feed.cart_token(session=session, conversation_id=info.id)
    if token is not None:
        try:
            cart = await checkout.get_cart(session=session, token=token)
        except NotFound:
            cart = None
    return ChatScreen(
        conversation=info,
        channel_code=part.channel_code,
        messages=part.messages,
        window_note=part.window_note,
        mine=part.mine,
        customer=customer,
        identities=linked,
        orders=recent,
        loyalty=points,
        products=products,
        canned=canned,
        cart=cart,
        stores=await stores(session=session),
        notes=await notes.of_conversation(session=session, conversation_id=info.id),
        staff_names=await staff_names(session=session),
    )


async def thread(
    *,
    session: AsyncSession,
    conversation_id: uuid.UUID,
    staff_id: uuid.UUID,
    locale: str = i18n.DEFAULT_LOCALE,
) -> ThreadScreen:
    """Only the thread: what a live change re-renders (not the customer's orders, cart
    totals, stores and notes, which a busy chat would otherwise recompute every message)."""
    info = await conversations.get(session=session, conversation_id=conversation_id)
    channel = await channels.get(session=session, channel_id=info.channel_id)
    messages = await feed.after(session=session, conversation_id=info.id, cursor=None, limit=200)
    return ThreadScreen(
        conversation=info,
        channel_code=channel.code,
        messages=messages,
        window_note=window_note(info, clock.now(), locale),
        mine=info.status == "assigned" and info.assigned_staff_id == staff_id,
    )


def _handle(user: StaffUser) -> set[str]:
    """The @handles that name a colleague: their email's local part, their name run together."""
    return {user.email.split("@", 1)[0].lower(), "".join(user.name.split()).lower()}


async def staff_names(*, session: AsyncSession) -> dict[uuid.UUID, str]:
    rows = await session.scalars(select(StaffUser).where(StaffUser.active.is_(True)))
    return {u.id: u.name for u in rows}


async def resolve_mentions(*, session: AsyncSession, text: str) -> list[uuid.UUID]:
    """Active staff named by the note's @handles (unknown handles are ignored)."""
    handles = notes.mention_handles(text)
    if not handles:
        return []
    rows = await session.scalars(select(StaffUser).where(StaffUser.active.is_(True)))
    users = list(rows)
    return [u.id for h in handles for u in users if h in _handle(u)]


async def stores(*, session: AsyncSession) -> list[Location]:
    """Stores and pickup points an operator can share (those with a place on the map)."""
    return [
        loc
        for loc in await inventory.list_locations(session=session)
        if loc.latitude is not None
        and loc.longitude is not None
        and (loc.pickup or loc.kind == "store")
    ]


def location_text(location: Location, language: str) -> str:
    """Name, address and opening hours of a store, as one message in the chat's language."""
    parts = [location.name, ", ".join(p for p in (location.city, location.address) if p)]
    parts.append(bot_rules.hours_line(location.opening_hours or {}, language))
    return "\n".join(p for p in parts if p)


async def find_products(*, session: AsyncSession, query: str) -> list[ProductSummary]:
    """The product picker: the storefront's search, in the storefront's channel."""
    channel = await channels.get_by_code(session=session, code=CARD_CHANNEL)
    page = await search.search(
        session=session,
        channel=channel,
        query=SearchQuery(q=query[:200], limit=8, facets=False),
        locale=channel.default_locale,
    )
    return page.data


async def product_card(
    *, session: AsyncSession, slug: str, base_url: str, locale: str = "ru"
) -> Card:
    """A product as a chat card: photo, price and stock, "add to cart" and "open" buttons."""
    try:
        bundle = await catalog.get_bundle(session=session, id_or_slug=slug)
    except NotFound as exc:
        raise ValidationFailed("no such product", field="product") from exc
    shown = bundle.names.get(locale) or next(iter(bundle.names.values()), bundle.slug)
    found = [p for p in await find_products(session=session, query=shown) if p.slug == slug]
    summary = found[0] if found else None
    variant = next((v for v in bundle.variants if v.active), None)
    if variant is None or summary is None or summary.price is None:
        raise ValidationFailed("this product is not on sale in the shop", field="product")
    name = shown or summary.name
    stock = say(TEXTS, "in_stock" if summary.in_stock else "out_of_stock", locale)
    image = None
    if summary.image and summary.image.sizes:
        image = _absolute(base_url, sorted(summary.image.sizes.items())[-1][1])
    url = f"{base_url.rstrip('/')}/p/{bundle.slug}"
    buttons = [Button(label=say(TEXTS, "open", locale), url=url)]
    if summary.in_stock:
        add = Button(label=say(TEXTS, "add", locale), payload=f"cart:add:{variant.id}")
        buttons.insert(0, add)
    return Card(
        title=name,
        subtitle=f"{summary.price.formatted} · {stock}",
        image_url=image,
        url=url,
        buttons=tuple(buttons),
    )


def _absolute(base_url: str, path: str) -> str:
    return path if "://" in path else f"{base_url.rstrip('/')}/{path.lstrip('/')}"


def canned_text(
    key: str, *, customer: Customer | None, orders: list[OrderSummary], language: str
) -> str:
    """A canned reply in the chat's language with its variables filled."""
    if key not in CANNED:
        raise ValidationFailed("unknown canned reply", field="canned")
    template = say(CANNED, key, language)
    first = (customer.first_name or "") if customer else ""
    values: dict[str, Any] = {
        "first_name": first,
        "first_name_sp": f", {first}" if first else "",
        "order_number": orders[0].number if orders else "",
    }
    return string.Formatter().vformat(template, (), values)
