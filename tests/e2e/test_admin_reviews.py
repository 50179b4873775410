"""The back-office moderation queue and content blocks: approve in one click, reject with a
reason through a CSRF-checked form, analysts only look; malformed blocks are refused."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omnishop.content.models import ContentBlock
from omnishop.kernel.db import unit_of_work
from omnishop.reviews import moderation, service
from omnishop.reviews.photos import PhotoUpload
from omnishop.reviews.schemas import ReviewCreate
from tests.e2e.test_admin import MakeStaff, make_staff, sign_in
from tests.reviews_fixtures import more_buyers, purchase

__all__ = ["make_staff"]


async def pending_reviews(
    sessions: async_sessionmaker[AsyncSession], tmp_path: Path, count: int
) -> list[str]:
    async with unit_of_work(sessions) as session:
        p = await purchase(session, "web-adm")
        buyers = [p.customer_id, *await more_buyers(session, p, count - 1)]
        return [
            str(
                (
                    await service.submit(
                        session=session,
                        customer_id=buyer,
                        product_ref=p.kettle_slug,
                        data=ReviewCreate(rating=5, text=f"Review number {i}"),
                        media_dir=tmp_path,
                    )
                ).id
            )
            for i, buyer in enumerate(buyers)
        ]


async def status_of(sessions: async_sessionmaker[AsyncSession], review_id: str) -> str:
    async with sessions() as session:
        return (await moderation.get(session=session, review_id=uuid.UUID(review_id))).status


async def test_staff_approve_and_reject_with_a_reason_from_the_queue(
    client: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    make_staff: MakeStaff,
    tmp_path: Path,
) -> None:
    first, second = await pending_reviews(sessions, tmp_path, 2)
    await sign_in(client, await make_staff("manager"))

    queue = await client.get("/admin/review/list")
    approved = await client.get(f"/admin/review/action/approve?pks={first}")
    queue_after = await client.get("/admin/review/list")
    everything = await client.get("/admin/review/list?status=all")
    form = await client.get(f"/admin/review/action/reject?pks={second}")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token is not None
    forged = await client.post(
        "/admin/review/decide",
        data={"decision": "reject", "pks": second, "text": "Spam", "csrf_token": "nope"},
    )
    rejected = await client.post(
        "/admin/review/decide",
        data={
            "decision": "reject",
            "pks": second,
            "text": "Spam",
            "back": "/admin/review/list",
            "csrf_token": token.group(1),
        },
    )

    assert queue.status_code == 200 and "Review number 0" in queue.text
    assert approved.status_code == 302
    assert "Review number 0" not in queue_after.text and "Review number 1" in queue_after.text
    assert "Review number 0" in everything.text
    assert form.status_code == 200 and "Reason" in form.text
    assert forged.status_code == 403
    assert rejected.status_code == 302
    assert await status_of(sessions, first) == "approved"
    assert await status_of(sessions, second) == "rejected"


async def test_analysts_cannot_moderate(
    client: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    make_staff: MakeStaff,
    tmp_path: Path,
) -> None:
    (review_id,) = await pending_reviews(sessions, tmp_path, 1)
    await sign_in(client, await make_staff("analyst"))

    seen = await client.get("/admin/review/list")
    refused = await client.get(f"/admin/review/action/approve?pks={review_id}")

    assert seen.status_code == 200
    assert refused.status_code == 403
    assert await status_of(sessions, review_id) == "pending"


async def test_content_blocks_are_edited_and_malformed_ones_refused(
    client: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    make_staff: MakeStaff,
) -> None:
    await sign_in(client, await make_staff("manager"))
    form = {
        "key": "hero-1",
        "placement": "home_hero",
        "kind": "banner",
        "title": '{"ru": "Распродажа", "en": "Sale"}',
        "body": "{}",
        "cta_label": '{"ru": "Смотреть"}',
        "channel_codes": "[]",
        "position": "1",
        "active": "y",
    }

    bad = await client.post(
        "/admin/content-block/create", data={**form, "link_url": "javascript:x"}
    )
    good = await client.post("/admin/content-block/create", data={**form, "link_url": "/c/games"})

    assert bad.status_code == 400 and "link_url" in bad.text
    assert good.status_code == 302, good.text[:2000]
    async with sessions() as session:
        rows = list(await session.scalars(select(ContentBlock)))
    assert [(r.key, r.title["en"], r.link_url) for r in rows] == [("hero-1", "Sale", "/c/games")]


async def test_the_moderator_sees_the_photos(
    client: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    make_staff: MakeStaff,
    tmp_path: Path,
) -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 60
    async with unit_of_work(sessions) as session:
        p = await purchase(session, "web-ph")
        created = await service.submit(
            session=session,
            customer_id=p.customer_id,
            product_ref=p.kettle_slug,
            data=ReviewCreate(rating=4, text="With a photo"),
            uploads=[PhotoUpload(data=png)],
            media_dir=tmp_path,
        )
    await sign_in(client, await make_staff("manager"))

    page = await client.get(f"/admin/review/details/{created.id}")

    assert page.status_code == 200
    assert f'<img src="{created.photos[0].url}"' in page.text
