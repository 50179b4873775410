"""Pydantic shapes of content blocks."""

from __future__ import annotations

from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from omnishop.content.models import BlockKind, Placement

Texts = dict[Annotated[str, Field(pattern=r"^(ru|en|ka)$")], Annotated[str, Field(max_length=2000)]]


class BlockCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: Annotated[str | None, Field(max_length=80, pattern=r"^[a-z0-9][a-z0-9_-]*$")] = None
    placement: Placement
    kind: BlockKind = BlockKind.BANNER
    title: Texts = Field(default_factory=dict)
    body: Texts = Field(default_factory=dict)
    cta_label: Texts = Field(default_factory=dict)
    image_url: Annotated[str | None, Field(max_length=500)] = None
    image_width: Annotated[int | None, Field(ge=1, le=10000)] = None
    image_height: Annotated[int | None, Field(ge=1, le=10000)] = None
    link_url: Annotated[str | None, Field(max_length=500)] = None
    channel_codes: list[Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,39}$")]] = Field(
        default_factory=list
    )
    starts_at: AwareDatetime | None = None
    ends_at: AwareDatetime | None = None
    position: int = 0
    active: bool = True
