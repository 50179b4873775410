"""Pure rules of reviews: eligibility, the moderation state machine, rating summary maths
(property-based), text limits, abuse flags and photo types by magic bytes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omnishop.kernel.errors import ValidationFailed
from omnishop.reviews import rules
from omnishop.reviews.rules import (
    AlreadyReviewed,
    Ineligible,
    InvalidReviewTransition,
    ReviewNotAllowed,
    ReviewStatus,
    UnsupportedPhoto,
)

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 40
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 40


@pytest.mark.parametrize(
    ("received", "already", "expected"),
    [
        (True, False, None),
        (False, False, Ineligible.NOT_RECEIVED),
        (False, True, Ineligible.NOT_RECEIVED),
        (True, True, Ineligible.ALREADY_REVIEWED),
    ],
)
def test_only_a_received_product_not_yet_reviewed_may_be_reviewed(
    received: bool, already: bool, expected: Ineligible | None
) -> None:
    assert rules.eligibility(received_order=received, already_reviewed=already) is expected


def test_each_ineligibility_has_its_own_error() -> None:
    rules.require_eligible(None)
    with pytest.raises(ReviewNotAllowed) as not_received:
        rules.require_eligible(Ineligible.NOT_RECEIVED)
    with pytest.raises(AlreadyReviewed) as already:
        rules.require_eligible(Ineligible.ALREADY_REVIEWED)

    assert (not_received.value.status, not_received.value.code) == (
        403,
        "review_requires_delivered_order",
    )
    assert (already.value.status, already.value.code) == (409, "review_exists")


@pytest.mark.parametrize(
    ("current", "target", "allowed", "delta"),
    [
        ("pending", ReviewStatus.APPROVED, True, 1),
        ("pending", ReviewStatus.REJECTED, True, 0),
        ("approved", ReviewStatus.REJECTED, True, -1),
        ("approved", ReviewStatus.PENDING, True, -1),
        ("rejected", ReviewStatus.APPROVED, True, 1),
        ("approved", ReviewStatus.APPROVED, False, 0),
        ("rejected", ReviewStatus.REJECTED, False, 0),
        ("rejected", ReviewStatus.PENDING, False, 1),
        ("pending", ReviewStatus.PENDING, False, 0),
    ],
)
def test_moderation_moves_and_what_they_do_to_the_count(
    current: str, target: ReviewStatus, allowed: bool, delta: int
) -> None:
    if allowed:
        assert rules.transition(current, target) is target
        assert rules.summary_delta(current, target) == delta
    else:
        with pytest.raises(InvalidReviewTransition):
            rules.transition(current, target)


@pytest.mark.parametrize(
    ("total", "count", "expected"),
    [(0, 0, 0), (5, 1, 500), (14, 3, 467), (9, 2, 450), (13, 3, 433), (1, 3, 33), (2, 3, 67)],
)
def test_average_is_hundredths_rounded_half_up(total: int, count: int, expected: int) -> None:
    assert rules.average_hundredths(total, count) == expected


histograms = st.lists(st.integers(min_value=0, max_value=10_000), min_size=5, max_size=5)


@given(histograms)
def test_summary_count_is_the_histogram_sum_and_average_within_one_to_five(
    histogram: list[int],
) -> None:
    summary = rules.summarize(histogram)

    assert summary.count == sum(histogram)
    assert summary.total == sum(star * n for star, n in zip(rules.STARS, histogram, strict=True))
    if summary.count:
        assert 100 <= summary.average <= 500
        assert abs(summary.average * summary.count - summary.total * 100) <= summary.count / 2
    else:
        assert summary.average == 0


@given(st.lists(st.tuples(st.sampled_from(rules.STARS), st.booleans()), max_size=60))
def test_approving_and_withdrawing_keeps_the_summary_equal_to_a_recount(
    moves: list[tuple[int, bool]],
) -> None:
    # Given a sequence of approvals, each possibly withdrawn again later,
    summary = rules.EMPTY
    live: list[int] = []
    for rating, withdraw_one in moves:
        summary = rules.apply(summary, rating, +1)
        live.append(rating)
        if withdraw_one:
            gone = live.pop(0)
            summary = rules.apply(summary, gone, -1)

    # then the summary is what counting the live reviews from scratch gives.
    assert summary == rules.summarize([live.count(star) for star in rules.STARS])


def test_a_summary_never_withdraws_what_it_never_counted() -> None:
    with pytest.raises(ValueError, match="never counted"):
        rules.apply(rules.EMPTY, 3, -1)
    with pytest.raises(ValueError, match="five"):
        rules.summarize([1, 2, 3])


@pytest.mark.parametrize("rating", [0, 6, -1, True])
def test_ratings_are_one_to_five(rating: int) -> None:
    with pytest.raises(ValidationFailed):
        rules.check_rating(rating)


def test_text_is_cleaned_and_limited() -> None:
    title, text = rules.check_text("  Nice \n kettle ", "Line one.  \r\n\r\n\r\n\r\nLine\x00 two ")

    assert (title, text) == ("Nice kettle", "Line one.\n\nLine two")
    assert rules.check_text("   ", "ok")[0] is None
    with pytest.raises(ValidationFailed) as short:
        rules.check_text(None, " a ")
    with pytest.raises(ValidationFailed) as long_title:
        rules.check_text("x" * 121, "fine text")
    assert (short.value.field, long_title.value.field) == ("text", "title")
    with pytest.raises(ValidationFailed):
        rules.check_text(None, "x" * 4001)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Great kettle, boils in two minutes.", ()),
        ("Buy cheap at https://spam.example now", ("links",)),
        ("Write me +7 999 123 45 67", ("contacts",)),
        ("THIS KETTLE IS THE WORST THING EVER MADE", ("shouting",)),
        ("Cooool!!!!!!!!!!!", ("repeated_characters",)),
        ("Полная хуйня", ("profanity",)),
    ],
)
def test_abuse_heuristics_flag_for_a_moderator(text: str, expected: tuple[str, ...]) -> None:
    assert rules.flags(None, text) == expected


def test_reports_requeue_only_an_approved_review_at_the_threshold() -> None:
    assert rules.requeue_after_report("approved", rules.REPORTS_TO_REQUEUE)
    assert not rules.requeue_after_report("approved", rules.REPORTS_TO_REQUEUE - 1)
    assert not rules.requeue_after_report("pending", 10)


def test_author_name_shows_first_name_and_an_initial() -> None:
    assert rules.author_name("Anna", "kareli") == "Anna K."
    assert rules.author_name("Анна", None) == "Анна"
    assert rules.author_name(None, "Kareli") is None


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (PNG, ("image/png", "png")),
        (JPEG, ("image/jpeg", "jpg")),
        (WEBP, ("image/webp", "webp")),
    ],
)
def test_photos_are_recognised_by_their_bytes(data: bytes, expected: tuple[str, str]) -> None:
    assert rules.check_photo(data, index=0) == expected


@pytest.mark.parametrize(
    "data",
    [
        b"GIF89a" + b"\x00" * 40,
        b"<svg xmlns='http://www.w3.org/2000/svg'></svg>" + b" " * 10,
        b"%PDF-1.7" + b"\x00" * 40,
        b"XXXX\x00\x00\x00\x00WEBP" + b"\x00" * 40,  # WEBP without its RIFF header
        b"\x89PNG",  # too short to be an image
    ],
)
def test_anything_else_is_refused(data: bytes) -> None:
    with pytest.raises(UnsupportedPhoto) as refused:
        rules.check_photo(data, index=2)

    assert refused.value.field == "photos[2]"


def test_photos_over_five_megabytes_or_more_than_five_are_refused() -> None:
    with pytest.raises(UnsupportedPhoto, match="5 MB"):
        rules.check_photo(PNG + b"\x00" * rules.PHOTO_BYTES_MAX, index=0)
    rules.check_photo_count(5)
    with pytest.raises(ValidationFailed):
        rules.check_photo_count(6)
