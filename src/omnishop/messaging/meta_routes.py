"""``GET/POST /webhooks/{whatsapp|messenger}/{channel}``: Meta's subscription handshake, then
signed updates. WhatsApp Cloud API and Messenger share the webhook protocol; only the parser
and the credentials differ."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Literal

from fastapi import APIRouter, Header, Path, Query, Request
from fastapi.responses import PlainTextResponse, Response

from omnishop.conversations.wire import InboundMessage
from omnishop.messaging import common
from omnishop.messaging.config import MessagingSettings
from omnishop.messaging.meta import SIGNATURE_HEADER, challenge, verify_signature

CODE = Path(pattern=r"^[a-z0-9][a-z0-9-]{0,39}$")
Parser = Callable[..., tuple[InboundMessage, ...]]


def meta_router(
    platform: Literal["whatsapp", "messenger"],
    parse: Parser,
    *,
    verify_token: Callable[[MessagingSettings], str],
    app_secret: Callable[[MessagingSettings], str],
) -> APIRouter:
    """The two webhook routes of one Meta platform."""
    router = APIRouter(tags=["messaging"])

    @router.get(f"/webhooks/{platform}/{{channel}}", include_in_schema=False)
    async def subscribe(
        request: Request,
        channel: Annotated[str, CODE],
        mode: Annotated[str | None, Query(alias="hub.mode", max_length=40)] = None,
        token: Annotated[str | None, Query(alias="hub.verify_token", max_length=500)] = None,
        hub_challenge: Annotated[str | None, Query(alias="hub.challenge", max_length=500)] = None,
    ) -> PlainTextResponse:
        settings = common.settings_for(request, channel)
        await common.check_channel(request, platform=platform, channel_code=channel)
        answer = challenge(mode, token, hub_challenge, verify_token=verify_token(settings))
        return PlainTextResponse(answer)

    @router.post(f"/webhooks/{platform}/{{channel}}", include_in_schema=False)
    async def webhook(
        request: Request,
        channel: Annotated[str, CODE],
        signature: Annotated[str | None, Header(alias=SIGNATURE_HEADER)] = None,
    ) -> Response:
        settings = common.settings_for(request, channel)  # each app/number its own secret
        body = await common.raw_body(request)
        verify_signature(body, signature, app_secret=app_secret(settings))
        messages = parse(common.json_object(body), channel_code=channel)
        messages = common.fresh(messages, max_age=common.max_age(settings))
        await common.accept(request, platform=platform, channel_code=channel, messages=messages)
        return Response(status_code=200)

    return router
