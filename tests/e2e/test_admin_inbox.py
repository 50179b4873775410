"""The operator inbox over HTTP: sign-in and roles, the lists, take / reply / canned reply /
product card / pay link / hand back / resolve, refusals (4xx, nothing written), and the live
SSE stream."""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omnishop.admin import inbox
from omnishop.checkout import service as carts
from omnishop.conversations import dialogue, feed, handoff
from omnishop.conversations import service as conversations
from omnishop.conversations.models import Conversation, Message
from omnishop.customers.models import StaffUser
from omnishop.kernel.db import unit_of_work
from omnishop.pricing import promotion_staff
from omnishop.pricing.promotion_schemas import PromotionCreate, VoucherCreate
from tests.e2e.test_admin import MakeStaff, make_staff, sign_in
from tests.integration.conversations_fixtures import channel, inbound
from tests.integration.test_cart_fixtures import open_shop
from tests.integration.test_search import build_shop

__all__ = ["make_staff"]
Sessions = async_sessionmaker[AsyncSession]


async def _chat(sessions: Sessions, *, queued: bool = True, text: str = "hello") -> uuid.UUID:
    """A webchat customer who wrote once (and asked for a human when ``queued``)."""
    async with unit_of_work(sessions) as session:
        await channel(session, "webchat", "webchat")
        got = await conversations.receive(
            session=session, message=inbound("webchat", "webchat", "v-visitor", text=text)
        )
        assert got.conversation_id is not None
        if queued:
            await handoff.handoff(
                session=session,
                conversation_id=got.conversation_id,
                reason="asked",
                summary="wants a person",
            )
        return got.conversation_id


async def _staff_id(sessions: Sessions, email: str) -> uuid.UUID:
    async with sessions() as session:
        found = await session.scalar(select(StaffUser.id).where(StaffUser.email == email))
    assert found is not None
    return found


async def _csrf(client: httpx.AsyncClient, path: str) -> str:
    page = await client.get(path)
    assert page.status_code == 200, page.text
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match
    return match.group(1)


async def _act(
    client: httpx.AsyncClient, conversation_id: uuid.UUID, do: str, **fields: str
) -> httpx.Response:
    path = f"/admin/inbox/c/{conversation_id}"
    token = await _csrf(client, path)
    return await client.post(f"{path}/act", data={"csrf_token": token, "do": do, **fields})


async def _outbound(sessions: Sessions, conversation_id: uuid.UUID) -> list[Message]:
    async with sessions() as session:
        rows = await session.scalars(
            select(Message)
            .where(Message.conversation_id == conversation_id, Message.direction == "out")
            .order_by(Message.created_at)
        )
        return list(rows)


async def test_the_inbox_needs_a_signed_in_operator(
    client: httpx.AsyncClient, sessions: Sessions, make_staff: MakeStaff
) -> None:
    conversation_id = await _chat(sessions)
    for path in ("/admin/inbox", f"/admin/inbox/c/{conversation_id}", "/admin/inbox/live"):
        response = await client.get(path)
        assert response.status_code == 302 and response.headers["location"].endswith("/login")
    posted = await client.post(f"/admin/inbox/c/{conversation_id}/act", data={"do": "take"})
    assert posted.status_code in (302, 403)
    await sign_in(client, await make_staff("analyst"))
    assert (await client.get("/admin/inbox")).status_code == 403
    async with sessions() as session:
        assert (await session.get(Conversation, conversation_id)).status == "queued"  # type: ignore[union-attr]


async def test_an_operator_takes_a_queued_chat_replies_and_resolves_it(
    client: httpx.AsyncClient, sessions: Sessions, make_staff: MakeStaff
) -> None:
    await build_shop(sessions)
    conversation_id = await _chat(sessions)
    email = await make_staff("operator")
    await sign_in(client, email)
    staff_id = await _staff_id(sessions, email)

    token = await _csrf(client, "/admin/inbox")
    online = await client.post("/admin/inbox/online", data={"csrf_token": token, "online": "1"})
    assert online.status_code == 303
    page = await client.get("/admin/inbox")
    assert 'id="presence">В сети' in page.text  # no Accept-Language: the inbox reads Russian
    queue = page.text.split('id="queue"')[1].split('id="mine"')[0]
    assert str(conversation_id) in queue and " мин" in queue  # waiting time shown

    assert (await _act(client, conversation_id, "take")).status_code == 303
    page = await client.get("/admin/inbox")
    mine = page.text.split('id="mine"')[1].split('id="colleagues"')[0]
    assert str(conversation_id) in mine

    assert (await _act(client, conversation_id, "reply", text="Hi, I'm Anna")).status_code == 303
    assert (await _act(client, conversation_id, "canned", canned="thanks")).status_code == 303
    chat = await client.get(f"/admin/inbox/c/{conversation_id}", params={"q": "ведьмак"})
    assert "Отправить карточку" in chat.text and 'value="witcher"' in chat.text
    assert (await _act(client, conversation_id, "card", product="witcher")).status_code == 303
    assert (await _act(client, conversation_id, "paylink")).status_code == 303

    sent = await _outbound(sessions, conversation_id)
    assert [m.kind for m in sent] == ["text", "text", "cards", "buttons"]
    assert all(m.author == "operator" and m.staff_id == staff_id for m in sent)
    assert sent[0].body["text"] == "Hi, I'm Anna"
    assert sent[1].body["text"].startswith("Спасибо")  # the chat's language
    card = sent[2].body["cards"][0]
    assert card["title"] == "Ведьмак 3: Дикая Охота" and "₽" in card["subtitle"]
    assert card["buttons"][0]["payload"].startswith("cart:add:")
    assert card["buttons"][0]["label"] == "В корзину"
    assert card["url"].endswith("/p/witcher")
    assert sent[3].body["buttons"][0]["url"].endswith("/checkout")
    assert sent[3].body["buttons"][0]["label"] == "Оплатить"
    assert sent[3].body["text"].startswith("Вот ссылка для оплаты")
    chat = await client.get(f"/admin/inbox/c/{conversation_id}")
    assert "Hi, I&#39;m Anna" in chat.text and "Ведьмак 3" in chat.text
    # What a live change swaps in: the thread alone, not the customer panel or the actions.
    part = await client.get(f"/admin/inbox/c/{conversation_id}", params={"part": "thread"})
    assert part.status_code == 200 and "Hi, I&#39;m Anna" in part.text
    assert "Отправить карточку" not in part.text and "<html" not in part.text

    assert (await _act(client, conversation_id, "resolve")).status_code == 303
    async with sessions() as session:
        row = await session.get(Conversation, conversation_id)
        assert row is not None and row.status == "resolved"


async def test_hand_back_returns_the_chat_to_the_bot(
    client: httpx.AsyncClient, sessions: Sessions, make_staff: MakeStaff
) -> None:
    conversation_id = await _chat(sessions, queued=False)  # taken straight from the bot
    await sign_in(client, await make_staff("operator"))
    page = await client.get("/admin/inbox")
    assert str(conversation_id) in page.text.split('id="with-bot"')[1]
    assert (await _act(client, conversation_id, "take")).status_code == 303
    assert (await _act(client, conversation_id, "hand_back")).status_code == 303
    async with sessions() as session:
        row = await session.get(Conversation, conversation_id)
        assert row is not None and row.status == "bot" and row.assigned_staff_id is None


@pytest.mark.parametrize(
    ("do", "fields", "status"),
    [
        ("reply", {"text": "   "}, 422),
        ("reply", {"text": "x" * 4001}, 422),
        ("card", {"product": "no-such-product"}, 422),
        ("card", {}, 422),
        ("canned", {"canned": "nope"}, 422),
        ("explode", {}, 422),
    ],
)
async def test_bad_actions_are_refused_and_send_nothing(
    client: httpx.AsyncClient,
    sessions: Sessions,
    make_staff: MakeStaff,
    do: str,
    fields: dict[str, str],
    status: int,
) -> None:
    conversation_id = await _chat(sessions)
    await sign_in(client, await make_staff("operator"))
    assert (await _act(client, conversation_id, "take")).status_code == 303
    response = await _act(client, conversation_id, do, **fields)
    assert response.status_code == status
    assert await _outbound(sessions, conversation_id) == []


async def test_replying_to_a_chat_one_does_not_hold_is_a_conflict(
    client: httpx.AsyncClient, sessions: Sessions, make_staff: MakeStaff
) -> None:
    conversation_id = await _chat(sessions)
    await sign_in(client, await make_staff("operator"))
    response = await _act(client, conversation_id, "reply", text="hello")
    assert response.status_code == 409
    assert await _outbound(sessions, conversation_id) == []


async def test_forged_forms_and_unknown_chats_are_refused(
    client: httpx.AsyncClient, sessions: Sessions, make_staff: MakeStaff
) -> None:
    conversation_id = await _chat(sessions)
    await sign_in(client, await make_staff("operator"))
    forged = await client.post(
        f"/admin/inbox/c/{conversation_id}/act", data={"csrf_token": "x", "do": "take"}
    )
    assert forged.status_code == 403
    assert (await client.post("/admin/inbox/online", data={"online": "1"})).status_code == 403
    assert (await client.get("/admin/inbox/c/not-a-uuid")).status_code == 404
    assert (await client.get(f"/admin/inbox/c/{uuid.uuid4()}")).status_code == 404
    assert (await client.get("/admin/inbox/live", params={"c": "nope"})).status_code == 422
    async with sessions() as session:
        row = await session.get(Conversation, conversation_id)
        assert row is not None and row.status == "queued"
        held = await session.scalar(
            select(func.count()).select_from(Conversation).where(Conversation.status == "assigned")
        )
        assert held == 0


async def test_the_live_stream_says_changed_only_after_a_change(
    client: httpx.AsyncClient,
    sessions: Sessions,
    make_staff: MakeStaff,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(inbox, "LIVE_SECONDS", 0.05)
    monkeypatch.setattr(inbox, "LIVE_POLL_SECONDS", 0.05)
    conversation_id = await _chat(sessions)
    await sign_in(client, await make_staff("operator"))
    page = await client.get(f"/admin/inbox/c/{conversation_id}")
    marker = re.search(r"var since = (\"[^\"]*\");", page.text)
    assert marker
    since = marker.group(1).strip('"')
    params = {"c": str(conversation_id), "since": since}
    quiet = await client.get("/admin/inbox/live", params=params)
    assert quiet.headers["content-type"].startswith("text/event-stream")
    assert "event: changed" not in quiet.text
    async with unit_of_work(sessions) as session:
        await conversations.receive(
            session=session, message=inbound("webchat", "webchat", "v-visitor", text="still there?")
        )
    changed = await client.get("/admin/inbox/live", params=params)
    assert "event: changed" in changed.text


async def test_a_discount_code_goes_on_the_chats_cart_and_a_store_is_shared(
    client: httpx.AsyncClient, sessions: Sessions, make_staff: MakeStaff
) -> None:
    async with unit_of_work(sessions) as session:
        shop = await open_shop(session)
        promotion = await promotion_staff.create_promotion(
            session=session,
            data=PromotionCreate.model_validate(
                {"name": "Ten off", "reward": "fixed_order", "value": "1000",
                 "needs_voucher": True, "currency": "RUB"}
            ),
        )  # fmt: skip
        await promotion_staff.create_voucher(
            session=session, promotion_id=promotion.id, data=VoucherCreate(code="TEN")
        )
        cart = await carts.create_cart(session=session, channel=shop.channel)
        await carts.add_line(session=session, token=cart.token, variant_id=shop.mug, quantity=1)
    conversation_id = await _chat(sessions)
    async with unit_of_work(sessions) as session:  # the bot keeps the chat's cart here
        flow = dialogue.Flow(flow="shop", step="cart", slots={"cart": cart.token})
        await dialogue.save(session=session, conversation_id=conversation_id, flow=flow)
    await sign_in(client, await make_staff("operator"))
    assert (await _act(client, conversation_id, "take")).status_code == 303
    page = await client.get(f"/admin/inbox/c/{conversation_id}")
    assert "Кружка × 1" in page.text and 'id="voucher"' in page.text

    assert (await _act(client, conversation_id, "voucher", code="nine")).status_code == 404
    assert (await _act(client, conversation_id, "voucher", code="")).status_code == 422
    assert (await _act(client, conversation_id, "voucher", code="ten")).status_code == 303
    async with sessions() as session:
        view = await carts.get_cart(session=session, token=cart.token)
    assert view.vouchers == ["TEN"] and view.discount is not None

    assert (await _act(client, conversation_id, "location", location="nope")).status_code == 422
    shared = await _act(client, conversation_id, "location", location=str(shop.store))
    assert shared.status_code == 303
    assert (await _act(client, conversation_id, "paylink")).status_code == 303
    sent = await _outbound(sessions, conversation_id)
    assert sent[0].kind == "location" and sent[0].body["location"]["title"] == "Магазин на Арбате"
    assert "Арбат 1" in sent[0].body["text"]
    assert f"cart={cart.token}" in sent[1].body["buttons"][0]["url"]  # pays this very cart


async def test_a_private_note_mentions_a_colleague_and_is_never_sent(
    client: httpx.AsyncClient, sessions: Sessions, make_staff: MakeStaff
) -> None:
    conversation_id = await _chat(sessions)
    await make_staff("manager")  # manager@shop.test: "@manager"
    await sign_in(client, await make_staff("operator"))
    note = "Customer is upset about delivery, @manager please call them"
    assert (await _act(client, conversation_id, "note", note=note)).status_code == 303
    assert (await _act(client, conversation_id, "note", note="  ")).status_code == 422
    page = await client.get(f"/admin/inbox/c/{conversation_id}")
    assert "upset about delivery" in page.text.split('id="notes"')[1]
    assert await _outbound(sessions, conversation_id) == []  # staff only

    client.cookies.clear()
    await sign_in(client, "manager@shop.test")
    inbox_page = await client.get("/admin/inbox")
    assert "upset about delivery" in inbox_page.text.split('id="mentions"')[1]


async def test_operators_set_languages_and_skills_and_managers_also_capacity(
    client: httpx.AsyncClient, sessions: Sessions, make_staff: MakeStaff
) -> None:
    email = await make_staff("operator")
    await sign_in(client, email)
    token = await _csrf(client, "/admin/inbox")
    saved = await client.post(
        "/admin/inbox/profile",
        data={"csrf_token": token, "languages": ["ru", "ka"], "skills": "Returns, b2b"},
    )
    assert saved.status_code == 303
    async with sessions() as session:
        me = await feed.operator(session=session, staff_id=await _staff_id(sessions, email))
    assert me is not None and me.languages == ["ka", "ru"] and me.skills == ["b2b", "returns"]
    assert me.capacity == 8
    refused: list[dict[str, Any]] = [
        {"languages": ["xx"]},
        {"skills": ",".join(f"s{i}" for i in range(11))},
    ]
    for data in refused:
        response = await client.post("/admin/inbox/profile", data={"csrf_token": token, **data})
        assert response.status_code == 422, data
    operator_capacity = await client.post(
        "/admin/inbox/profile", data={"csrf_token": token, "capacity": "30"}
    )
    assert operator_capacity.status_code == 403

    client.cookies.clear()
    manager = await make_staff("manager")
    await sign_in(client, manager)
    token = await _csrf(client, "/admin/inbox")
    assert 'name="capacity"' in (await client.get("/admin/inbox")).text
    for bad in ("-1", "51", "many"):
        response = await client.post(
            "/admin/inbox/profile", data={"csrf_token": token, "capacity": bad}
        )
        assert response.status_code == 422, bad
    ok = await client.post("/admin/inbox/profile", data={"csrf_token": token, "capacity": "12"})
    assert ok.status_code == 303
    async with sessions() as session:
        boss = await feed.operator(session=session, staff_id=await _staff_id(sessions, manager))
    assert boss is not None and boss.capacity == 12
