from __future__ import annotations

import dataclasses
import uuid

from omnishop.kernel.events import Event, event


@event
@dataclasses.dataclass(frozen=True)
class ProductChanged(Event):
    """Anything shown about a product changed: text, variants, media, publication, status."""

    topic = "catalog.product_changed"
    product_id: uuid.UUID


@event
@dataclasses.dataclass(frozen=True)
class CategoryChanged(Event):
    topic = "catalog.category_changed"
    category_id: uuid.UUID
