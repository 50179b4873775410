"""Conversation rules, pure (no I/O): business hours, operator choice, reassignment,
handoff triggers, and the limits on unasked messages (frequency cap, quiet hours)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from omnishop.kernel import i18n
from omnishop.kernel.i18n import N_

DEFAULT_CAPACITY = 8
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

# --- business hours -------------------------------------------------------------------------

Hours = dict[str, Any]  # {"mon": [["09:00", "18:00"], ...], ...}; empty = always open


def zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _intervals(hours: Hours, day: str) -> list[tuple[time, time]]:
    out = []
    for start, end in hours.get(day, []):
        out.append((time.fromisoformat(start), time.fromisoformat(end)))
    return out


def within_hours(hours: Hours, tz: str, at: datetime) -> bool:
    """Is ``at`` inside the business hours (local to ``tz``)? No hours set: always."""
    if not hours:
        return True
    local = at.astimezone(zone(tz))
    moment = local.time()
    return any(start <= moment < end for start, end in _intervals(hours, DAYS[local.weekday()]))


def business_seconds(hours: Hours, tz: str, start: datetime, end: datetime) -> int:
    """Seconds between ``start`` and ``end`` that fall inside business hours."""
    if end <= start:
        return 0
    if not hours:
        return int((end - start).total_seconds())
    zinfo = zone(tz)
    total = 0.0
    day = start.astimezone(zinfo).date()
    last = end.astimezone(zinfo).date()
    while day <= last:
        for open_at, close_at in _intervals(hours, DAYS[day.weekday()]):
            a = datetime.combine(day, open_at, zinfo)
            b = datetime.combine(day, close_at, zinfo)
            lo, hi = max(a, start), min(b, end)
            if hi > lo:
                total += (hi - lo).total_seconds()
        day += timedelta(days=1)
    return int(total)


# --- operator choice ------------------------------------------------------------------------


@dataclass(frozen=True)
class Operator:
    staff_id: Any
    capacity: int = DEFAULT_CAPACITY
    active_chats: int = 0
    languages: frozenset[str] = frozenset()
    skills: frozenset[str] = frozenset()
    online: bool = True
    hours: Hours = field(default_factory=dict)
    timezone: str = "UTC"
    last_assigned_at: datetime | None = None


def can_take(op: Operator, *, language: str, skills: Iterable[str], now: datetime) -> bool:
    """Online, in hours, below capacity, speaks the language (or any, when none are listed)
    and has every skill the chat needs."""
    return (
        op.online
        and op.active_chats < op.capacity
        and within_hours(op.hours, op.timezone, now)
        and (not op.languages or language in op.languages)
        and set(skills) <= op.skills
    )


def choose_operator(
    operators: Sequence[Operator],
    *,
    language: str,
    skills: Iterable[str] = (),
    now: datetime,
    exclude: Iterable[Any] = (),
) -> Operator | None:
    """The eligible operator with the most free room (by share of capacity), then the one
    who waited longest for a chat; ``exclude`` (who did not answer) is skipped."""
    needed = list(skills)
    skip = set(exclude)
    eligible = [
        op
        for op in operators
        if op.staff_id not in skip and can_take(op, language=language, skills=needed, now=now)
    ]
    if not eligible:
        return None
    epoch = datetime.min.replace(tzinfo=now.tzinfo)
    return min(
        eligible,
        key=lambda op: (
            op.active_chats / max(op.capacity, 1),
            op.last_assigned_at or epoch,
            str(op.staff_id),
        ),
    )


def should_reassign(
    *,
    assigned_at: datetime | None,
    waiting_since: datetime | None,
    now: datetime,
    timeout: timedelta,
) -> bool:
    """The operator has not answered the customer within ``timeout`` of taking the chat (or of
    the customer's unanswered message, whichever is later)."""
    if assigned_at is None or waiting_since is None:
        return False
    return now - max(assigned_at, waiting_since) >= timeout


# --- handoff triggers -----------------------------------------------------------------------

LOW_CONFIDENCE_LIMIT = 2
_HUMAN = re.compile(
    r"\b(human|person|operator|agent|manager|real person|someone real)\b"
    r"|(оператор|человек|менеджер|живой|сотрудник|консультант)",
    re.IGNORECASE,
)
_ANGER = re.compile(
    r"\b(angry|furious|terrible|awful|worst|scam|fraud|ridiculous|unacceptable|disgusting"
    r"|useless|stupid|idiot|wtf|hate|refund now|sue)\b"
    r"|(ужас|кошмар|отвратительн|безобрази|обман|мошенни|верните деньги|бесит|идиот|тупой"
    r"|хуже некуда|позор|жалоб|возмутительн)",
    re.IGNORECASE,
)


def wants_human(text: str | None) -> bool:
    return bool(text and _HUMAN.search(text))


def is_angry(text: str | None) -> bool:
    """A small ru/en lexicon, plus shouting (mostly capitals) with exclamation marks."""
    if not text:
        return False
    if _ANGER.search(text):
        return True
    letters = [c for c in text if c.isalpha()]
    shouting = len(letters) >= 8 and sum(c.isupper() for c in letters) / len(letters) > 0.8
    return shouting and "!" in text


def handoff_reason(
    *, kind: str, text: str | None, low_confidence_streak: int, intent: str | None = None
) -> str | None:
    """Why the bot should hand this message to a person, or None to keep answering:
    "requested" (asked for a human), "angry", "photo", "low_confidence" (twice in a row)."""
    if intent == "human" or wants_human(text):
        return "requested"
    if is_angry(text):
        return "angry"
    if kind == "image":
        return "photo"
    if low_confidence_streak >= LOW_CONFIDENCE_LIMIT:
        return "low_confidence"
    return None


# --- unasked messages -----------------------------------------------------------------------


@dataclass(frozen=True)
class Quiet:
    start: time = time(21, 0)
    end: time = time(9, 0)


def in_quiet_hours(at: datetime, tz: str, quiet: Quiet = Quiet()) -> bool:
    """Is it quiet time where the customer is? (A window may cross midnight.)"""
    local = at.astimezone(zone(tz)).time()
    if quiet.start <= quiet.end:
        return quiet.start <= local < quiet.end
    return local >= quiet.start or local < quiet.end


def quiet_until(at: datetime, tz: str, quiet: Quiet = Quiet()) -> datetime:
    """When a message held back by quiet hours may go (``at`` itself when not quiet)."""
    if not in_quiet_hours(at, tz, quiet):
        return at
    zinfo = zone(tz)
    local = at.astimezone(zinfo)
    candidate = datetime.combine(local.date(), quiet.end, zinfo)
    if candidate <= local:
        candidate += timedelta(days=1)
    return candidate.astimezone(at.tzinfo)


@dataclass(frozen=True)
class Cap:
    count: int = 3
    period: timedelta = timedelta(days=1)


def over_cap(sent_at: Sequence[datetime], now: datetime, cap: Cap = Cap()) -> bool:
    """Would one more unasked message exceed ``cap.count`` within ``cap.period``?"""
    recent = [t for t in sent_at if now - t < cap.period]
    return len(recent) >= cap.count


STOP_LINE = N_("Reply STOP to stop these messages.")


def with_stop_line(text: str, language: str) -> str:
    """Every unasked message tells how to stop them."""
    return f"{text}\n\n{i18n.translate(STOP_LINE, language)}"
