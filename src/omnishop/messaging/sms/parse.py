"""A Twilio inbound-message or status-callback form post as inbound messages.

STOP, UNSUBSCRIBE… (Twilio's opt-out keywords, and ``OptOutType`` when Advanced Opt-Out is on)
become ``opt_out``; START, UNSTOP, YES become ``opt_in``. The message sid is the dedupe key.
"""

from __future__ import annotations

from collections.abc import Mapping

from omnishop.conversations.wire import InboundMessage, Media
from omnishop.kernel import clock
from omnishop.messaging.common import Malformed

OPT_OUT = frozenset(
    {"STOP", "STOPALL", "STOP ALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT", "REVOKE"}
    | {"СТОП", "ОТПИСАТЬСЯ"}
)
OPT_IN = frozenset({"START", "UNSTOP", "YES", "OPTIN", "СТАРТ"})
# Twilio's delivery statuses, in our words (undelivered is a failure the customer never saw).
STATUSES = {
    "queued": None,
    "accepted": None,
    "sending": None,
    "sent": "sent",
    "delivered": "delivered",
    "read": "read",
    "undelivered": "failed",
    "failed": "failed",
}


def keyword(body: str) -> str | None:
    """``opt_out``, ``opt_in`` or None for a message body (the whole body is the keyword)."""
    word = " ".join(body.strip().upper().split())
    if word in OPT_OUT:
        return "opt_out"
    if word in OPT_IN:
        return "opt_in"
    return None


def parse(form: Mapping[str, str], *, channel_code: str) -> tuple[InboundMessage, ...]:
    sid = form.get("MessageSid") or form.get("SmsSid")
    sender = form.get("From")
    if not sid or not sender:
        raise Malformed("a Twilio post needs MessageSid and From")
    status = form.get("MessageStatus") or form.get("SmsStatus")
    if status and status != "received" and "Body" not in form:
        ours = STATUSES.get(status)
        if ours is None:
            return ()
        error = form.get("ErrorCode")
        return (
            InboundMessage(
                platform="sms",
                channel_code=channel_code,
                external_id=f"status:{sid}:{ours}",
                sender_id=form.get("To") or sender,
                kind="status",
                sent_at=clock.now(),
                status=ours,
                reply_to=sid,
                meta={"error": f"twilio {error}"} if error else {},
            ),
        )
    body = form.get("Body", "")
    common = {
        "platform": "sms",
        "channel_code": channel_code,
        "external_id": sid,
        "sender_id": sender,
        "sent_at": clock.now(),  # Twilio posts at once and sends no timestamp
        "profile": {"phone": sender},
    }
    opt = {"STOP": "opt_out", "START": "opt_in"}.get(form.get("OptOutType", "").upper())
    opt = opt or keyword(body)
    if opt == "opt_out":
        return (InboundMessage(**common, kind="opt_out", text=body),)  # type: ignore[arg-type]
    if opt == "opt_in":
        return (InboundMessage(**common, kind="opt_in", text=body),)  # type: ignore[arg-type]
    try:
        media_count = int(form.get("NumMedia") or 0)
    except ValueError as exc:
        raise Malformed("NumMedia is not a number") from exc
    if media_count > 0 and form.get("MediaUrl0"):
        media = Media(url=form["MediaUrl0"], mime_type=form.get("MediaContentType0"), caption=body)
        return (InboundMessage(**common, kind="image", media=media, text=body or None),)  # type: ignore[arg-type]
    return (InboundMessage(**common, kind="text", text=body),)  # type: ignore[arg-type]
