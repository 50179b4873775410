"""Loyalty follows orders through the worker (SQLite and PostgreSQL): an order paid in any
channel earns once, a cancel takes the earn back and gives spent points back, a refunded
return takes back its share and credits store credit, an approved review earns a bonus."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omnishop.catalog import service as catalog
from omnishop.catalog.schemas import CategoryCreate, ProductCreate, TranslationIn, VariantCreate
from omnishop.customers.models import Customer
from omnishop.kernel import ids, outbox
from omnishop.kernel.db import unit_of_work
from omnishop.loyalty import earning, jobs, service
from omnishop.loyalty.models import EarnRule, LoyaltyEntry
from omnishop.orders import service as orders
from omnishop.orders.events import OrderPaid, ReturnRefunded
from omnishop.orders.schemas import OrderInfo, OrderLineInfo
from omnishop.reviews.events import ReviewApproved, ReviewWithdrawn
from tests.integration.test_orders_service import make_draft, shop

Sessions = async_sessionmaker[AsyncSession]


@dataclass(frozen=True)
class Member:
    customer_id: uuid.UUID


async def member(sessions: Sessions, *, bonus_first_order: int = 0) -> Member:
    """A customer and the programme's rules: 5% back everywhere (and a first-order bonus)."""
    async with unit_of_work(sessions) as session:
        row = Customer(email=f"{uuid.uuid4().hex[:8]}@example.com")
        session.add(row)
        session.add(EarnRule(name="5% back", kind="percent", percent=Decimal(5)))
        if bonus_first_order:
            session.add(
                EarnRule(
                    name="Welcome",
                    kind="bonus",
                    bonus_event="first_order",
                    bonus_points=bonus_first_order,
                )
            )
        await session.flush()
        return Member(row.id)


async def paid_order(sessions: Sessions, m: Member, *, code: str) -> OrderInfo:
    """An order of 2 kettles (1 500 ₽) and a mug (500 ₽) + shipping, placed in channel
    ``code`` and paid in cash (no PSP involved)."""
    async with unit_of_work(sessions) as session:
        s = await shop(session, code=code)
        draft = replace(
            await make_draft(session, s, payment_method="cod", customer_id=m.customer_id),
            payment_id=None,
        )
        order = await orders.place(session=session, draft=draft)
        await orders.mark_paid(session=session, order_id=order.id, actor="cashier")
    return order


async def balance(sessions: Sessions, m: Member) -> int:
    async with sessions() as session:
        return (await service.balance(session=session, customer_id=m.customer_id)).balance


async def kinds(sessions: Sessions, m: Member) -> list[tuple[str, int]]:
    async with sessions() as session:
        page = await service.history(session=session, customer_id=m.customer_id, limit=100)
    return [(e.kind, e.points) for e in reversed(page.data)]


async def test_an_order_paid_in_telegram_earns_once_for_the_customer(sessions: Sessions) -> None:
    m = await member(sessions)
    order = await paid_order(sessions, m, code="telegram")

    await outbox.drain(sessions)
    await outbox.drain(sessions)
    async with unit_of_work(sessions) as session:  # a redelivered event changes nothing
        await jobs.earn_when_paid(
            session,
            OrderPaid(
                order_id=order.id, number=order.number, channel_id=order.channel_id,
                total=order.total, currency=order.currency,
            ),
        )  # fmt: skip

    # 3 500 ₽ of goods (shipping excluded), 5% → 175 points
    assert await balance(sessions, m) == 175
    async with sessions() as session:
        entry = await session.scalar(select(LoyaltyEntry).where(LoyaltyEntry.kind == "earn"))
    assert entry is not None
    assert entry.reference == f"order:{order.id}" and entry.channel_id == order.channel_id
    assert entry.spend == 3_500_00 and entry.expires_at is not None


async def test_a_guest_order_earns_nothing(sessions: Sessions) -> None:
    await member(sessions)
    async with unit_of_work(sessions) as session:
        s = await shop(session, code="web")
        draft = replace(await make_draft(session, s, payment_method="cod"), payment_id=None)
        order = await orders.place(session=session, draft=draft)
        await orders.mark_paid(session=session, order_id=order.id)
    await outbox.drain(sessions)
    async with sessions() as session:
        assert await session.scalar(select(LoyaltyEntry.id)) is None


async def test_the_first_order_bonus_is_given_once(sessions: Sessions) -> None:
    m = await member(sessions, bonus_first_order=300)
    await paid_order(sessions, m, code="web")
    await paid_order(sessions, m, code="telegram")
    await outbox.drain(sessions)

    assert await kinds(sessions, m) == [("earn", 175), ("credit", 300), ("earn", 175)]
    assert await balance(sessions, m) == 650


async def test_a_cancel_takes_the_earn_back_and_gives_spent_points_back(
    sessions: Sessions,
) -> None:
    m = await member(sessions)
    earned = await paid_order(sessions, m, code="telegram")
    await outbox.drain(sessions)
    second = await paid_order(sessions, m, code="web")
    async with unit_of_work(sessions) as session:  # the second order spent 100 points
        await service.burn(
            session=session,
            customer_id=m.customer_id,
            points=100,
            reference=f"order:{second.id}",
            channel_id=second.channel_id,
            order_id=second.id,
        )
    await outbox.drain(sessions)
    assert await balance(sessions, m) == 175 - 100 + 175

    async with unit_of_work(sessions) as session:
        await orders.cancel(session=session, order_id=second.id, reason="changed mind", actor="t")
    await outbox.drain(sessions)
    await outbox.drain(sessions)

    # the second order's 175 are taken back, its 100 spent points return
    assert await balance(sessions, m) == 175 + 175 - 100 - 175 + 100
    assert await kinds(sessions, m) == [
        ("earn", 175),
        ("burn", -100),
        ("earn", 175),
        ("reverse", -175),
        ("reverse", 100),
    ]
    assert earned.id != second.id


async def test_a_cancel_cannot_take_back_points_already_spent(sessions: Sessions) -> None:
    m = await member(sessions)
    order = await paid_order(sessions, m, code="telegram")
    await outbox.drain(sessions)
    async with unit_of_work(sessions) as session:
        await service.burn(
            session=session, customer_id=m.customer_id, points=150, reference="order:x",
            channel_id=None,
        )  # fmt: skip
        await orders.cancel(session=session, order_id=order.id, reason="lost", actor="t")
    await outbox.drain(sessions)

    assert await balance(sessions, m) == 0
    assert (await kinds(sessions, m))[-1] == ("reverse", -25)


async def emit_refund(
    sessions: Sessions,
    order: OrderInfo,
    *,
    amount: int,
    store_credit: bool,
    lines: list[dict[str, object]] | None = None,
) -> uuid.UUID:
    return_id = ids.new_id()
    async with unit_of_work(sessions) as session:
        await outbox.emit(
            session,
            ReturnRefunded(
                order_id=order.id,
                return_id=return_id,
                amount=amount,
                currency="RUB",
                store_credit=store_credit,
                customer_id=str(order.customer_id),
                channel_id=order.channel_id,
                lines=lines or [],
                number=order.number,
            ),
        )
    return return_id


async def test_a_refunded_return_takes_back_its_share_and_store_credit_becomes_points(
    sessions: Sessions,
) -> None:
    m = await member(sessions)
    order = await paid_order(sessions, m, code="web")
    await outbox.drain(sessions)
    assert order.total == 3_800_00  # 3 500 ₽ goods + 300 ₽ shipping

    # a mug (500 ₽) back to the card, then a kettle (1 500 ₽) as store credit
    await emit_refund(sessions, order, amount=500_00, store_credit=False)
    await emit_refund(sessions, order, amount=1_500_00, store_credit=True)
    await outbox.drain(sessions)
    await outbox.drain(sessions)

    # 175 * 500/3800 = 23.03 → 23; 175 * 1500/3800 = 69.08 → 69; credit 1 500 points
    assert await kinds(sessions, m) == [
        ("earn", 175),
        ("reverse", -23),
        ("reverse", -69),
        ("credit", 1500),
    ]
    assert await balance(sessions, m) == 175 - 23 - 69 + 1500


async def test_a_partial_return_takes_back_the_earn_of_the_goods_returned_not_less(
    sessions: Sessions,
) -> None:
    m = await member(sessions)
    order = await paid_order(sessions, m, code="web")
    await outbox.drain(sessions)
    mug = next(ln for ln in order.lines if ln.total == 500_00)
    kettles = next(ln for ln in order.lines if ln.total == 3_000_00)

    def returned(line: OrderLineInfo, quantity: int, amount: int) -> dict[str, object]:
        return {"order_line_id": str(line.id), "variant_id": str(line.variant_id),
                "quantity": quantity, "amount": amount, "exchange": False}  # fmt: skip

    # the mug (500 ₽) back to the card, then one kettle (1 500 ₽) as store credit; an
    # exchanged kettle refunds nothing and keeps its points
    await emit_refund(sessions, order, amount=500_00, store_credit=False,
                      lines=[returned(mug, 1, 500_00)])  # fmt: skip
    await emit_refund(
        sessions, order, amount=1_500_00, store_credit=True,
        lines=[returned(kettles, 1, 1_500_00), {**returned(kettles, 1, 0), "exchange": True}],
    )  # fmt: skip
    await outbox.drain(sessions)
    await outbox.drain(sessions)

    # 175 points were 5% of the 3 500 ₽ of goods: 500 ₽ back takes 25, 1 500 ₽ takes 75
    # (against the whole total with its shipping they would be 23 and 69: points kept for
    # goods given back)
    assert await kinds(sessions, m) == [
        ("earn", 175),
        ("reverse", -25),
        ("reverse", -75),
        ("credit", 1500),
    ]
    assert await balance(sessions, m) == 175 - 25 - 75 + 1500


async def test_store_credit_in_whole_points_never_loses_part_of_the_refund(
    sessions: Sessions,
) -> None:
    m = await member(sessions)
    order = await paid_order(sessions, m, code="web")
    await outbox.drain(sessions)

    await emit_refund(sessions, order, amount=1_299_50, store_credit=True)
    await outbox.drain(sessions)
    await outbox.drain(sessions)

    assert (await kinds(sessions, m))[-1] == ("credit", 1300)


async def test_an_approved_review_earns_its_bonus_once_and_loses_it_when_withdrawn(
    sessions: Sessions,
) -> None:
    m = await member(sessions)
    async with unit_of_work(sessions) as session:
        session.add(
            EarnRule(name="Review", kind="bonus", bonus_event="review_written", bonus_points=50)
        )
        channel_id = (await shop(session, code="telegram")).channel_id
    review_id, product_id = ids.new_id(), ids.new_id()

    def approved(customer_id: str | None) -> ReviewApproved:
        return ReviewApproved(
            review_id=review_id, product_id=product_id, channel_id=channel_id,
            customer_id=customer_id, rating=5, verified_purchase=True, photos=0,
            photo_rights_consent=False,
        )  # fmt: skip

    for _ in range(2):  # delivered twice
        async with unit_of_work(sessions) as session:
            await outbox.emit(session, approved(str(m.customer_id)))
        await outbox.drain(sessions)
    async with unit_of_work(sessions) as session:  # a guest's review earns nothing
        await jobs.bonus_for_review(session, replace(approved(None), review_id=ids.new_id()))
    assert await kinds(sessions, m) == [("credit", 50)]

    async with unit_of_work(sessions) as session:
        await outbox.emit(
            session, ReviewWithdrawn(review_id=review_id, product_id=product_id, status="rejected")
        )
    await outbox.drain(sessions)
    await outbox.drain(sessions)

    assert await kinds(sessions, m) == [("credit", 50), ("reverse", -50)]
    assert await balance(sessions, m) == 0


async def test_a_refunded_return_gives_back_its_share_of_the_points_spent(
    sessions: Sessions,
) -> None:
    m = await member(sessions)
    async with unit_of_work(sessions) as session:
        await service.adjust(
            session=session, customer_id=m.customer_id, points=1000, reason="gift", actor="t"
        )
    order = await paid_order(sessions, m, code="web")
    async with unit_of_work(sessions) as session:  # as if 380 points had paid for part of it
        await service.burn(
            session=session, customer_id=m.customer_id, points=380,
            reference=f"order:{order.id}", channel_id=order.channel_id, order_id=order.id,
        )  # fmt: skip
    await outbox.drain(sessions)
    before = await balance(sessions, m)

    # half the money back, twice (the second redelivered), then the rest
    await emit_refund(sessions, order, amount=1_900_00, store_credit=False)
    await outbox.drain(sessions)
    half = await balance(sessions, m)
    await emit_refund(sessions, order, amount=1_900_00, store_credit=False)
    await outbox.drain(sessions)

    history = await kinds(sessions, m)
    assert half - before == 190 - 88  # 380 * 1/2 back, 175 * 1/2 (87.5 → 88) taken
    assert [p for k, p in history if k == "reverse" and p > 0] == [190, 190]
    assert sum(p for k, p in history if k == "reverse" and p < 0) == -175


async def test_a_cart_shows_the_points_it_would_earn(sessions: Sessions) -> None:
    m = await member(sessions)
    async with unit_of_work(sessions) as session:
        s = await shop(session, code="web")
        lines = [(s.kettle, 3_000_00), (s.mug, 500_00)]
        full = await earning.estimate(
            session=session, customer_id=m.customer_id, channel_id=s.channel_id,
            channel_code="web", currency="RUB", lines=lines,
        )  # fmt: skip
        with_points = await earning.estimate(
            session=session, customer_id=None, channel_id=s.channel_id, channel_code="web",
            currency="RUB", lines=lines, points_amount=1_000_00,
        )  # fmt: skip
        no_rate = await earning.estimate(
            session=session, customer_id=None, channel_id=s.channel_id, channel_code="web",
            currency="JPY", lines=lines,
        )  # fmt: skip

    assert (full, with_points, no_rate) == (175, 125, 0)


async def test_a_category_rule_covers_its_subcategories_and_a_channel_rule_its_channel(
    sessions: Sessions,
) -> None:
    await member(sessions)  # 5% everywhere
    async with unit_of_work(sessions) as session:
        s = await shop(session, code="telegram")
        games = await catalog.create_category(
            session=session,
            data=CategoryCreate(slug="games", translations={"ru": TranslationIn(name="Игры")}),
        )
        ps4 = await catalog.create_category(
            session=session,
            data=CategoryCreate(
                slug="ps4", parent_id=games.id, translations={"ru": TranslationIn(name="PS4")}
            ),
        )
        product = await catalog.create_product(
            session=session,
            data=ProductCreate(
                slug="game-1", category_id=ps4.id, translations={"ru": TranslationIn(name="Игра")},
                variants=[VariantCreate(sku="game-1")],
            ),
        )  # fmt: skip
        game = (await catalog.get_bundle(session=session, id_or_slug=str(product.id))).variants[0]
        session.add_all(
            [
                EarnRule(name="Games 10%", percent=Decimal(10), category_ids=[str(games.id)]),
                EarnRule(name="Telegram 7%", percent=Decimal(7), channel_codes=["telegram"]),
            ]
        )
        await session.flush()

        async def estimate(channel_code: str, variant_id: uuid.UUID) -> int:
            return await earning.estimate(
                session=session, customer_id=None, channel_id=s.channel_id,
                channel_code=channel_code, currency="RUB", lines=[(variant_id, 1_000_00)],
            )  # fmt: skip

        assert await estimate("web", game.id) == 100  # the games rule, through "games/ps4"
        assert await estimate("web", s.mug) == 50  # only the 5% rule
        assert await estimate("telegram", s.mug) == 70  # the telegram rule beats 5%
        assert await estimate("telegram", game.id) == 100  # the best rule, not the sum
