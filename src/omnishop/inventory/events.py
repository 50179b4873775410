from __future__ import annotations

import dataclasses
import uuid

from omnishop.kernel.events import Event, event


@event
@dataclasses.dataclass(frozen=True)
class StockChanged(Event):
    topic = "inventory.stock_changed"
    public_topic = "stock.changed"
    variant_id: uuid.UUID
    location_id: uuid.UUID
