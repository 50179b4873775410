"""Catalog rules: visibility in a channel, translation fallback, category paths. Pure; no I/O."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime

from omnishop.catalog.models import ProductStatus
from omnishop.catalog.schemas import ProductBundle

FALLBACK_LOCALE = "ru"


def is_visible(bundle: ProductBundle, channel_id: uuid.UUID, now: datetime) -> bool:
    """Shown to buyers: active, published visible in the channel, and its time has come."""
    publication = bundle.publication(channel_id)
    return (
        bundle.status == ProductStatus.ACTIVE
        and publication is not None
        and publication.visible
        and (publication.published_at is None or publication.published_at <= now)
    )


def pick(texts: Mapping[str, str], locale: str, channel_locale: str) -> str | None:
    """The text in ``locale``, else the channel's locale, else Russian (the source language)."""
    for candidate in (locale, channel_locale, FALLBACK_LOCALE):
        if text := texts.get(candidate):
            return text
    return None


def moved_path(path: str, old_root: str, new_root: str) -> str:
    """``path`` after its ancestor (or itself) at ``old_root`` moved to ``new_root``."""
    if path == old_root:
        return new_root
    if not path.startswith(old_root + "/"):
        raise ValueError(f"{path!r} is not under {old_root!r}")
    return new_root + path[len(old_root) :]


def is_within(path: str, root: str) -> bool:
    """``path`` is ``root`` itself or lies in its subtree."""
    return path == root or path.startswith(root + "/")
