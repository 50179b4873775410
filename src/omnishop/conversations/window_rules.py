"""Platform send rules, pure: the 24-hour customer-service window (WhatsApp, Messenger),
which approved template or message tag a message outside it needs, and send retries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

WINDOW = timedelta(hours=24)
CLOSING_SOON = timedelta(hours=2)
# Messenger's HUMAN_AGENT tag lets a person answer up to 7 days after the customer wrote.
HUMAN_AGENT_WINDOW = timedelta(days=7)
WINDOW_PLATFORMS = frozenset({"whatsapp", "messenger"})

WindowState = Literal["none", "open", "closing", "closed"]


def window_state(*, platform: str, last_inbound_at: datetime | None, now: datetime) -> WindowState:
    """ "none": the platform has no window (Telegram, SMS, webchat); "closing": open for less
    than ``CLOSING_SOON`` more (the inbox warns the operator)."""
    if platform not in WINDOW_PLATFORMS:
        return "none"
    if last_inbound_at is None:
        return "closed"
    left = last_inbound_at + WINDOW - now
    if left <= timedelta(0):
        return "closed"
    return "closing" if left <= CLOSING_SOON else "open"


def window_closes_at(*, platform: str, last_inbound_at: datetime | None) -> datetime | None:
    if platform not in WINDOW_PLATFORMS or last_inbound_at is None:
        return None
    return last_inbound_at + WINDOW


# Triggers of proactive messages -> the approved WhatsApp template and the Messenger tag.
# ``None`` as tag: Messenger forbids it outside the window (promotional content).
@dataclass(frozen=True)
class TemplateSpec:
    name: str
    messenger_tag: str | None
    purpose: str  # consent purpose: "transactional" | "marketing"


TEMPLATES: dict[str, TemplateSpec] = {
    "order_paid": TemplateSpec("order_confirmation", "POST_PURCHASE_UPDATE", "transactional"),
    "order_shipped": TemplateSpec("order_shipped", "POST_PURCHASE_UPDATE", "transactional"),
    "order_ready_for_pickup": TemplateSpec(
        "order_ready_for_pickup", "POST_PURCHASE_UPDATE", "transactional"
    ),
    "order_delivered": TemplateSpec("order_delivered", "POST_PURCHASE_UPDATE", "transactional"),
    "account_update": TemplateSpec("account_update", "ACCOUNT_UPDATE", "transactional"),
    # Asked for by the customer ("tell me when it is back"): see stock_watch.
    "back_in_stock": TemplateSpec("back_in_stock", None, "transactional"),
    "cart_reminder": TemplateSpec("cart_reminder", None, "marketing"),
}


@dataclass(frozen=True)
class SendDecision:
    allowed: bool
    # What the message must carry: a WhatsApp template name or a Messenger tag (or neither).
    template: str | None = None
    tag: str | None = None
    reason: str | None = None  # why not allowed


def decide(
    *,
    platform: str,
    last_inbound_at: datetime | None,
    now: datetime,
    author: str,
    trigger: str | None = None,
    has_template: bool = False,
    tag: str | None = None,
) -> SendDecision:
    """May this message go now, and as what? Inside the window (or on a platform without
    one) anything goes. Outside it WhatsApp needs an approved template (chosen by the
    trigger); Messenger needs a tag: the trigger's, or HUMAN_AGENT for a person within 7 days.
    """
    state = window_state(platform=platform, last_inbound_at=last_inbound_at, now=now)
    if state in ("none", "open", "closing"):
        return SendDecision(True)
    spec = TEMPLATES.get(trigger) if trigger else None
    if platform == "whatsapp":
        if has_template:
            return SendDecision(True)
        if spec is not None:
            return SendDecision(True, template=spec.name)
        return SendDecision(False, reason="whatsapp_window_closed")
    # messenger
    if tag:
        return SendDecision(True, tag=tag)
    if spec is not None and spec.messenger_tag:
        return SendDecision(True, tag=spec.messenger_tag)
    if (
        author == "operator"
        and last_inbound_at is not None
        and now - last_inbound_at < HUMAN_AGENT_WINDOW
    ):
        return SendDecision(True, tag="HUMAN_AGENT")
    return SendDecision(False, reason="messenger_window_closed")


MAX_SEND_ATTEMPTS = 6


def retry_delay(attempts: int, retry_after: float | None = None) -> timedelta | None:
    """Back-off before the next try after ``attempts`` failed ones, and never less than the
    ``retry_after`` seconds the platform asked for (trying sooner only earns another 429);
    None: give up."""
    if attempts >= MAX_SEND_ATTEMPTS:
        return None
    backoff = timedelta(seconds=min(5 * 3 ** (attempts - 1), 1800))
    if retry_after is not None and retry_after > 0:
        return max(backoff, timedelta(seconds=retry_after))
    return backoff


_STATUS_RANK = {"queued": 0, "retrying": 0, "sent": 1, "delivered": 2, "read": 3}


def next_delivery_status(current: str, reported: str) -> str | None:
    """The status after a platform report, or None to ignore it: statuses only move forward
    (reports arrive out of order and twice); "failed" only before delivery."""
    if reported == "failed":
        return "failed" if _STATUS_RANK.get(current, 9) <= 1 else None
    new = _STATUS_RANK.get(reported)
    old = _STATUS_RANK.get(current)
    if new is None or old is None or new <= old:
        return None
    return reported
