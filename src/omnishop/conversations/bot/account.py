"""The customer's own things from the chat: linking the chat to their shop account (an email
or phone and the one-time code sent there, ``conversations.linking``: never on a bare claim),
and a review of a product they received (``reviews.service``)."""

from __future__ import annotations

from omnishop.catalog import service as catalog
from omnishop.conversations import linking
from omnishop.conversations.bot import rules
from omnishop.conversations.bot.shop import Turn, link_button
from omnishop.conversations.bot.texts import t
from omnishop.conversations.wire import Button
from omnishop.kernel.errors import DomainError, RateLimited, ValidationFailed
from omnishop.kernel.settings import get_settings
from omnishop.reviews import service as reviews
from omnishop.reviews.schemas import ReviewCreate


async def start_link(turn: Turn, text: str | None = None) -> None:
    """Ask for the email/phone (or use the one in ``text``)."""
    destination = rules.contact(text) if text else None
    if destination:
        await send_code(turn, destination)
        return
    turn.go("link", "destination")
    turn.say(t("link.ask", turn.language))


async def send_code(turn: Turn, destination: str) -> None:
    try:
        async with turn.session.begin_nested():
            where = await linking.start_link(
                session=turn.session,
                conversation_id=turn.conversation.id,
                destination=destination,
                locale=turn.language,
                key=get_settings().secret_key,
            )
    except ValidationFailed:
        turn.go("link", "destination")
        turn.say(t("link.bad_destination", turn.language))
        return
    except RateLimited:
        turn.go(None)
        turn.say(t("link.limited", turn.language))
        return
    turn.go("link", "code")
    turn.say(t("link.sent", turn.language, destination=where.value))


async def confirm(turn: Turn, code: str) -> None:
    linked = await linking.confirm_link(
        session=turn.session,
        conversation_id=turn.conversation.id,
        code=code,
        key=get_settings().secret_key,
    )
    if not linked.linked:
        turn.say(t("link.wrong", turn.language))
        return
    await turn.session.refresh(turn.conversation)
    turn.go(None)
    turn.say(t("link.done", turn.language))


async def start_review(turn: Turn, product_ref: str | None = None) -> None:
    """Rate the product named (or the last one looked at), if the customer received it."""
    product = product_ref or turn.slots.get("product")
    customer_id = turn.conversation.customer_id
    if not product or customer_id is None:
        turn.say(t("which_product", turn.language))
        return
    allowed = await reviews.eligibility(
        session=turn.session, customer_id=customer_id, product_ref=str(product)
    )
    if not allowed.eligible:
        turn.go(None)
        turn.say(t("review.refused", turn.language), buttons=(link_button(turn),))
        return
    bundle = await catalog.get_bundle(session=turn.session, id_or_slug=str(product))
    name = bundle.names.get(turn.language) or next(iter(bundle.names.values()), bundle.slug)
    turn.go("review", "rating", review_product=str(product))
    turn.say(
        t("review.rate", turn.language, name=name),
        buttons=tuple(
            Button("★" * n, payload=rules.payload("rate", str(n))) for n in (5, 4, 3, 2, 1)
        ),
    )


async def rate(turn: Turn, stars: int) -> None:
    if turn.state.flow != "review" or not 1 <= stars <= 5:
        return
    turn.go("review", "text", review_product=turn.slots.get("review_product"), rating=stars)
    turn.say(t("review.text", turn.language))


async def submit_review(turn: Turn, text: str) -> None:
    customer_id = turn.conversation.customer_id
    product = turn.slots.get("review_product")
    rating = turn.slots.get("rating")
    turn.go(None)
    if customer_id is None or not product or not rating:
        return
    try:
        async with turn.session.begin_nested():
            await reviews.submit(
                session=turn.session,
                customer_id=customer_id,
                product_ref=str(product),
                data=ReviewCreate(
                    rating=int(rating),
                    text=text[:2000],
                    channel=turn.channel.code,
                    locale=turn.language,  # type: ignore[arg-type]
                ),
                media_dir=get_settings().media_dir,
            )
    except DomainError:
        turn.say(t("review.refused", turn.language))
        return
    turn.say(t("review.done", turn.language))
