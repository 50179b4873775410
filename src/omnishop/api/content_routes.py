"""Content API: the live CMS blocks of a page slot, for the PWA, the Mini App and the chat."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from omnishop.api.deps import ChannelDep, LocaleDep, SessionDep
from omnishop.content import service
from omnishop.content.models import Placement
from omnishop.content.rules import BlockView

router = APIRouter(tags=["content"])


@router.get("/content/blocks")
async def content_blocks(
    session: SessionDep,
    channel: ChannelDep,
    locale: LocaleDep,
    placement: Annotated[Placement, Query(description="Page slot, e.g. `home_hero`.")],
) -> list[BlockView]:
    """Live blocks of a slot for the channel, by position, in the `Accept-Language` locale
    (texts missing in it fall back to the channel's default locale)."""
    return await service.blocks_for(
        session=session,
        channel_code=channel.code,
        locale=locale,
        placement=placement,
        fallback_locale=channel.default_locale,
    )
