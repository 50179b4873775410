"""Outbound content survives its stored JSON form unchanged (what the worker sends is what
the bot or operator wrote)."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from omnishop.conversations import content
from omnishop.conversations.wire import (
    Button,
    Card,
    Invoice,
    Location,
    OutboundContent,
    Template,
)

text = st.text(min_size=1, max_size=30)
maybe = st.none() | text
buttons = st.lists(st.builds(Button, label=text, payload=maybe, url=maybe), max_size=3).map(tuple)
cards = st.lists(
    st.builds(Card, title=text, subtitle=maybe, image_url=maybe, url=maybe, buttons=buttons),
    max_size=3,
).map(tuple)
contents = st.builds(
    OutboundContent,
    text=maybe,
    buttons=buttons,
    cards=cards,
    image_url=maybe,
    location=st.none()
    | st.builds(
        Location,
        latitude=st.floats(-90, 90),
        longitude=st.floats(-180, 180),
        title=maybe,
    ),
    template=st.none()
    | st.builds(
        Template,
        name=text,
        language=st.sampled_from(["ru", "en", "ka"]),
        parameters=st.lists(text, max_size=3).map(tuple),
        tag=st.none() | st.sampled_from(["POST_PURCHASE_UPDATE", "HUMAN_AGENT"]),
    ),
    invoice=st.none()
    | st.builds(
        Invoice,
        title=text,
        description=text,
        payload=text,
        currency=st.sampled_from(["RUB", "USD"]),
        prices=st.lists(st.tuples(text, st.integers(0, 10**9)), min_size=1, max_size=3).map(tuple),
    ),
)


@given(contents)
def test_content_round_trips_through_json(value: OutboundContent) -> None:
    stored = json.loads(json.dumps(content.outbound_body(value)))
    assert content.content_from_body(stored) == value


def test_the_kind_is_the_richest_part() -> None:
    assert content.outbound_kind(OutboundContent(text="hi")) == "text"
    assert content.outbound_kind(OutboundContent(text="hi", cards=(Card("Tee"),))) == "cards"
    assert content.outbound_kind(OutboundContent(answer={"callback_query_id": "1"})) == "answer"
