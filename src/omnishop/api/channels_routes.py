from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path

from omnishop.api.auth import require_scope
from omnishop.api.deps import SessionDep
from omnishop.api.pagination import Cursor, Limit, Page, decode_cursor, encode_cursor
from omnishop.channels import service
from omnishop.channels.schemas import ChannelCreate, ChannelRead, ChannelUpdate
from omnishop.kernel.errors import ValidationFailed

router = APIRouter(tags=["channels"])
CodePath = Annotated[str, Path(min_length=1, max_length=40)]


@router.get("/channels")
async def list_channels(
    session: SessionDep, cursor: Cursor = None, limit: Limit = 50
) -> Page[ChannelRead]:
    """Active sales channels with their currency and default locale."""
    after = decode_cursor(cursor)
    after_code = after.get("code") if after else None
    if after is not None and not isinstance(after_code, str):
        raise ValidationFailed("malformed cursor", field="cursor")
    channels = await service.list_channels(session=session, after_code=after_code, limit=limit + 1)
    page = channels[:limit]
    more = len(channels) > limit
    return Page(
        data=[ChannelRead.model_validate(c) for c in page],
        next_cursor=encode_cursor({"code": page[-1].code}) if more else None,
    )


@router.post("/channels", status_code=201, dependencies=[Depends(require_scope("channels:write"))])
async def create_channel(session: SessionDep, body: ChannelCreate) -> ChannelRead:
    return ChannelRead.model_validate(await service.create(session=session, data=body))


@router.patch("/channels/{code}", dependencies=[Depends(require_scope("channels:write"))])
async def update_channel(session: SessionDep, code: CodePath, body: ChannelUpdate) -> ChannelRead:
    """Change a channel; `{"active": false}` archives it."""
    return ChannelRead.model_validate(await service.update(session=session, code=code, data=body))
