"""Content blocks on SQLite and PostgreSQL: the live blocks of a slot for a channel and locale,
saved idempotently by key, malformed ones refused without a write."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.channels import service as channels
from omnishop.channels.schemas import ChannelCreate
from omnishop.content import demo as service_demo
from omnishop.content import service
from omnishop.content.models import ContentBlock
from omnishop.content.schemas import BlockCreate
from omnishop.kernel import clock
from omnishop.kernel.errors import ValidationFailed


async def georgian_channel(session: AsyncSession) -> None:
    await channels.create(
        session=session,
        data=ChannelCreate(
            code="web-ge", name="GE", kind="web", currency="GEL", default_locale="ka", country="GE"
        ),
    )


def block(key: str, **extra: object) -> BlockCreate:
    data: dict[str, object] = {
        "key": key,
        "placement": "home_hero",
        "title": {"ka": f"{key} ka", "en": f"{key} en"},
        "link_url": "/c/games",
        "cta_label": {"ka": "ნახვა"},
        **extra,
    }
    return BlockCreate.model_validate(data)


async def test_blocks_for_picks_live_blocks_of_the_channel_in_order(session: AsyncSession) -> None:
    await georgian_channel(session)
    now = clock.now()
    await service.save_many(
        session=session,
        items=[
            block("b-second", position=2),
            block("a-first", position=1, channel_codes=["web-ge"]),
            block("elsewhere", channel_codes=["telegram"]),
            block("ended", ends_at=now - timedelta(minutes=1)),
            block("later", starts_at=now + timedelta(days=1)),
            block("off", active=False),
            block("promo", placement="home_promo"),
        ],
    )

    english = await service.blocks_for(
        session=session, channel_code="web-ge", locale="en", placement="home_hero", now=now
    )
    russian = await service.blocks_for(
        session=session, channel_code="web-ge", locale="ru", placement="home_hero", now=now
    )
    tomorrow = await service.blocks_for(
        session=session,
        channel_code="web-ge",
        locale="en",
        placement="home_hero",
        now=now + timedelta(days=2),
    )
    home = await service.home_blocks(
        session=session, channel_code="web-ge", locale="en", fallback_locale="ka"
    )

    assert [b.title for b in english] == ["a-first en", "b-second en"]
    # No Russian texts: the channel's default (Georgian) shows.
    assert [(b.title, b.locale, b.cta_label) for b in russian] == [
        ("a-first ka", "ka", "ნახვა"),
        ("b-second ka", "ka", "ნახვა"),
    ]
    assert [b.title for b in tomorrow] == ["later en", "a-first en", "b-second en"]
    assert sorted(home) == ["home_hero", "home_promo"]
    assert [b.title for b in home["home_promo"]] == ["promo en"]


async def test_saving_by_key_updates_and_a_bad_block_writes_nothing(
    session: AsyncSession,
) -> None:
    await service.save(session=session, data=block("hero", position=1))
    await service.save(session=session, data=block("hero", position=5))
    with pytest.raises(ValidationFailed):
        await service.save(session=session, data=block("evil", link_url="javascript:alert(1)"))

    rows = list(await session.scalars(select(ContentBlock)))
    assert [(r.key, r.position) for r in rows] == [("hero", 5)]
    assert await session.scalar(select(func.count()).select_from(ContentBlock)) == 1


async def test_demo_blocks_are_complete_in_three_languages_and_seed_once(
    session: AsyncSession,
) -> None:
    await service_demo.seed_content(session)
    await service_demo.seed_content(session)

    rows = list(await session.scalars(select(ContentBlock)))
    assert len(rows) == len(service_demo.DEMO)
    assert all(set(r.title) == {"ru", "en", "ka"} for r in rows)
