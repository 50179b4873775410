"""``POST /webhooks/telegram/{channel}``: the secret-token header, then the Update.

A callback query is answered at once in the webhook's own response (Telegram performs a
method returned as the response body), which stops the button's spinner; what the button
does comes later from the bot, through the outbox.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Request
from fastapi.responses import JSONResponse

from omnishop.messaging import common
from omnishop.messaging.telegram.parse import parse
from omnishop.messaging.telegram.verify import HEADER, verify

router = APIRouter(tags=["messaging"])
CODE = Path(pattern=r"^[a-z0-9][a-z0-9-]{0,39}$")
# Telegram keeps an undelivered update for 24 hours; older ones are replays.
MAX_AGE = timedelta(hours=25)


@router.post("/webhooks/telegram/{channel}", include_in_schema=False)
async def telegram_webhook(
    request: Request,
    channel: Annotated[str, CODE],
    secret: Annotated[str | None, Header(alias=HEADER)] = None,
) -> JSONResponse:
    settings = common.settings_for(request, channel)  # each bot has its own secret
    verify(secret, secret_token=settings.telegram_secret_token)
    data = common.json_object(await common.raw_body(request))
    messages = common.fresh(parse(data, channel_code=channel), max_age=MAX_AGE)
    await common.accept(request, platform="telegram", channel_code=channel, messages=messages)
    body: dict[str, Any] = {}
    for message in messages:
        if "callback_query_id" in message.meta:
            body = {
                "method": "answerCallbackQuery",
                "callback_query_id": message.meta["callback_query_id"],
            }
    return JSONResponse(body)
