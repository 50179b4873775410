"""Pure rules of reviews: who may review, the moderation state machine, rating summary maths,
text limits, photo types by their magic bytes, and cheap abuse heuristics."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import ClassVar

from omnishop.kernel.errors import Conflict, Forbidden, ValidationFailed

STARS = (1, 2, 3, 4, 5)
TITLE_MAX = 120
TEXT_MIN, TEXT_MAX = 2, 4000
PHOTOS_MAX = 5
PHOTO_BYTES_MAX = 5 * 1024 * 1024
REASON_MAX = 500
# Distinct reporters after which an approved review leaves the shop until a moderator looks.
REPORTS_TO_REQUEUE = 3


class ReviewStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class ReportReason(StrEnum):
    SPAM = "spam"
    OFFENSIVE = "offensive"
    OFF_TOPIC = "off_topic"
    FAKE = "fake"
    PERSONAL_DATA = "personal_data"
    OTHER = "other"


class Ineligible(StrEnum):
    """Why a customer may not review a product (stable API codes)."""

    NOT_RECEIVED = "no_delivered_order"
    ALREADY_REVIEWED = "already_reviewed"


class ReviewNotAllowed(Forbidden):
    code: ClassVar[str] = "review_requires_delivered_order"
    title: ClassVar[str] = "Only buyers who received this product may review it"


class AlreadyReviewed(Conflict):
    code: ClassVar[str] = "review_exists"
    title: ClassVar[str] = "You have already reviewed this product"


class InvalidReviewTransition(Conflict):
    code: ClassVar[str] = "invalid_review_transition"
    title: ClassVar[str] = "The review cannot move to that status"


class UnsupportedPhoto(ValidationFailed):
    code: ClassVar[str] = "unsupported_photo"
    title: ClassVar[str] = "Photos must be JPEG, PNG or WebP images of at most 5 MB"


def eligibility(*, received_order: bool, already_reviewed: bool) -> Ineligible | None:
    """None when the customer may review; else the first reason they may not."""
    if not received_order:
        return Ineligible.NOT_RECEIVED
    if already_reviewed:
        return Ineligible.ALREADY_REVIEWED
    return None


def require_eligible(reason: Ineligible | None) -> None:
    """Raise the error a client sees for ``reason`` (403 not received, 409 already reviewed)."""
    if reason is Ineligible.NOT_RECEIVED:
        raise ReviewNotAllowed(
            "only a customer with a delivered order of this product may review it",
            reason=reason.value,
        )
    if reason is Ineligible.ALREADY_REVIEWED:
        raise AlreadyReviewed(
            "this customer has already reviewed this product", reason=reason.value
        )


S = ReviewStatus
# Rejected reviews may be reconsidered; approved ones taken down; reports send approved back.
TRANSITIONS: Mapping[ReviewStatus, frozenset[ReviewStatus]] = {
    S.PENDING: frozenset({S.APPROVED, S.REJECTED}),
    S.APPROVED: frozenset({S.REJECTED, S.PENDING}),
    S.REJECTED: frozenset({S.APPROVED}),
}


def transition(current: str, target: ReviewStatus) -> ReviewStatus:
    """``target`` if a review may move there from ``current``, else 409."""
    if target not in TRANSITIONS[ReviewStatus(current)]:
        raise InvalidReviewTransition(
            f"a review that is {current} cannot become {target.value}",
            field="status",
            review_status=current,
        )
    return target


def summary_delta(current: str, target: str) -> int:
    """How the move changes the count of approved reviews: +1, -1 or 0."""
    return int(target == S.APPROVED) - int(current == S.APPROVED)


# --- rating summary ---------------------------------------------------------------------


@dataclass(frozen=True)
class Summary:
    count: int
    total: int
    average: int  # hundredths, 0 with no reviews
    histogram: tuple[int, int, int, int, int]  # counts of 1..5 stars


EMPTY = Summary(0, 0, 0, (0, 0, 0, 0, 0))


def average_hundredths(total: int, count: int) -> int:
    """Mean rating in hundredths, rounded half up (Decimal: no float drift); 0 when empty."""
    if count == 0:
        return 0
    value = (Decimal(total) * 100 / Decimal(count)).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return int(value)


def summarize(histogram: Sequence[int]) -> Summary:
    """The summary of a histogram of 1..5 star counts."""
    if len(histogram) != 5 or any(n < 0 for n in histogram):
        raise ValueError("a histogram has five non-negative counts")
    counts = (histogram[0], histogram[1], histogram[2], histogram[3], histogram[4])
    count = sum(counts)
    total = sum(star * n for star, n in zip(STARS, counts, strict=True))
    return Summary(count, total, average_hundredths(total, count), counts)


def apply(summary: Summary, rating: int, delta: int) -> Summary:
    """The summary after one review of ``rating`` is approved (+1) or withdrawn (-1)."""
    check_rating(rating)
    histogram = list(summary.histogram)
    histogram[rating - 1] += delta
    if histogram[rating - 1] < 0:
        raise ValueError("a summary cannot withdraw a review it never counted")
    return summarize(histogram)


def check_rating(rating: int) -> int:
    if isinstance(rating, bool) or rating not in STARS:
        raise ValidationFailed("rating must be a whole number from 1 to 5", field="rating")
    return rating


# --- text -------------------------------------------------------------------------------

_SPACES = re.compile(r"[ \t]+")
_BLANK_LINES = re.compile(r"\n{3,}")


def clean_text(text: str) -> str:
    """Trimmed, spaces collapsed, at most one blank line in a row, no control characters."""
    kept = "".join(ch for ch in text.replace("\r\n", "\n") if ch == "\n" or ch >= " ")
    lines = [_SPACES.sub(" ", line).strip() for line in kept.split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def check_text(title: str | None, text: str) -> tuple[str | None, str]:
    """The cleaned title and text within their limits, else 422 naming the field."""
    clean_title = clean_text(title).replace("\n", " ") if title else None
    if clean_title is not None and len(clean_title) > TITLE_MAX:
        raise ValidationFailed(f"title is at most {TITLE_MAX} characters", field="title")
    body = clean_text(text)
    if not TEXT_MIN <= len(body) <= TEXT_MAX:
        raise ValidationFailed(f"text must be {TEXT_MIN}–{TEXT_MAX} characters", field="text")
    return clean_title or None, body


_LINK = re.compile(r"(https?://|www\.|\b[\w-]+\.(com|ru|ge|net|org|io|me|link)\b)", re.I)
_REPEATED = re.compile(r"(.)\1{7,}")
_CONTACT = re.compile(r"(\+?\d[\d\s()-]{8,}\d|@[A-Za-z0-9_]{4,}|\S+@\S+\.\w+)")
# A deliberately short list: the heuristics only flag for a moderator, they never reject.
_PROFANITY = re.compile(r"\b(fuck\w*|shit\w*|bitch\w*|хуй\w*|хуе\w*|пизд\w*|бля\w*|еба\w*)", re.I)


def flags(title: str | None, text: str) -> tuple[str, ...]:
    """What a moderator should look at twice: links, contacts, shouting, noise, profanity."""
    whole = f"{title or ''}\n{text}"
    found: list[str] = []
    if _LINK.search(whole):
        found.append("links")
    if _CONTACT.search(whole):
        found.append("contacts")
    letters = [ch for ch in whole if ch.isalpha()]
    if len(letters) >= 20 and sum(ch.isupper() for ch in letters) / len(letters) > 0.7:
        found.append("shouting")
    if _REPEATED.search(whole):
        found.append("repeated_characters")
    if _PROFANITY.search(whole):
        found.append("profanity")
    return tuple(found)


def requeue_after_report(status: str, reports: int) -> bool:
    """An approved review reported by enough distinct shoppers goes back to the queue."""
    return status == S.APPROVED and reports >= REPORTS_TO_REQUEUE


def author_name(first_name: str | None, last_name: str | None) -> str | None:
    """ "Anna K." from the profile; nothing more identifying is shown with a review."""
    first = (first_name or "").strip()
    last = (last_name or "").strip()
    if not first:
        return None
    return f"{first} {last[0].upper()}." if last else first


# --- photos -----------------------------------------------------------------------------

# Magic bytes decide the type, never the file name or the client's Content-Type.
IMAGE_TYPES: tuple[tuple[str, str, bytes, int], ...] = (
    ("image/jpeg", "jpg", b"\xff\xd8\xff", 0),
    ("image/png", "png", b"\x89PNG\r\n\x1a\n", 0),
    ("image/webp", "webp", b"WEBP", 8),
)


def sniff_image(head: bytes) -> tuple[str, str] | None:
    """(content type, extension) of a JPEG, PNG or WebP by its first bytes, else None."""
    for content_type, extension, magic, offset in IMAGE_TYPES:
        if head[offset : offset + len(magic)] == magic:
            if content_type == "image/webp" and head[:4] != b"RIFF":
                continue
            return content_type, extension
    return None


def check_photo(data: bytes, *, index: int) -> tuple[str, str]:
    """The type of an acceptable photo, else 422 ``unsupported_photo`` naming which one."""
    field = f"photos[{index}]"
    if len(data) > PHOTO_BYTES_MAX:
        raise UnsupportedPhoto(f"{field} is larger than 5 MB", field=field)
    kind = sniff_image(data[:16])
    if kind is None or len(data) < 32:
        raise UnsupportedPhoto(f"{field} is not a JPEG, PNG or WebP image", field=field)
    return kind


def check_photo_count(count: int) -> None:
    if count > PHOTOS_MAX:
        raise ValidationFailed(f"at most {PHOTOS_MAX} photos per review", field="photos")
