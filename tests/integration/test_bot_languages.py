"""The bot answers in the language the customer writes in, from the gettext catalogs: a
Russian chat gets Russian replies and buttons, a Georgian one Georgian, an English one
English."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omnishop.conversations import jobs, wire
from omnishop.conversations.bot import jobs as bot_jobs
from omnishop.conversations.bot import rules
from tests.integration.bot_fixtures import Chat, a_shop, texts
from tests.integration.conversations_fixtures import FakeSender

Sessions = async_sessionmaker[AsyncSession]
__all__ = ["bot_jobs", "jobs"]  # registers the handlers


@pytest.fixture
def fake() -> Iterator[FakeSender]:
    sender = FakeSender()
    saved = dict(wire._senders)
    wire.register_sender("telegram", sender)
    yield sender
    wire._senders.clear()
    wire._senders.update(saved)


def labels(replies: list[wire.OutboundMessage]) -> list[str]:
    return [b.label for m in replies for b in m.buttons]


@pytest.mark.parametrize(
    ("hello", "language", "greeting", "menu", "script"),
    [
        ("Здравствуйте", "ru", "Здравствуйте! Я помогу найти товар", "Каталог", "[А-Яа-яЁё]"),
        ("გამარჯობა", "ka", "გამარჯობა! დაგეხმარებით", "კატალოგი", "[\u10d0-\u10ff]"),
        ("Hello there", "en", "Hello! I can find products", "Catalogue", "[A-Za-z]"),
    ],
)
async def test_the_bot_replies_in_the_chats_language(
    sessions: Sessions,
    fake: FakeSender,
    hello: str,
    language: str,
    greeting: str,
    menu: str,
    script: str,
) -> None:
    await a_shop(sessions, f"tg-{language}")
    chat = Chat(sessions, fake, "telegram", f"tg-{language}")

    replies = await chat.send(hello)

    assert texts(replies).startswith(greeting)
    assert menu in labels(replies)
    # Every word of the reply and its buttons is in the chat's script (no English left over).
    words = re.findall(r"[^\W\d_]+", texts(replies) + " " + " ".join(labels(replies)))
    assert words and all(re.match(script, w) for w in words), words


async def test_a_georgian_chat_is_not_answered_in_russian_or_english(
    sessions: Sessions, fake: FakeSender
) -> None:
    await a_shop(sessions, "tg-ka2")
    chat = Chat(sessions, fake, "telegram", "tg-ka2")
    await chat.send("გამარჯობა")

    cart = await chat.send("კალათა")

    assert texts(cart) and not re.search(r"[A-Za-zА-Яа-я]", texts(cart)), texts(cart)


@pytest.mark.parametrize(
    ("hello", "said"),
    [
        ("Здравствуйте", "Не получилось добавить: К сожалению, столько нет в наличии."),
        ("გამარჯობა", "ვერ დაემატა:"),
    ],
)
async def test_a_refused_add_to_cart_says_why_in_the_chats_language_not_the_errors_english(
    sessions: Sessions, fake: FakeSender, monkeypatch: pytest.MonkeyPatch, hello: str, said: str
) -> None:
    from omnishop.checkout import service as checkout
    from omnishop.inventory.errors import OutOfStock

    async def sold_out(*, variant_id: uuid.UUID, quantity: int, **_: object) -> None:
        raise OutOfStock(variant_id, quantity)

    monkeypatch.setattr(checkout, "add_line", sold_out)  # the bot calls checkout.add_line
    await a_shop(sessions, "tg-out")
    chat = Chat(sessions, fake, "telegram", "tg-out")
    await chat.send(hello)

    replies = await chat.press(rules.payload("add", str(uuid.uuid4())))

    assert said in texts(replies)
    assert "variant" not in texts(replies) and "available" not in texts(replies)
