"""What the chat-return flow (bot/returns.py) asks of the returns service and says of its
answers: the offer for the customer's own order (another's reads as unknown), their orders
with something to return, a refusal in the customer's language, the opened return."""

from __future__ import annotations

import uuid
from datetime import datetime

from babel.dates import format_date

from omnishop.conversations.bot.shop import Turn
from omnishop.conversations.bot.texts import t
from omnishop.conversations.wire import Button
from omnishop.kernel.errors import DomainError, Forbidden, NotFound
from omnishop.kernel.money import Money
from omnishop.orders import listing, return_rules, returns_offer
from omnishop.orders import returns as order_returns
from omnishop.orders import service as orders
from omnishop.orders.return_rules import (
    NotReturnable,
    ReturnMethod,
    ReturnWindowClosed,
    TooManyUnits,
)
from omnishop.orders.returns_offer import NothingToReturn, ReturnOffer
from omnishop.orders.returns_schemas import ReturnInfo

ORDERS_LOOKED_AT = 10  # the most recent orders checked for something returnable
ORDERS_SHOWN = 5


async def offer_for(turn: Turn, number: str) -> ReturnOffer | None:
    """The offer for the customer's own order ``number``; else says why and gives None.
    Another's order reads exactly like an unknown one."""
    customer_id = turn.conversation.customer_id
    order_id = None
    try:
        if customer_id is None:
            raise NotFound("no customer", field="order_number")
        order_id = await order_returns.find_order(
            session=turn.session, order_id=None, number=number
        )
        return await returns_offer.offer(
            session=turn.session, order_id=order_id, customer_id=customer_id
        )
    except (NotFound, Forbidden):
        turn.say(t("order.unknown", turn.language, number=number))
        return None
    except DomainError as exc:
        turn.say(refusal(exc, number, turn.language), buttons=await _order_link(turn, order_id))
        return None


async def returnable_orders(turn: Turn) -> list[ReturnOffer]:
    """The customer's recent orders that have something left to return, newest first."""
    customer_id = turn.conversation.customer_id
    if customer_id is None:
        return []
    page = await listing.customer_orders(
        session=turn.session, customer_id=customer_id, cursor=None, limit=ORDERS_LOOKED_AT
    )
    found = []
    for order in page.data:
        try:
            found.append(
                await returns_offer.offer(
                    session=turn.session, order_id=order.id, customer_id=customer_id
                )
            )
        except DomainError:
            continue  # nothing to return in it: not offered
        if len(found) == ORDERS_SHOWN:
            break
    return found


def refusal(exc: DomainError, number: str, language: str) -> str:
    """The returns service's refusal in the customer's language."""
    if isinstance(exc, ReturnWindowClosed):
        ended = exc.extra.get("window_ended_at")
        if not ended:
            return t("return.undelivered", language, number=number)
        return t(
            "return.window",
            language,
            number=number,
            date=_date(datetime.fromisoformat(str(ended)), language),
            days=exc.extra.get("window_days", ""),
        )
    if isinstance(exc, NotReturnable):
        return t("return.not_returnable", language, number=number)
    if isinstance(exc, NothingToReturn):
        return t("return.nothing_left", language, number=number)
    if isinstance(exc, TooManyUnits):
        return t("return.too_many", language)
    return t("error", language)


def created(opened: ReturnInfo, offer: ReturnOffer, lang: str) -> str:
    """The return's number, how the units come back, and the refund the service computed."""
    if opened.method == ReturnMethod.DROP_OFF:
        then = t(
            "return.drop_off",
            lang,
            store=offer.location_name or "",
            address=offer.location_address or "—",
        )
    else:
        then = t("return.courier", lang, tracking=opened.label_tracking_number or opened.number)
    refund = return_rules.settle(
        opened.lines_amount, opened.shipping_amount, opened.exchange_difference
    ).refund
    return t(
        "return.created",
        lang,
        number=opened.number,
        next=then,
        amount=Money(refund, opened.currency).format(lang),
    )


def browser(turn: Turn, token: str | None) -> tuple[Button, ...]:
    """The storefront's page of the order, where the return can be followed (or asked)."""
    if not token:
        return ()
    url = f"{turn.base_url.rstrip('/')}/order/{token}"
    return (Button(t("return.browser", turn.language), url=url),)


async def _order_link(turn: Turn, order_id: uuid.UUID | None) -> tuple[Button, ...]:
    if order_id is None:
        return ()
    info = await orders.get(session=turn.session, order_id=order_id)
    return browser(turn, info.token)


def _date(value: datetime, language: str) -> str:
    try:
        return format_date(value.date(), format="long", locale=language)
    except (ValueError, LookupError):
        return value.date().isoformat()
