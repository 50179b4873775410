"""A photo from the widget (an item the visitor wants help with): checked by its bytes, stored
under ``<media_dir>/chat/`` with an unguessable name, and received as an "image" message (the
bot hands such a chat to a person, who sees the photo in the inbox)."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, Form, Header, HTTPException, Request, UploadFile
from fastapi.responses import JSONResponse

from omnishop.conversations.wire import InboundMessage, Media
from omnishop.kernel import clock, ids
from omnishop.kernel.errors import ValidationFailed
from omnishop.messaging.webchat.routes import (
    _check_channel,
    _sender,
    accepted,
    bearer,
    store,
    throttled,
)
from omnishop.reviews.rules import sniff_image

router = APIRouter(tags=["webchat"])
FOLDER = "chat"
MAX_PHOTO_BYTES = 5 * 1024 * 1024


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("xb") as fh:
        fh.write(data)


@router.post("/webchat/{channel}/photos", status_code=202)
async def post_photo(
    request: Request,
    channel: str,
    id: Annotated[uuid.UUID, Form()],
    file: Annotated[UploadFile, File()],
    authorization: Annotated[str | None, Header()] = None,
) -> JSONResponse:
    """Store a JPEG, PNG or WebP of at most 5 MB and receive it as the visitor's message."""
    sender = _sender(request, bearer(authorization))
    await throttled(request, sender)
    await _check_channel(request, channel)
    data = await file.read(MAX_PHOTO_BYTES + 1)
    if len(data) > MAX_PHOTO_BYTES:
        raise HTTPException(413, "a photo is at most 5 MB")
    kind = sniff_image(data[:16])
    if kind is None:
        raise ValidationFailed("send a JPEG, PNG or WebP photo", field="file")
    content_type, extension = kind
    settings = request.app.state.settings
    name = f"{FOLDER}/{ids.new_token(24)}.{extension}"
    message = InboundMessage(
        platform="webchat",
        channel_code=channel,
        external_id=f"{sender}:{id}",
        sender_id=sender,
        kind="image",
        sent_at=clock.now(),
        media=Media(url=f"{settings.media_url.rstrip('/')}/{name}", mime_type=content_type),
    )
    path = Path(settings.media_dir) / name
    await asyncio.to_thread(_write, path, data)
    try:
        received = await store(request, channel, sender, message)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    if received.duplicate:  # a retried upload: the first file stays, this copy goes
        path.unlink(missing_ok=True)
    return accepted(received)
