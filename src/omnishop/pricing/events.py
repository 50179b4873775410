from __future__ import annotations

import dataclasses
import uuid

from omnishop.kernel.events import Event, event


@event
@dataclasses.dataclass(frozen=True)
class PriceChanged(Event):
    topic = "pricing.price_changed"
    variant_id: uuid.UUID
    channel_id: uuid.UUID
