"""The bot's selling actions, each through the domain service a storefront page would use:
search -> product cards, variant choice, cart (one per conversation, its token in the dialogue
state), checkout (a pay link, or a Telegram invoice), a WhatsApp catalog order, product
questions. ``Turn`` is the message being answered."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.catalog import lookup
from omnishop.catalog import service as catalog
from omnishop.channels.models import Channel
from omnishop.checkout import service as checkout
from omnishop.checkout.models import CartState
from omnishop.checkout.schemas import CartView
from omnishop.conversations.bot import delivery as bot_delivery
from omnishop.conversations.bot import payments as bot_payments
from omnishop.conversations.bot import rules
from omnishop.conversations.bot.texts import refusal, t
from omnishop.conversations.models import Conversation, DialogueState
from omnishop.conversations.wire import Button, Card, OutboundContent
from omnishop.kernel.errors import DomainError, NotFound
from omnishop.search import service as search
from omnishop.search.schemas import ProductSummary, SearchQuery


@dataclass
class Turn:
    """One inbound message being answered: where, for whom, the state, and the replies."""

    session: AsyncSession
    conversation: Conversation
    channel: Channel
    state: DialogueState
    language: str
    base_url: str
    replies: list[OutboundContent] = field(default_factory=list)
    paused_now: bool = False  # a half-done flow was put aside in this turn: offer it back
    resolved: bool = False  # the customer is done (thanks/bye): the bot closes the chat

    def say(self, text: str | None = None, **content: Any) -> None:
        self.replies.append(OutboundContent(text=text, **content))

    @property
    def slots(self) -> dict[str, Any]:
        return self.state.slots

    def set(self, **values: Any) -> None:
        # A new dict: the JSON column notices reassignment, not in-place changes.
        self.state.slots = {**self.state.slots, **values}

    def go(self, flow: str | None, step: str | None = None, **slots: Any) -> None:
        kept, _ = rules.split_slots(self.state.slots)
        self.state.flow, self.state.step = flow, step
        self.state.slots = {**kept, **slots}


def menu(turn: Turn) -> tuple[Button, ...]:
    lang = turn.language
    return (
        Button(t("menu.search", lang), payload=rules.payload("search")),
        Button(t("menu.cart", lang), payload=rules.payload("cart")),
        Button(t("menu.orders", lang), payload=rules.payload("orders")),
        Button(t("menu.human", lang), payload=rules.payload("human")),
    )


def _image(summary: ProductSummary) -> str | None:
    if summary.image is None or not summary.image.sizes:
        return None
    sizes = summary.image.sizes
    best = max(sizes, key=lambda k: int(k) if k.isdigit() else 0)
    return sizes[best]


def card(turn: Turn, summary: ProductSummary) -> Card:
    lang = turn.language
    price = summary.price.formatted if summary.price else ""
    stock = t("in_stock" if summary.in_stock else "out_of_stock", lang)
    buttons = (Button(t("add", lang), payload=rules.payload("pick", str(summary.id))),)
    image = _image(summary)
    if image and image.startswith("/"):
        image = turn.base_url.rstrip("/") + image
    return Card(
        title=summary.name,
        subtitle=" · ".join(x for x in (price, stock) if x),
        image_url=image,
        url=rules.product_link(turn.base_url, summary.slug),
        buttons=buttons if summary.in_stock and summary.price else (),
    )


async def find(
    turn: Turn, q: str | None, cursor: str | None = None, size: str | None = None
) -> None:
    """A page of product cards for ``q``, "more" when there is another page; a size said
    with it is kept for the variant choice."""
    size = size or turn.slots.get("size")
    if not q:
        turn.go("search", "ask")
        turn.say(t("ask.product", turn.language))
        return
    page = await search.search(
        session=turn.session,
        channel=turn.channel,
        query=SearchQuery(q=q, cursor=cursor, limit=rules.PAGE_SIZE, facets=False),
        locale=turn.language,
    )
    turn.go("search", "results", q=q, cursor=page.next_cursor, **({"size": size} if size else {}))
    if not page.data:
        turn.say(t("nothing", turn.language, q=q))
        return
    more = (
        (Button(t("more", turn.language), payload=rules.payload("more")),)
        if page.next_cursor
        else ()
    )
    turn.say(
        t("found", turn.language, q=page.corrected_query or q),
        cards=tuple(card(turn, s) for s in page.data),
        buttons=more,
    )


async def more(turn: Turn) -> None:
    q, cursor = turn.slots.get("q"), turn.slots.get("cursor")
    if not q or not cursor:
        await find(turn, q)
        return
    await find(turn, q, cursor)


async def pick(turn: Turn, product_ref: str, text: str = "") -> None:
    """The customer chose a product: one variant goes to the cart, several ask which."""
    try:
        bundle = await catalog.get_bundle(session=turn.session, id_or_slug=product_ref)
    except NotFound:
        turn.say(t("which_product", turn.language))
        return
    variants = [v for v in bundle.variants if v.active]
    name = rules_name(bundle.names, turn.language) or bundle.slug
    turn.set(product=str(bundle.id), product_name=name)
    if len(variants) == 1:
        await add(turn, variants[0].id, rules.quantity(text) or 1)
        return
    options: list[dict[str, Any]] = [
        {
            "variant_id": str(v.id),
            "label": ", ".join(str(x) for x in v.options.values()) or v.sku,
            "values": [str(x) for x in v.options.values()],
        }
        for v in sorted(variants, key=lambda v: v.position)
    ]
    said = text or str(turn.slots.get("size") or "")
    chosen = rules.choose_option(options, said) if said else None
    if chosen is not None:
        await add(turn, uuid.UUID(chosen["variant_id"]), rules.quantity(text) or 1)
        return
    turn.go("variant", "option", product=str(bundle.id), product_name=name, options=options)
    turn.say(
        t("choose.variant", turn.language, name=name),
        buttons=tuple(
            Button(o["label"][:40], payload=rules.payload("add", o["variant_id"]))
            for o in options[:10]
        ),
    )


async def product_question(turn: Turn) -> None:
    """The last product's description and page; a person for anything more."""
    human = Button(t("menu.human", turn.language), payload=rules.payload("human"))
    product = turn.slots.get("product")
    if not product:
        turn.say(t("question", turn.language), buttons=(human,))
        return
    try:
        bundle = await catalog.get_bundle(session=turn.session, id_or_slug=str(product))
    except NotFound:
        turn.say(t("question", turn.language), buttons=(human,))
        return
    about = rules.excerpt(
        bundle.descriptions.get(turn.language) or next(iter(bundle.descriptions.values()), "")
    )
    link = rules.product_link(turn.base_url, bundle.slug)
    name = rules_name(bundle.names, turn.language) or bundle.slug
    turn.say(
        "\n".join(x for x in (name, about, link, t("question", turn.language)) if x),
        buttons=(human,),
    )


def link_button(turn: Turn) -> Button:
    return Button(t("link.button", turn.language), payload=rules.payload("link"))


def rules_name(names: dict[str, str], language: str) -> str | None:
    return names.get(language) or names.get("ru") or next(iter(names.values()), None)


async def _cart(turn: Turn, *, create: bool) -> CartView | None:
    token = turn.slots.get("cart")
    if token:
        try:
            cart = await checkout.get_cart(session=turn.session, token=token)
            if cart.state == CartState.OPEN:
                return cart
        except NotFound:
            pass
    if not create:
        return None
    cart = await checkout.create_cart(
        session=turn.session,
        channel=turn.channel,
        customer_id=turn.conversation.customer_id,
        locale=turn.language,
    )
    turn.set(cart=cart.token)
    return cart


async def add(turn: Turn, variant_id: uuid.UUID, qty: int = 1) -> None:
    """Into the conversation's cart (created on first use); refusals are told, not raised."""
    cart = await _cart(turn, create=True)
    assert cart is not None
    try:
        async with turn.session.begin_nested():
            view = await checkout.add_line(
                session=turn.session, token=cart.token, variant_id=variant_id, quantity=qty
            )
    except DomainError as exc:
        turn.say(t("not_added", turn.language, reason=refusal(exc.code, turn.language)))
        return
    line = next(x for x in view.lines if x.variant_id == variant_id)
    turn.go(None, variant=str(variant_id))
    turn.say(
        t("added", turn.language, name=line.name, qty=qty, total=view.total.formatted),
        buttons=(
            *checkout_buttons(turn),
            Button(t("menu.cart", turn.language), payload=rules.payload("cart")),
        ),
    )


async def show_cart(turn: Turn) -> None:
    cart = await _cart(turn, create=False)
    if cart is None or not cart.lines:
        turn.say(t("cart.empty", turn.language), buttons=menu(turn))
        return
    lines = [f"• {x.name} × {x.quantity} — {x.line_total.formatted}" for x in cart.lines]
    text = "\n".join(
        [
            t("cart.lines", turn.language),
            *lines,
            t("cart.total", turn.language, total=cart.total.formatted),
        ]
    )
    edit = tuple(
        Button(f"− {x.name[:30]}", payload=rules.payload("dec", str(x.id))) for x in cart.lines[:8]
    )
    turn.say(
        text,
        buttons=(*edit, *checkout_buttons(turn)),
    )


async def change_line(turn: Turn, line_id: str, delta: int) -> None:
    cart = await _cart(turn, create=False)
    line = next((x for x in cart.lines if str(x.id) == line_id), None) if cart else None
    if cart is not None and line is not None:
        try:
            async with turn.session.begin_nested():
                await checkout.update_line(
                    session=turn.session,
                    token=cart.token,
                    line_id=line.id,
                    quantity=max(0, line.quantity + delta),
                )
        except DomainError as exc:
            turn.say(t("not_added", turn.language, reason=refusal(exc.code, turn.language)))
    await show_cart(turn)


def checkout_buttons(turn: Turn) -> tuple[Button, ...]:
    """Check out; on Telegram also with delivery (a native invoice asking for the address)."""
    go = Button(t("checkout", turn.language), payload=rules.payload("checkout"))
    if turn.conversation.platform != "telegram":
        return (go,)
    ship = Button(
        t("checkout.delivery", turn.language), payload=rules.payload("checkout", "delivery")
    )
    return (go, ship)


async def pay(turn: Turn, *, ship: bool = False) -> None:
    """Telegram: a native invoice (pickup, or ``ship``: Telegram asks for the address and we
    price the delivery); elsewhere a link to the storefront's checkout step."""
    cart = await _cart(turn, create=False)
    if cart is None or not cart.lines:
        turn.say(t("cart.empty", turn.language), buttons=menu(turn))
        return
    turn.go(None)
    if turn.conversation.platform == "telegram":
        if ship:
            cart = await bot_delivery.clear(session=turn.session, cart=cart)
        turn.say(t("pay.invoice", turn.language, total=cart.total.formatted))
        turn.say(invoice=bot_payments.invoice(cart, turn.language, turn.channel.name, ship=ship))
        return
    link = rules.pay_link(turn.base_url, cart.token, turn.channel.code)
    turn.say(t("pay.link", turn.language), buttons=(Button(t("pay", turn.language), url=link),))


async def whatsapp_order(turn: Turn, items: list[dict[str, Any]]) -> None:
    """A WhatsApp catalog order (retailer ids are our SKUs) becomes the cart, then checkout."""
    skus = [str(i["retailer_id"]) for i in items]
    ids = await lookup.variant_ids_by_sku(session=turn.session, skus=skus)
    for item in items:
        variant_id = ids.get(str(item["retailer_id"]))
        if variant_id is not None:
            await add(turn, variant_id, int(item.get("quantity") or 1))
    await pay(turn)
