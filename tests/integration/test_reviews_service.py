"""Reviews on SQLite and PostgreSQL: only received purchases may be reviewed, once; moderation
moves the rating summary in the same transaction; reports send a review back to the queue."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.channels import service as channels
from omnishop.channels.schemas import ChannelCreate
from omnishop.kernel import clock
from omnishop.kernel.outbox import OutboxEvent
from omnishop.orders import purchases
from omnishop.reviews import moderation, service
from omnishop.reviews.rules import (
    AlreadyReviewed,
    InvalidReviewTransition,
    ReportReason,
    ReviewNotAllowed,
    ReviewStatus,
)
from omnishop.reviews.schemas import ReportCreate, ReviewCreate
from tests.reviews_fixtures import more_buyers, new_customer, purchase


def review(rating: int = 5, **extra: object) -> ReviewCreate:
    return ReviewCreate.model_validate({"rating": rating, "text": "Boils fast, quiet.", **extra})


async def test_delivered_order_for_finds_only_received_orders_of_the_product(
    session: AsyncSession,
) -> None:
    got = await purchase(session, "web-p1")
    pending = await purchase(session, "web-p2", delivered=False)

    assert (
        await purchases.delivered_order_for(
            session=session, customer_id=got.customer_id, product_id=got.product_id
        )
        == got.order_id
    )
    assert (
        await purchases.delivered_order_for(
            session=session, customer_id=got.customer_id, product_id=got.other_product_id
        )
        is None
    )
    assert (
        await purchases.delivered_order_for(
            session=session, customer_id=pending.customer_id, product_id=pending.product_id
        )
        is None
    )


async def test_a_buyer_reviews_a_received_product_once(
    session: AsyncSession, tmp_path: Path
) -> None:
    p = await purchase(session)

    before = await service.eligibility(
        session=session, customer_id=p.customer_id, product_ref=p.kettle_slug
    )
    created = await service.submit(
        session=session,
        customer_id=p.customer_id,
        product_ref=p.kettle_slug,
        data=review(4, title="  Good   kettle "),
        media_dir=tmp_path,
    )
    after = await service.eligibility(
        session=session, customer_id=p.customer_id, product_ref=str(p.product_id)
    )

    assert (before.eligible, before.reason) == (True, None)
    assert created.status == ReviewStatus.PENDING
    assert created.verified_purchase and created.order_id == p.order_id
    assert created.channel_id == p.channel_id  # default: the order's channel
    assert (created.title, created.author_name, created.locale) == ("Good kettle", "Anna K.", "ka")
    assert (after.eligible, after.reason) == (False, "already_reviewed")
    with pytest.raises(AlreadyReviewed):
        await service.submit(
            session=session,
            customer_id=p.customer_id,
            product_ref=p.kettle_slug,
            data=review(),
            media_dir=tmp_path,
        )


async def test_without_a_received_order_there_is_no_review(
    session: AsyncSession, tmp_path: Path
) -> None:
    p = await purchase(session, "web-nr", delivered=False)
    stranger = await new_customer(session, "Ivan", "")

    for customer_id, product in (
        (p.customer_id, p.product_id),  # ordered, not yet delivered
        (stranger.id, p.product_id),  # never ordered
    ):
        with pytest.raises(ReviewNotAllowed):
            await service.submit(
                session=session,
                customer_id=customer_id,
                product_ref=str(product),
                data=review(),
                media_dir=tmp_path,
            )
    assert (await moderation.list_for_moderation(session=session)).data == []


async def test_a_review_from_chat_records_its_channel(
    session: AsyncSession, tmp_path: Path
) -> None:
    p = await purchase(session, "web-ch")
    await channels.create(
        session=session,
        data=ChannelCreate(
            code="tg-rv",
            name="TG",
            kind="telegram",
            currency="RUB",
            default_locale="ru",
            country="RU",
        ),
    )

    created = await service.submit(
        session=session,
        customer_id=p.customer_id,
        product_ref=p.kettle_slug,
        data=review(channel="tg-rv"),
        media_dir=tmp_path,
    )

    assert created.channel_id != p.channel_id
    assert created.channel_id == (await channels.get_by_code(session=session, code="tg-rv")).id


async def test_moderation_moves_the_rating_summary_with_the_status(
    session: AsyncSession, tmp_path: Path
) -> None:
    p = await purchase(session, "web-mod")
    buyers = [p.customer_id, *await more_buyers(session, p, 3)]
    ids = [
        (
            await service.submit(
                session=session,
                customer_id=buyer,
                product_ref=p.kettle_slug,
                data=review(stars),
                media_dir=tmp_path,
            )
        ).id
        for buyer, stars in zip(buyers, [5, 4, 4, 1], strict=True)
    ]

    empty = await service.rating(session=session, product_ref=p.kettle_slug)
    hidden = await service.list_public(session=session, product_ref=p.kettle_slug)
    for review_id in ids:
        await moderation.approve(session=session, review_id=review_id, actor="test")
    all_in = await service.rating(session=session, product_ref=p.kettle_slug)
    await moderation.reject(session=session, review_id=ids[3], reason="Off topic", actor="test")
    after_reject = await service.rating(session=session, product_ref=str(p.product_id))
    public = await service.list_public(session=session, product_ref=p.kettle_slug)

    assert (empty.count, empty.average, hidden.data) == (0, 0, [])
    assert (all_in.count, all_in.average) == (4, 350)
    assert all_in.histogram == {"1": 1, "2": 0, "3": 0, "4": 2, "5": 1}
    assert (after_reject.count, after_reject.average) == (3, 433)
    assert after_reject.histogram == {"1": 0, "2": 0, "3": 0, "4": 2, "5": 1}
    assert {r.id for r in public.data} == set(ids[:3])
    with pytest.raises(InvalidReviewTransition):
        await moderation.approve(session=session, review_id=ids[0], actor="test")
    topics = list(await session.scalars(select(OutboxEvent.topic)))
    assert topics.count("reviews.approved") == 4
    assert topics.count("reviews.withdrawn") == 1


async def test_public_list_pages_newest_first_and_shows_the_reply(
    session: AsyncSession, tmp_path: Path
) -> None:
    p = await purchase(session, "web-pg")
    buyers = [p.customer_id, *await more_buyers(session, p, 2)]
    ids = []
    for buyer in buyers:
        created = await service.submit(
            session=session,
            customer_id=buyer,
            product_ref=p.kettle_slug,
            data=review(),
            media_dir=tmp_path,
        )
        await moderation.approve(session=session, review_id=created.id, actor="test")
        ids.append(created.id)
    await moderation.reply(session=session, review_id=ids[0], text="Thank you!", actor="staff")

    first = await service.list_public(session=session, product_ref=p.kettle_slug, limit=2)
    second = await service.list_public(
        session=session, product_ref=p.kettle_slug, cursor=first.next_cursor, limit=2
    )

    seen = [r.id for r in first.data + second.data]
    assert sorted(seen) == sorted(ids) and len(first.data) == 2 and second.next_cursor is None
    replied = next(r for r in first.data + second.data if r.id == ids[0])
    assert replied.reply is not None and replied.reply.text == "Thank you!"
    assert all(r.verified_purchase for r in first.data + second.data)


async def test_enough_reports_send_a_review_back_to_the_queue(
    session: AsyncSession, tmp_path: Path
) -> None:
    p = await purchase(session, "web-rep")
    created = await service.submit(
        session=session,
        customer_id=p.customer_id,
        product_ref=p.kettle_slug,
        data=review(2),
        media_dir=tmp_path,
    )
    await moderation.approve(session=session, review_id=created.id, actor="test")
    reporters = [(await new_customer(session, f"R{i}")).id for i in range(3)]
    spam = ReportCreate(reason=ReportReason.SPAM)

    first = await service.report(
        session=session, review_id=created.id, reporter_id=reporters[0], data=spam
    )
    again = await service.report(
        session=session, review_id=created.id, reporter_id=reporters[0], data=spam
    )
    await service.report(session=session, review_id=created.id, reporter_id=reporters[1], data=spam)
    still = await service.rating(session=session, product_ref=p.kettle_slug)
    await service.report(session=session, review_id=created.id, reporter_id=reporters[2], data=spam)
    requeued = await moderation.get(session=session, review_id=created.id)
    gone = await service.rating(session=session, product_ref=p.kettle_slug)

    assert (first.created, again.created) == (True, False)
    assert still.count == 1
    assert (requeued.status, requeued.report_count) == (ReviewStatus.PENDING, 3)
    assert gone.count == 0


async def test_the_moderation_queue_pages_oldest_first_without_gaps_or_repeats(
    session: AsyncSession, tmp_path: Path
) -> None:
    p = await purchase(session, "web-mq")
    buyers = [p.customer_id, *await more_buyers(session, p, 2)]
    ids = []
    for n, buyer in enumerate(buyers):
        clock.freeze(datetime(2026, 3, 1, 10, n, tzinfo=UTC))
        created = await service.submit(
            session=session, customer_id=buyer, product_ref=p.kettle_slug, data=review(),
            media_dir=tmp_path,
        )  # fmt: skip
        ids.append(created.id)

    first = await moderation.list_for_moderation(session=session, product_id=p.product_id, limit=2)
    second = await moderation.list_for_moderation(
        session=session, product_id=p.product_id, cursor=first.next_cursor, limit=2
    )

    assert [r.id for r in first.data + second.data] == ids
    assert first.next_cursor is not None and second.next_cursor is None
