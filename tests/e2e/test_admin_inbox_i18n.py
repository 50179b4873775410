"""The operator inbox in the operator's language (switch in the session, else Accept-Language,
else Russian) with no English UI left in ru and ka, while what it sends to the customer is in
the chat's language."""

from __future__ import annotations

import html
import re
import uuid
from functools import cache

import httpx
import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omnishop.conversations import handoff
from omnishop.conversations.bot import rules as bot_rules
from omnishop.conversations.models import Conversation
from omnishop.kernel import i18n
from omnishop.kernel.db import unit_of_work
from tests.e2e.test_admin import MakeStaff, make_staff, sign_in
from tests.e2e.test_admin_inbox import _act, _chat, _csrf, _outbound
from tests.integration.test_search import build_shop

__all__ = ["make_staff"]
Sessions = async_sessionmaker[AsyncSession]
ROOT = i18n.CATALOG_DIR.parents[2]
# Not UI strings: platform and channel codes, the visitor's id, language codes and names on
# the language switch.
DATA_WORDS = {"webchat", "visitor", "RU", "EN", "KA", "English"}


@cache
def inbox_messages() -> list[str]:
    """Every msgid of the inbox: its templates and the Python that fills them."""
    with (ROOT / "babel.cfg").open() as fh:
        method_map, options_map = parse_mapping_cfg(fh)  # type: ignore[no-untyped-call]
    found: list[str] = []
    for filename, _, message, *_ in extract_from_dir(
        ROOT / "src" / "omnishop" / "admin", method_map, options_map
    ):
        if "inbox" in filename:
            found.append(message if isinstance(message, str) else message[0])
    return found


def visible_text(page: str) -> str:
    """What a person reads in the inbox's own part of the page (SQLAdmin's menu left out)."""
    body = page.split('class="page-header', 1)[-1].split(">", 1)[-1]  # a fragment has none
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    shown = re.findall(r'(?:placeholder|title|aria-label)="([^"]*)"', body)
    text = re.sub(r"<[^>]+>", " ", body)
    return html.unescape(" ".join([text, *shown]))


def english_left(text: str, locale: str) -> list[str]:
    """Inbox msgids that ``locale`` translates differently, still shown in English."""
    translate = i18n.translator(locale)
    left = []
    for msgid in inbox_messages():
        words = msgid.split("%(")[0].strip(" ·:(")
        if not words or translate(msgid) == msgid:
            continue
        if re.search(rf"(?<![\w@]){re.escape(words)}(?!\w)", text):
            left.append(msgid)
    return left


async def _busy_chat(client: httpx.AsyncClient, sessions: Sessions) -> uuid.UUID:
    """A taken chat with a reply, a canned reply and a product card in its thread."""
    await build_shop(sessions)
    said = "Здравствуйте, нужна помощь"
    conversation_id = await _chat(sessions, queued=False, text=said)
    summary = bot_rules.handoff_summary(
        reason="requested", intent="human", language="ru", slots={"q": "ведьмак"}, recent=[said]
    )
    async with unit_of_work(sessions) as session:
        await handoff.handoff(
            session=session, conversation_id=conversation_id, reason="requested", summary=summary
        )
    assert (await _act(client, conversation_id, "take")).status_code == 303
    assert (await _act(client, conversation_id, "reply", text="Минутку")).status_code == 303
    assert (await _act(client, conversation_id, "canned", canned="hello")).status_code == 303
    assert (await _act(client, conversation_id, "card", product="witcher")).status_code == 303
    return conversation_id


@pytest.mark.parametrize(
    ("accept_language", "locale", "inbox_word"),
    [(None, "ru", "Входящие"), ("ka-GE,ka;q=0.9,en;q=0.5", "ka", "შემოსულები")],
)
async def test_the_inbox_in_russian_and_georgian_has_no_english_ui_left(
    client: httpx.AsyncClient,
    sessions: Sessions,
    make_staff: MakeStaff,
    accept_language: str | None,
    locale: str,
    inbox_word: str,
) -> None:
    if accept_language:
        client.headers["Accept-Language"] = accept_language
    await sign_in(client, await make_staff("manager"))
    conversation_id = await _busy_chat(client, sessions)
    chat = f"/admin/inbox/c/{conversation_id}"
    pages = ["/admin/inbox", "/admin/inbox?part=lists", chat, f"{chat}?q=ведьмак"]

    leftovers = {}
    for path in pages:
        response = await client.get(path)
        assert response.status_code == 200, path
        text = visible_text(response.text)
        if found := english_left(text, locale):
            leftovers[path] = found
        if locale == "ka":  # Georgian UI: any Latin word left is an untranslated string
            latin = set(re.findall(r"[A-Za-z][A-Za-z']+", text)) - DATA_WORDS
            if latin:
                leftovers[f"{path} (latin)"] = sorted(latin)

    assert leftovers == {}
    page = await client.get(chat)
    assert inbox_word in page.text and 'id="language"' in page.text
    assert len(inbox_messages()) > 50, "the scan found too few inbox strings to look for"


async def test_the_language_switch_is_kept_in_the_session_over_the_browsers_language(
    client: httpx.AsyncClient, sessions: Sessions, make_staff: MakeStaff
) -> None:
    conversation_id = await _chat(sessions)
    client.headers["Accept-Language"] = "en-US,en;q=0.9"
    await sign_in(client, await make_staff("operator"))
    assert 'id="presence">Offline' in (await client.get("/admin/inbox")).text
    chat = f"/admin/inbox/c/{conversation_id}"
    token = await _csrf(client, chat)

    switched = await client.post(
        "/admin/inbox/language", data={"csrf_token": token, "locale": "ka", "back": chat}
    )
    assert switched.status_code == 303 and switched.headers["location"] == chat
    assert "ჩატის აღება" in (await client.get(chat)).text  # "Take this chat"
    assert 'id="presence">ხაზგარეშე' in (await client.get("/admin/inbox")).text

    unknown = await client.post(
        "/admin/inbox/language", data={"csrf_token": token, "locale": "de", "back": chat}
    )
    assert unknown.status_code == 422 and "უცნობი ენა." in unknown.text
    forged = await client.post("/admin/inbox/language", data={"csrf_token": "x", "locale": "ru"})
    assert forged.status_code == 403
    away = await client.post(
        "/admin/inbox/language",
        data={"csrf_token": token, "locale": "ru", "back": "https://evil.example/admin/inbox"},
    )
    assert away.status_code == 303 and away.headers["location"].endswith("/admin/inbox")
    assert 'id="presence">Не в сети' in (await client.get("/admin/inbox")).text


@pytest.mark.parametrize(
    ("chat_language", "thanks", "pay", "add"),
    [
        ("ka", "გმადლობთ", "გადახდა", "კალათაში დამატება"),
        ("en", "Thank you", "Pay", "Add to cart"),
        ("ru", "Спасибо", "Оплатить", "В корзину"),
    ],
)
async def test_what_the_inbox_sends_is_in_the_chats_language_not_the_operators(
    client: httpx.AsyncClient,
    sessions: Sessions,
    make_staff: MakeStaff,
    chat_language: str,
    thanks: str,
    pay: str,
    add: str,
) -> None:
    await build_shop(sessions)
    conversation_id = await _chat(sessions)
    async with unit_of_work(sessions) as session:
        await session.execute(
            update(Conversation)
            .where(Conversation.id == conversation_id)
            .values(language=chat_language)
        )
    client.headers["Accept-Language"] = "ru" if chat_language != "ru" else "ka"
    await sign_in(client, await make_staff("operator"))
    assert (await _act(client, conversation_id, "take")).status_code == 303
    assert (await _act(client, conversation_id, "canned", canned="thanks")).status_code == 303
    assert (await _act(client, conversation_id, "paylink")).status_code == 303
    assert (await _act(client, conversation_id, "card", product="witcher")).status_code == 303

    canned, paylink, card = await _outbound(sessions, conversation_id)
    assert canned.body["text"].startswith(thanks)
    assert paylink.body["buttons"][0]["label"] == pay
    assert card.body["cards"][0]["buttons"][0]["label"] == add
