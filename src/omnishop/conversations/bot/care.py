"""The bot's answers about the customer's own business: order status and tracking (only their
own orders), starting a return, the loyalty balance, and the nearest stores holding a product."""

from __future__ import annotations

import uuid

from omnishop.conversations.bot import returns as bot_returns
from omnishop.conversations.bot import rules
from omnishop.conversations.bot.shop import Turn, link_button
from omnishop.conversations.bot.texts import state, t
from omnishop.conversations.wire import Button, Location
from omnishop.inventory import availability
from omnishop.kernel.errors import NotFound
from omnishop.kernel.money import Money
from omnishop.loyalty import service as loyalty
from omnishop.orders import listing
from omnishop.orders import returns as order_returns
from omnishop.orders import service as orders
from omnishop.orders.schemas import OrderInfo


async def order_status(turn: Turn, number: str | None) -> None:
    """Only the customer's own orders: another's number reads exactly like an unknown one."""
    if not number:
        await list_orders(turn, then="order")
        return
    info = await _own_order(turn, number)
    turn.go(None)
    if info is None:
        turn.say(t("order.unknown", turn.language, number=number), buttons=(link_button(turn),))
        return
    lines = [
        t(
            "order.status",
            turn.language,
            number=info.number,
            status=state("order", info.status, turn.language),
            payment=state("payment", info.payment_status, turn.language),
            total=Money(info.total, info.currency).format(turn.language),
        )
    ]
    for shipment in info.shipments:
        lines.append(
            t(
                "order.tracking",
                turn.language,
                carrier=shipment.carrier or "",
                tracking=shipment.tracking_number or "",
                status=state("shipment", shipment.status, turn.language),
            )
        )
    turn.say("\n".join(lines))


async def _own_order(turn: Turn, number: str) -> OrderInfo | None:
    customer_id = turn.conversation.customer_id
    if customer_id is None:
        return None
    try:
        order_id = await order_returns.find_order(
            session=turn.session, order_id=None, number=number
        )
    except NotFound:
        return None
    info = await orders.get(session=turn.session, order_id=order_id)
    return info if info.customer_id == customer_id else None


async def list_orders(turn: Turn, *, then: str) -> None:
    """The customer's recent orders as buttons, or ask for a number."""
    customer_id = turn.conversation.customer_id
    page = (
        await listing.customer_orders(
            session=turn.session, customer_id=customer_id, cursor=None, limit=5
        )
        if customer_id
        else None
    )
    flow = "order_status" if then == "order" else "return"
    turn.go(flow, "number")
    if page is None or not page.data:
        turn.say(t("ask.order", turn.language))
        return
    turn.say(
        t("orders.pick", turn.language),
        buttons=tuple(
            Button(f"{o.number} · {o.status}", payload=rules.payload(then, o.number))
            for o in page.data
        ),
    )


async def start_return(turn: Turn, number: str | None) -> None:
    """A return opened in the chat itself (bot/returns.py), for the customer's own order."""
    await bot_returns.start(turn, number)


async def points(turn: Turn) -> None:
    customer_id = turn.conversation.customer_id
    if customer_id is None:
        turn.say(t("loyalty.anonymous", turn.language))
        return
    summary = await loyalty.balance(
        session=turn.session, customer_id=customer_id, locale=turn.language
    )
    tier = f" ({summary.tier.name})" if summary.tier else ""
    turn.say(t("loyalty", turn.language, points=summary.balance, tier=tier))


async def stores(turn: Turn, location: Location | None) -> None:
    """The nearest stores holding the last product the customer looked at."""
    variant = turn.slots.get("variant") or _first_variant(turn)
    if location is None:
        turn.go("store_location", "location")
        turn.say(t("ask.location", turn.language))
        return
    turn.go(None)
    if not variant:
        turn.say(t("stores.pick_product", turn.language))
        return
    found = await availability.store_stock(
        session=turn.session,
        variant_id=uuid.UUID(variant),
        channel=turn.channel,
        near=(location.latitude, location.longitude),
    )
    if not found:
        turn.say(t("stores.none", turn.language))
        return
    for store in found[:3]:
        distance = f", {store.distance_km:.1f} km" if store.distance_km is not None else ""
        map_url = (
            rules.map_link(store.latitude, store.longitude)
            if store.latitude is not None and store.longitude is not None
            else ""
        )
        turn.say(
            t(
                "store",
                turn.language,
                name=store.name,
                address=", ".join(x for x in (store.city, store.address) if x),
                available=store.available,
                distance=distance,
                hours=rules.hours_line(store.opening_hours, turn.language) or "—",
                map=map_url,
            ),
            location=(
                Location(store.latitude, store.longitude, store.name)
                if store.latitude is not None and store.longitude is not None
                else None
            ),
        )


def _first_variant(turn: Turn) -> str | None:
    options = turn.slots.get("options") or []
    return str(options[0]["variant_id"]) if options else None
