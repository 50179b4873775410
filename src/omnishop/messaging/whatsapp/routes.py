"""``GET/POST /webhooks/whatsapp/{channel}``: the subscription handshake, then signed updates."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Path, Query, Request
from fastapi.responses import PlainTextResponse, Response

from omnishop.messaging import common
from omnishop.messaging.whatsapp.parse import parse
from omnishop.messaging.whatsapp.verify import SIGNATURE_HEADER, challenge, verify_signature

router = APIRouter(tags=["messaging"])
CODE = Path(pattern=r"^[a-z0-9][a-z0-9-]{0,39}$")


@router.get("/webhooks/whatsapp/{channel}", include_in_schema=False)
async def whatsapp_subscribe(
    request: Request,
    channel: Annotated[str, CODE],
    mode: Annotated[str | None, Query(alias="hub.mode", max_length=40)] = None,
    token: Annotated[str | None, Query(alias="hub.verify_token", max_length=500)] = None,
    hub_challenge: Annotated[str | None, Query(alias="hub.challenge", max_length=500)] = None,
) -> PlainTextResponse:
    settings = common.settings_of(request)
    await common.check_channel(request, platform="whatsapp", channel_code=channel)
    answer = challenge(mode, token, hub_challenge, verify_token=settings.whatsapp_verify_token)
    return PlainTextResponse(answer)


@router.post("/webhooks/whatsapp/{channel}", include_in_schema=False)
async def whatsapp_webhook(
    request: Request,
    channel: Annotated[str, CODE],
    signature: Annotated[str | None, Header(alias=SIGNATURE_HEADER)] = None,
) -> Response:
    settings = common.settings_of(request)
    body = await common.raw_body(request)
    verify_signature(body, signature, app_secret=settings.whatsapp_app_secret)
    messages = parse(common.json_object(body), channel_code=channel)
    messages = common.fresh(messages, max_age=common.max_age(settings))
    await common.accept(request, platform="whatsapp", channel_code=channel, messages=messages)
    return Response(status_code=200)
