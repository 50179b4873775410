"""Reviews under real concurrency (committed transactions on their own connections), on
SQLite and PostgreSQL: concurrent approvals lose no count, one review approved twice at once
counts once, a double submit stores one review."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from omnishop.kernel.db import make_sessionmaker, unit_of_work
from omnishop.reviews import moderation, service
from omnishop.reviews.models import Review
from omnishop.reviews.rules import AlreadyReviewed, InvalidReviewTransition
from omnishop.reviews.schemas import ReviewCreate, ReviewStaffRead
from tests.reviews_fixtures import more_buyers, purchase


async def approve(factory: async_sessionmaker[AsyncSession], review_id: uuid.UUID) -> object:
    async with unit_of_work(factory) as session:
        return await moderation.approve(session=session, review_id=review_id, actor="race")


async def submit(
    factory: async_sessionmaker[AsyncSession], customer_id: uuid.UUID, slug: str, media: Path
) -> ReviewStaffRead:
    async with unit_of_work(factory) as session:
        return await service.submit(
            session=session,
            customer_id=customer_id,
            product_ref=slug,
            data=ReviewCreate(rating=3, text="Twice at once"),
            media_dir=media,
        )


async def test_concurrent_moderation_keeps_the_summary_exact(
    fresh_engine: AsyncEngine, tmp_path: Path
) -> None:
    factory = make_sessionmaker(fresh_engine)
    ratings = [5, 4, 4, 3, 1]  # the shop holds 5 kettles at its main warehouse
    async with unit_of_work(factory) as session:
        p = await purchase(session, "web-race")
        buyers = [p.customer_id, *await more_buyers(session, p, len(ratings) - 1)]
        ids = [
            (
                await service.submit(
                    session=session,
                    customer_id=buyer,
                    product_ref=p.kettle_slug,
                    data=ReviewCreate(rating=stars, text="Race"),
                    media_dir=tmp_path,
                )
            ).id
            for buyer, stars in zip(buyers, ratings, strict=True)
        ]

    # Every review approved at once, and the first one twice more.
    results = await asyncio.gather(
        *(approve(factory, rid) for rid in [*ids, ids[0], ids[0]]), return_exceptions=True
    )

    async with factory() as session:
        summary = await service.rating(session=session, product_ref=p.kettle_slug)
    assert [type(r) for r in results if isinstance(r, Exception)] == [InvalidReviewTransition] * 2
    assert summary.count == len(ratings)
    assert summary.histogram == {"1": 1, "2": 0, "3": 1, "4": 2, "5": 1}
    assert summary.average == 340  # 17 / 5


async def test_a_double_submit_stores_one_review(fresh_engine: AsyncEngine, tmp_path: Path) -> None:
    factory = make_sessionmaker(fresh_engine)
    async with unit_of_work(factory) as session:
        p = await purchase(session, "web-dbl")

    results = await asyncio.gather(
        *(submit(factory, p.customer_id, p.kettle_slug, tmp_path) for _ in range(3)),
        return_exceptions=True,
    )

    async with factory() as session:
        stored = await session.scalar(select(func.count()).select_from(Review))
    assert sum(isinstance(r, ReviewStaffRead) for r in results) == 1
    assert [type(r) for r in results if isinstance(r, Exception)] == [AlreadyReviewed] * 2
    assert stored == 1
