"""Pure rules of content blocks: which are live for a channel at a moment, the text in the
shopper's locale (or the channel's), and what a well-formed block is."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from omnishop.kernel.errors import ValidationFailed

LOCALES = ("ru", "en", "ka")
TEXT_MAX = 2000


@dataclass(frozen=True)
class BlockData:
    """What the rules need of a stored block (no ORM)."""

    placement: str
    kind: str
    title: Mapping[str, Any]
    body: Mapping[str, Any]
    cta_label: Mapping[str, Any]
    image_url: str | None
    image_width: int | None
    image_height: int | None
    link_url: str | None
    channel_codes: Sequence[str]
    starts_at: datetime | None
    ends_at: datetime | None
    position: int
    active: bool
    key: str | None = None


@dataclass(frozen=True)
class BlockView:
    """A block ready to render, in one locale."""

    placement: str
    kind: str
    title: str | None
    body: str | None
    cta_label: str | None
    image_url: str | None
    image_width: int | None
    image_height: int | None
    link_url: str | None
    position: int
    locale: str  # the locale the title came from (for lang="" when it fell back)


def is_live(block: BlockData, now: datetime) -> bool:
    """Active, started (or no start) and not yet ended (the end is exclusive)."""
    if not block.active:
        return False
    if block.starts_at is not None and now < block.starts_at:
        return False
    return block.ends_at is None or now < block.ends_at


def shows_in(block: BlockData, channel_code: str) -> bool:
    """An empty channel list means every channel."""
    return not block.channel_codes or channel_code in block.channel_codes


def localized(texts: Mapping[str, Any], locale: str, fallback: str) -> tuple[str | None, str]:
    """The text in ``locale``, else in ``fallback``, else None; with the locale used."""
    for candidate in (locale, fallback):
        value = texts.get(candidate)
        if isinstance(value, str) and value.strip():
            return value.strip(), candidate
    return None, locale


def select(
    blocks: Iterable[BlockData],
    *,
    channel_code: str,
    placement: str,
    locale: str,
    fallback_locale: str,
    now: datetime,
) -> list[BlockView]:
    """Live blocks of a placement for a channel, ordered by position, in the locale (falling
    back to the channel's). A block with no text and no image in either locale is skipped."""
    chosen: list[BlockView] = []
    live = [
        b
        for b in blocks
        if b.placement == placement and is_live(b, now) and shows_in(b, channel_code)
    ]
    for block in sorted(live, key=lambda b: (b.position, b.key or "")):
        title, used = localized(block.title, locale, fallback_locale)
        body, _ = localized(block.body, locale, fallback_locale)
        cta, _ = localized(block.cta_label, locale, fallback_locale)
        if title is None and body is None and block.image_url is None:
            continue
        chosen.append(
            BlockView(
                placement=block.placement,
                kind=block.kind,
                title=title,
                body=body,
                cta_label=cta if block.link_url else None,
                image_url=block.image_url,
                image_width=block.image_width,
                image_height=block.image_height,
                link_url=block.link_url,
                position=block.position,
                locale=used,
            )
        )
    return chosen


def check(block: BlockData) -> None:
    """422 naming the field when a block is malformed (dates, links, texts, image size)."""
    if block.starts_at and block.ends_at and block.ends_at <= block.starts_at:
        raise ValidationFailed("ends_at must be after starts_at", field="ends_at")
    for name, texts in (
        ("title", block.title),
        ("body", block.body),
        ("cta_label", block.cta_label),
    ):
        if not isinstance(texts, Mapping):
            raise ValidationFailed(f"{name} is an object of texts by locale", field=name)
        for locale, text in texts.items():
            if locale not in LOCALES:
                raise ValidationFailed(f"{name}: unknown locale {locale!r}", field=name)
            if not isinstance(text, str) or len(text) > TEXT_MAX:
                raise ValidationFailed(f"{name}.{locale}: text up to {TEXT_MAX}", field=name)
    for name, url in (("link_url", block.link_url), ("image_url", block.image_url)):
        if url is not None and not safe_url(url):
            raise ValidationFailed(f"{name} must be a site path or an http(s) URL", field=name)
    if block.image_url and not (block.image_width and block.image_height):
        raise ValidationFailed("an image needs its width and height", field="image_width")
    if (block.image_width or 0) < 0 or (block.image_height or 0) < 0:
        raise ValidationFailed("image size cannot be negative", field="image_width")


def safe_url(url: str) -> bool:
    """A path on this site (``/c/games``) or an http(s) URL: never ``javascript:`` and kin."""
    url = url.strip()
    if url.startswith("/") and not url.startswith("//"):
        return True
    return url.lower().startswith(("https://", "http://")) and len(url) > 8
