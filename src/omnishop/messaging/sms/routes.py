"""``POST /webhooks/sms/{channel}``: Twilio's signed form post; answered with empty TwiML
(the reply, if any, leaves later through the Messages API, after the bot or an operator)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Path, Request
from fastapi.responses import Response
from twilio.twiml.messaging_response import MessagingResponse

from omnishop.messaging import common
from omnishop.messaging.sms.parse import parse
from omnishop.messaging.sms.verify import HEADER, verify

router = APIRouter(tags=["messaging"])
CODE = Path(pattern=r"^[a-z0-9][a-z0-9-]{0,39}$")


@router.post("/webhooks/sms/{channel}", include_in_schema=False)
async def sms_webhook(
    request: Request,
    channel: Annotated[str, CODE],
    signature: Annotated[str | None, Header(alias=HEADER)] = None,
) -> Response:
    settings = common.settings_for(request, channel)  # each Twilio account its own token
    await common.raw_body(request)  # size cap before the form is parsed
    if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        raise common.Malformed("Twilio posts application/x-www-form-urlencoded")
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    url = settings.base_url.rstrip("/") + request.url.path
    if request.url.query:
        url += "?" + request.url.query
    verify(url, form, signature, auth_token=settings.twilio_auth_token)
    messages = parse(form, channel_code=channel)
    await common.accept(request, platform="sms", channel_code=channel, messages=messages)
    return Response(str(MessagingResponse()), media_type="application/xml")
