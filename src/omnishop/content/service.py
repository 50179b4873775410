"""Content blocks: the live ones for a page slot, and writing them (seeds, imports)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.channels import service as channels
from omnishop.content import rules
from omnishop.content.models import ContentBlock
from omnishop.content.rules import BlockData, BlockView
from omnishop.content.schemas import BlockCreate
from omnishop.kernel import clock


def data_of(block: ContentBlock) -> BlockData:
    return BlockData(
        placement=block.placement,
        kind=block.kind,
        title=block.title or {},
        body=block.body or {},
        cta_label=block.cta_label or {},
        image_url=block.image_url,
        image_width=block.image_width,
        image_height=block.image_height,
        link_url=block.link_url,
        channel_codes=[str(c) for c in block.channel_codes or ()],
        starts_at=block.starts_at,
        ends_at=block.ends_at,
        position=block.position,
        active=block.active,
        key=block.key,
    )


async def blocks_for(
    *,
    session: AsyncSession,
    channel_code: str,
    locale: str,
    placement: str,
    now: datetime | None = None,
    fallback_locale: str | None = None,
) -> list[BlockView]:
    """Live blocks of ``placement`` for the channel, by position, in ``locale`` (missing
    texts fall back to the channel's default locale)."""
    if fallback_locale is None:
        channel = await channels.get_by_code(session=session, code=channel_code, active_only=False)
        fallback_locale = channel.default_locale
    moment = now or clock.now()
    # Dates and channels are filtered in Python (rules.select): a slot holds a handful of rows.
    rows = await session.scalars(
        select(ContentBlock).where(
            ContentBlock.placement == placement, ContentBlock.active.is_(True)
        )
    )
    return rules.select(
        [data_of(b) for b in rows],
        channel_code=channel_code,
        placement=placement,
        locale=locale,
        fallback_locale=fallback_locale,
        now=moment,
    )


async def home_blocks(
    *, session: AsyncSession, channel_code: str, locale: str, fallback_locale: str
) -> dict[str, list[BlockView]]:
    """Every home-page slot at once: {"home_hero": [...], "home_promo": [...], ...}."""
    now = clock.now()
    rows = await session.scalars(
        select(ContentBlock).where(
            ContentBlock.placement.like("home_%"), ContentBlock.active.is_(True)
        )
    )
    blocks = [data_of(b) for b in rows]
    return {
        placement: rules.select(
            blocks,
            channel_code=channel_code,
            placement=placement,
            locale=locale,
            fallback_locale=fallback_locale,
            now=now,
        )
        for placement in sorted({b.placement for b in blocks})
    }


async def save(*, session: AsyncSession, data: BlockCreate) -> ContentBlock:
    """Create a block, or update the one with the same ``key`` (seeds re-run safely)."""
    rules.check(BlockData(**data.model_dump()))
    block = None
    if data.key is not None:
        block = await session.scalar(select(ContentBlock).where(ContentBlock.key == data.key))
    if block is None:
        block = ContentBlock()
        session.add(block)
    for name, value in data.model_dump().items():
        setattr(block, name, value)
    await session.flush()
    return block


async def save_many(*, session: AsyncSession, items: Sequence[BlockCreate]) -> int:
    for item in items:
        await save(session=session, data=item)
    return len(items)
