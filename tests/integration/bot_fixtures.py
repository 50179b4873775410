"""Helpers for the chat bot tests: a customer chatting through receive + the worker, a small
shop indexed for search, what the bot sent back."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omnishop.catalog import service as catalog
from omnishop.catalog.schemas import ProductCreate, PublicationIn, TranslationIn, VariantCreate
from omnishop.conversations import service, wire
from omnishop.conversations.bot.intents import Prediction
from omnishop.conversations.models import Conversation, DialogueState
from omnishop.inventory import service as inventory
from omnishop.kernel import outbox
from omnishop.kernel.db import unit_of_work
from omnishop.pricing import service as pricing
from omnishop.search import index as search_index
from tests.integration.conversations_fixtures import FakeSender, inbound
from tests.integration.test_cart_fixtures import Shop, open_shop

Sessions = async_sessionmaker[AsyncSession]


class Chat:
    """One customer writing to one channel; ``send``/``press`` return what the bot sent back."""

    def __init__(self, sessions: Sessions, fake: FakeSender, platform: str, code: str) -> None:
        self.sessions, self.fake, self.platform, self.code = sessions, fake, platform, code
        self.sender = f"cust-{uuid.uuid4().hex[:8]}"
        self.conversation_id: uuid.UUID | None = None
        self.customer_id: uuid.UUID | None = None

    async def send(self, text: str | None = None, **extra: Any) -> list[wire.OutboundMessage]:
        before = len(self.fake.sent)
        async with unit_of_work(self.sessions) as session:
            got = await service.receive(
                session=session,
                message=inbound(self.platform, self.code, self.sender, text=text, **extra),
            )
            self.conversation_id, self.customer_id = got.conversation_id, got.customer_id
        for _ in range(3):  # the bot's turn, then the sends it queued
            await outbox.drain(self.sessions)
        return self.fake.sent[before:]

    async def press(self, payload: str) -> list[wire.OutboundMessage]:
        return await self.send(None, kind="button", payload=payload)

    async def state(self) -> DialogueState:
        async with self.sessions() as session:
            row = await session.get(DialogueState, self.conversation_id)
            assert row is not None
            return row

    async def conversation(self) -> Conversation:
        async with self.sessions() as session:
            row = await session.get(Conversation, self.conversation_id)
            assert row is not None
            return row


async def a_shop(sessions: Sessions, code: str) -> Shop:
    async with unit_of_work(sessions) as session:
        shop = await open_shop(session, code=code)
        await search_index.reindex_all(session)
    await outbox.drain(sessions)
    return shop


def payloads(replies: list[wire.OutboundMessage]) -> list[str]:
    out = [b.payload or b.url or "" for m in replies for b in m.buttons]
    out += [b.payload or "" for m in replies for c in m.cards for b in c.buttons]
    return out


def texts(replies: list[wire.OutboundMessage]) -> str:
    return "\n".join(m.text or "" for m in replies)


class Unsure:
    def predict(self, text: str) -> Prediction:
        return Prediction("other", 0.1, "ru")


async def tee(sessions: Sessions, shop: Shop) -> tuple[uuid.UUID, dict[str, uuid.UUID]]:
    """A T-shirt in sizes M and L (5 of each) in the shop's channel: (product, size -> variant)."""
    async with unit_of_work(sessions) as session:
        created = await catalog.create_product(
            session=session,
            data=ProductCreate(
                slug=f"tee-{shop.channel.code}",
                translations={"ru": TranslationIn(name="Футболка")},
                variants=[
                    VariantCreate(sku=f"tee-m-{shop.channel.code}", options={"size": "M"}),
                    VariantCreate(sku=f"tee-l-{shop.channel.code}", options={"size": "L"}),
                ],
            ),
        )
        await catalog.publish(
            session=session, product_id=created.id, channel_id=shop.channel.id, data=PublicationIn()
        )
        bundle = await catalog.get_bundle(session=session, id_or_slug=str(created.id))
        for v in bundle.variants:
            await pricing.set_price(
                session=session, variant_id=v.id, channel_id=shop.channel.id, amount=150000
            )
            await inventory.set_on_hand(
                session=session, variant_id=v.id, location_id=shop.warehouse, quantity=5
            )
        await search_index.reindex_all(session)
    await outbox.drain(sessions)
    return created.id, {str(v.options["size"]): v.id for v in bundle.variants}
