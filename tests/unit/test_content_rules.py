"""Pure rules of content blocks: scheduling, channels, locale fallback and well-formedness."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from omnishop.content import rules
from omnishop.content.rules import BlockData
from omnishop.kernel.errors import ValidationFailed

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
BLOCK = BlockData(
    placement="home_hero",
    kind="banner",
    title={"ru": "Осенняя распродажа", "en": "Autumn sale"},
    body={"ru": "Скидки до 30%"},
    cta_label={"ru": "Смотреть", "en": "Shop now"},
    image_url="/static/hero.jpg",
    image_width=1200,
    image_height=600,
    link_url="/c/games",
    channel_codes=[],
    starts_at=None,
    ends_at=None,
    position=0,
    active=True,
    key="hero",
)


def pick(blocks: list[BlockData], **kw: object) -> list[rules.BlockView]:
    args: dict[str, object] = {
        "channel_code": "web",
        "placement": "home_hero",
        "locale": "en",
        "fallback_locale": "ru",
        "now": NOW,
    }
    args.update(kw)
    return rules.select(blocks, **args)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("starts", "ends", "live"),
    [
        (None, None, True),
        (NOW, None, True),  # the start is inclusive
        (NOW + timedelta(seconds=1), None, False),
        (None, NOW, False),  # the end is exclusive
        (None, NOW + timedelta(hours=1), True),
        (NOW - timedelta(days=2), NOW - timedelta(days=1), False),
    ],
)
def test_a_block_shows_only_between_its_start_and_end(
    starts: datetime | None, ends: datetime | None, live: bool
) -> None:
    assert rules.is_live(replace(BLOCK, starts_at=starts, ends_at=ends), NOW) is live
    assert (len(pick([replace(BLOCK, starts_at=starts, ends_at=ends)])) == 1) is live


def test_inactive_blocks_never_show() -> None:
    assert pick([replace(BLOCK, active=False)]) == []


def test_channel_list_limits_where_a_block_shows_and_empty_means_everywhere() -> None:
    telegram_only = replace(BLOCK, channel_codes=["telegram"], key="tg")

    assert [b.title for b in pick([BLOCK, telegram_only], channel_code="web")] == ["Autumn sale"]
    assert len(pick([BLOCK, telegram_only], channel_code="telegram")) == 2


def test_texts_fall_back_to_the_channel_locale_per_field() -> None:
    (en,) = pick([BLOCK], locale="en")
    (ka,) = pick([BLOCK], locale="ka")

    assert (en.title, en.body, en.cta_label, en.locale) == (
        "Autumn sale",
        "Скидки до 30%",  # no English body: the channel's Russian one
        "Shop now",
        "en",
    )
    assert (ka.title, ka.locale) == ("Осенняя распродажа", "ru")


def test_blocks_come_in_position_order_for_their_placement_only() -> None:
    second = replace(BLOCK, position=2, key="b", title={"en": "Second"})
    first = replace(BLOCK, position=1, key="a", title={"en": "First"})
    promo = replace(BLOCK, placement="home_promo", key="p")

    assert [b.title for b in pick([second, promo, first])] == ["First", "Second"]


def test_a_block_with_nothing_to_show_in_either_locale_is_skipped() -> None:
    empty = replace(BLOCK, title={"ka": "მხოლოდ ქართულად"}, body={}, image_url=None)

    assert pick([empty], locale="en") == []
    assert len(pick([empty], locale="ka")) == 1


def test_a_call_to_action_needs_a_link() -> None:
    (view,) = pick([replace(BLOCK, link_url=None)])

    assert view.cta_label is None


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"ends_at": NOW, "starts_at": NOW}, "ends_at"),
        ({"link_url": "javascript:alert(1)"}, "link_url"),
        ({"link_url": "//evil.example/x"}, "link_url"),
        ({"image_url": "data:image/png;base64,AAAA"}, "image_url"),
        ({"image_width": None}, "image_width"),
        ({"title": {"de": "Hallo"}}, "title"),
        ({"body": {"ru": "x" * 2001}}, "body"),
    ],
)
def test_malformed_blocks_are_refused(change: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        rules.check(replace(BLOCK, **change))  # type: ignore[arg-type]

    assert refused.value.field == field


def test_a_well_formed_block_passes() -> None:
    rules.check(BLOCK)
    rules.check(replace(BLOCK, link_url="https://shop.example/sale", image_url=None))
