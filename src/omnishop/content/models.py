"""CMS content blocks: banners, promos and text placed on pages, scheduled per channel."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from omnishop.kernel.db import Base, IdMixin, TimestampMixin


class Placement(StrEnum):
    HOME_HERO = "home_hero"
    HOME_PROMO = "home_promo"
    HOME_TEXT = "home_text"


class BlockKind(StrEnum):
    BANNER = "banner"
    PROMO = "promo"
    TEXT = "text"


class ContentBlock(IdMixin, TimestampMixin, Base):
    __tablename__ = "content_blocks"
    __table_args__ = (Index("ix_content_blocks_placement_position", "placement", "position"),)

    placement: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(20), default=BlockKind.BANNER.value)
    # Texts per locale: {"ru": "…", "en": "…", "ka": "…"}; a missing locale falls back to the
    # channel's default locale.
    title: Mapped[dict[str, Any]] = mapped_column(default=dict)
    body: Mapped[dict[str, Any]] = mapped_column(default=dict)
    cta_label: Mapped[dict[str, Any]] = mapped_column(default=dict)
    image_url: Mapped[str | None] = mapped_column(String(500))
    image_width: Mapped[int | None]
    image_height: Mapped[int | None]
    link_url: Mapped[str | None] = mapped_column(String(500))
    # Channel codes the block shows in; empty = every channel.
    channel_codes: Mapped[list[Any]] = mapped_column(default=list)
    starts_at: Mapped[datetime | None]
    ends_at: Mapped[datetime | None]
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)
    # A stable name for seeds and imports ("demo-hero-autumn"), so a re-run finds the block.
    key: Mapped[str | None] = mapped_column(String(80), unique=True)

    def __str__(self) -> str:
        return self.key or f"{self.placement} #{self.position}"
