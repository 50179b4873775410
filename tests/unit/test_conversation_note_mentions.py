"""@mentions in operators' private notes."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from omnishop.conversations.notes import MAX_MENTIONS, mention_handles


def test_handles_are_found_lower_cased_once_in_order() -> None:
    text = "@Anna please check; cc @boris.k and @anna again, @-nope"
    assert mention_handles(text) == ["anna", "boris.k"]


def test_an_email_address_is_not_a_mention() -> None:
    assert mention_handles("customer wrote from anna@example.com") == []


def test_trailing_punctuation_is_not_part_of_the_handle() -> None:
    assert mention_handles("thanks @anna. and @boris_") == ["anna", "boris"]


@given(st.text(max_size=300))
def test_any_text_gives_at_most_the_cap_of_distinct_handles(text: str) -> None:
    found = mention_handles(text)
    assert len(found) <= MAX_MENTIONS
    assert len(found) == len(set(found))
    assert all(h == h.lower() and h for h in found)
